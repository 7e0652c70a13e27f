"""Readable text from JATS mixed content, and the language codes that go with it.

A title such as ``CO<sub>2</sub> uptake in <italic>E. coli</italic><xref ...>1</xref>`` must reach
a harvester as "CO2 uptake in E. coli": inline markup flattens, footnote markers go, MathML
becomes the text a reader would say, and words never run together where block elements meet.
"""

from __future__ import annotations

import functools
import html.entities
import re
from collections.abc import Iterable

from lxml import etree

MML_NS = "http://www.w3.org/1998/Math/MathML"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Block elements: their boundaries separate words, so a space goes around their text.
BLOCK = frozenset(
    {
        "p", "sec", "title", "label", "caption", "list", "list-item", "def-list", "def-item",
        "term", "def", "disp-formula", "disp-quote", "table-wrap", "table", "tr", "td", "th",
        "fig", "boxed-text", "break", "speech", "verse-line", "statement", "ref", "ref-list",
        "mixed-citation", "element-citation", "abstract", "trans-abstract", "attrib",
        "address", "aff", "kwd", "compound-kwd-part",
    }
)
# The parts of an ``element-citation``, which by definition carries no punctuation between
# them: without a space their words would run together.
CITATION_PARTS = frozenset(
    {
        "person-group", "name", "string-name", "etal", "collab", "article-title", "source",
        "year", "volume", "issue", "fpage", "lpage", "publisher-name", "publisher-loc",
        "comment", "pub-id", "trans-title", "trans-source", "chapter-title", "edition",
        "date-in-citation", "page-range", "elocation-id", "surname", "given-names", "prefix",
        "suffix", "part-title", "size", "ext-link", "uri", "conf-name", "conf-loc", "conf-date",
        "institution", "month", "day", "series", "isbn", "issn", "data-title", "version",
    }
)
# Names and name parts that records run together without a space (TaxPub's genus and
# species, two authors in a row): a space goes between two of them, none around them.
WORD_PARTS = frozenset(
    {"taxon-name-part", "given-names", "surname", "prefix", "suffix", "name", "string-name"}
)
# Elements that are not part of the running text a reader sees in metadata.
ALWAYS_DROP = frozenset({"fn", "fn-group", "target", "object-id", "alt-text", "long-desc"})
# Markers that point elsewhere: dropped from titles, kept elsewhere only when they carry words.
TITLE_DROP = frozenset({"xref"}) | ALWAYS_DROP

_WS = re.compile(r"\s+")
# A space that only the joining of tagged parts put before a comma or full stop.
_SPACE_BEFORE_STOP = re.compile(r" ([,.](?:\s|$))")
# XML 1.0 Char production, negated: what may never reach an output document.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_TEX_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ",
    "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω", "times": "×", "pm": "±", "mp": "∓", "le": "≤", "leq": "≤", "ge": "≥",
    "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "sim": "∼", "cdot": "·", "to": "→",
    "rightarrow": "→", "leftarrow": "←", "infty": "∞", "partial": "∂", "nabla": "∇",
    "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√", "degree": "°", "circ": "°",
    "prime": "′", "ell": "ℓ", "hbar": "ℏ", "in": "∈", "cdots": "⋯", "ldots": "…", "dots": "…",
}
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+)")
_TEX_PREAMBLE = re.compile(
    r"\\(documentclass|usepackage|setlength|pagestyle)(\[[^\]]*\])?\{[^}]*\}(\{[^}]*\})?"
)


def local(tag: object) -> str:
    """The local name of an element tag (comments and PIs have none), without any prefix."""
    if not isinstance(tag, str):
        return ""
    return _local(tag)


@functools.lru_cache(maxsize=4096)
def _local(tag: str) -> str:
    # "mml:math" stays a literal name when a record leaves the prefix to its DTD.
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def is_jats_namespace(namespace: str | None) -> bool:
    """True for the namespaces JATS is put in (PMC's, NLM's XSD-era one, ours)."""
    return bool(namespace) and any(
        hint in namespace for hint in ("jats.nlm.nih.gov", "dtd.nlm.nih.gov")
    )


def normalise_space(text: str) -> str:
    """Collapse every run of white space to one space and trim; drop characters XML forbids."""
    return _SPACE_BEFORE_STOP.sub(r"\1", _WS.sub(" ", xml_safe(text))).strip()


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 does not allow (they never reach an output)."""
    return _NOT_XML.sub("", text)


def tex_to_text(tex: str) -> str:
    """A readable rendering of a TeX formula: preamble and delimiters go, common symbols map."""
    tex = _TEX_PREAMBLE.sub(" ", tex)
    tex = re.sub(r"\\(begin|end)\{document\}", " ", tex)
    tex = tex.replace("$$", " ").replace("$", " ").replace("\\(", " ").replace("\\)", " ")
    tex = tex.replace("\\[", " ").replace("\\]", " ")

    def command(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _TEX_SYMBOLS:
            return _TEX_SYMBOLS[name]
        return ""

    tex = _TEX_COMMAND.sub(command, tex)
    tex = tex.replace("{", "").replace("}", "").replace("~", " ")
    return normalise_space(tex)


def _math_text(el: etree._Element) -> str:
    """MathML as text: the author's alttext, else a text annotation, else its token text."""
    alt = el.get("alttext")
    if alt and alt.strip():
        return tex_to_text(alt) if any(c in alt for c in "\\{}$") else normalise_space(alt)
    for ann in (a for a in el.iter(etree.Element) if local(a.tag) == "annotation"):
        encoding = (ann.get("encoding") or "").lower()
        body = "".join(ann.itertext())
        if body.strip() and ("tex" in encoding or "plain" in encoding or not encoding):
            return tex_to_text(body) if "tex" in encoding else normalise_space(body)
    parts: list[str] = []
    for node in el.iter():
        name = local(node.tag)
        if name in ("annotation", "annotation-xml"):
            continue
        if name in ("mi", "mo", "mn", "mtext", "ms") and node.text:
            if any(local(a.tag) in ("annotation", "annotation-xml") for a in node.iterancestors()):
                continue
            parts.append(node.text.strip())
    return "".join(parts)


def _alternatives(el: etree._Element, drop: frozenset[str]) -> str:
    """One rendering out of ``<alternatives>``: MathML, else TeX, else the first that has text."""
    children = [c for c in el if isinstance(c.tag, str)]
    for child in children:
        if local(child.tag) == "math":
            return _math_text(child)
    for child in children:
        if local(child.tag) == "tex-math":
            return tex_to_text("".join(child.itertext()))
    for child in children:
        text = _flatten(child, drop)
        if text.strip():
            return text
    return ""


def entity_text(name: str) -> str:
    """The character an entity reference left unexpanded stands for (a space if unknown)."""
    if name.startswith("#"):
        try:
            return xml_safe(chr(int(name[2:], 16) if name[1:2] in "xX" else int(name[1:])))
        except (ValueError, OverflowError):
            return " "
    code = html.entities.name2codepoint.get(name)
    return chr(code) if code else " "


def _follows_word_part(el: etree._Element) -> bool:
    previous = el.getprevious()
    return previous is not None and local(previous.tag) in WORD_PARTS and not previous.tail


def _flatten(
    el: etree._Element, drop: frozenset[str], blocks: frozenset[str] = BLOCK
) -> str:
    out: list[str] = []
    if el.text:
        out.append(el.text)
    for child in el:
        name = local(child.tag)
        if isinstance(child, etree._Entity):
            out.append(entity_text(child.name))
        elif name and name not in drop:
            if name == "math":
                out.append(_math_text(child))
            elif name == "tex-math":
                out.append(tex_to_text("".join(child.itertext())))
            elif name == "alternatives":
                out.append(_alternatives(child, drop))
            elif name in blocks:
                out.append(" " + _flatten(child, drop, blocks) + " ")
            elif name in WORD_PARTS and _follows_word_part(child):
                out.append(" " + _flatten(child, drop, blocks))
            else:
                out.append(_flatten(child, drop, blocks))
        if child.tail:
            out.append(child.tail)
    return "".join(out)


def text_of(
    el: etree._Element | None,
    *,
    drop: Iterable[str] = ALWAYS_DROP,
    blocks: Iterable[str] = BLOCK,
) -> str:
    """The element's content as a reader sees it, on one line."""
    if el is None:
        return ""
    return normalise_space(_flatten(el, frozenset(drop), frozenset(blocks)))


def citation_text(el: etree._Element | None) -> str:
    """A citation as one readable line: a ``mixed-citation`` keeps its own punctuation, the
    parts of an ``element-citation`` are spaced apart."""
    if el is None:
        return ""
    if local(el.tag) == "element-citation":
        return text_of(el, drop=ALWAYS_DROP, blocks=BLOCK | CITATION_PARTS)
    return text_of(el, drop=ALWAYS_DROP)


def title_text(el: etree._Element | None) -> str:
    """A title without its footnote and cross-reference markers."""
    return text_of(el, drop=TITLE_DROP)


_DOI_LINE = re.compile(r"^DOI:\s*\S+$", re.IGNORECASE)


def abstract_text(el: etree._Element | None) -> str:
    """An abstract as running text. Its own heading ("Abstract", "Резюме") goes; the titles of
    its sections stay, as a reader sees them."""
    if el is None:
        return ""
    parts = [el.text or ""]
    for child in el:
        if local(child.tag) not in ("title", "label") and local(child.tag) not in ALWAYS_DROP:
            text = text_of(child)
            if not _DOI_LINE.match(text):
                parts.append(" " + text + " ")
        parts.append(child.tail or "")
    return normalise_space("".join(parts))


# ISO 639-1 -> ISO 639-3 (the alpha-3 code ISO 639-3 and 639-2/T share).
_ISO639_TABLE = """
aa:aar ab:abk ae:ave af:afr ak:aka am:amh an:arg ar:ara as:asm av:ava ay:aym az:aze ba:bak
be:bel bg:bul bi:bis bm:bam bn:ben bo:bod br:bre bs:bos ca:cat ce:che ch:cha co:cos cr:cre
cs:ces cu:chu cv:chv cy:cym da:dan de:deu dv:div dz:dzo ee:ewe el:ell en:eng eo:epo es:spa
et:est eu:eus fa:fas ff:ful fi:fin fj:fij fo:fao fr:fra fy:fry ga:gle gd:gla gl:glg gn:grn
gu:guj gv:glv ha:hau he:heb hi:hin ho:hmo hr:hrv ht:hat hu:hun hy:hye hz:her ia:ina id:ind
ie:ile ig:ibo ii:iii ik:ipk io:ido is:isl it:ita iu:iku ja:jpn jv:jav ka:kat kg:kon ki:kik
kj:kua kk:kaz kl:kal km:khm kn:kan ko:kor kr:kau ks:kas ku:kur kv:kom kw:cor ky:kir la:lat
lb:ltz lg:lug li:lim ln:lin lo:lao lt:lit lu:lub lv:lav mg:mlg mh:mah mi:mri mk:mkd ml:mal
mn:mon mr:mar ms:msa mt:mlt my:mya na:nau nb:nob nd:nde ne:nep ng:ndo nl:nld nn:nno no:nor
nr:nbl nv:nav ny:nya oc:oci oj:oji om:orm or:ori os:oss pa:pan pi:pli pl:pol ps:pus pt:por
qu:que rm:roh rn:run ro:ron ru:rus rw:kin sa:san sc:srd sd:snd se:sme sg:sag sh:hbs si:sin
sk:slk sl:slv sm:smo sn:sna so:som sq:sqi sr:srp ss:ssw st:sot su:sun sv:swe sw:swa ta:tam
te:tel tg:tgk th:tha ti:tir tk:tuk tl:tgl tn:tsn to:ton tr:tur ts:tso tt:tat tw:twi ty:tah
ug:uig uk:ukr ur:urd uz:uzb ve:ven vi:vie vo:vol wa:wln wo:wol xh:xho yi:yid yo:yor za:zha
zh:zho zu:zul"""
_ISO639_3 = dict(pair.split(":") for pair in _ISO639_TABLE.split())
# ISO 639-2/B codes where they differ from 639-2/T (MARC 21 uses the bibliographic ones).
_ISO639_2B = {
    "bod": "tib", "ces": "cze", "cym": "wel", "deu": "ger", "ell": "gre", "eus": "baq",
    "fas": "per", "fra": "fre", "hye": "arm", "isl": "ice", "kat": "geo", "mkd": "mac",
    "mri": "mao", "msa": "may", "mya": "bur", "nld": "dut", "ron": "rum", "slk": "slo",
    "sqi": "alb", "zho": "chi",
}
# Codes seen in real records that are not ISO 639-1 but whose meaning is clear.
_ALIASES = {"cn": "zh", "iw": "he", "in": "id", "ji": "yi", "jp": "ja", "ua": "uk", "gr": "el"}
_ISO639_T_FROM_B = {b: t for t, b in _ISO639_2B.items()}


def normalise_lang(value: str | None) -> str | None:
    """A language tag as records should have given it: lower case primary subtag ("EN" -> "en",
    "uk-UA" -> "uk"); None for an empty one. Unknown codes are kept as given, lower-cased."""
    if not value or not value.strip():
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    if not primary:
        return None
    return _ALIASES.get(primary, primary)


def iso639_3(value: str | None) -> str | None:
    """The ISO 639-3 code (what oai_dc ``dc:language`` wants) for a tag, or None if unknown."""
    lang = normalise_lang(value)
    if lang is None:
        return None
    if len(lang) == 2:
        return _ISO639_3.get(lang)
    if len(lang) == 3 and lang.isalpha():
        return _ISO639_T_FROM_B.get(lang, lang)
    return None


def iso639_2b(value: str | None) -> str | None:
    """The MARC 21 (ISO 639-2/B) code for a tag, or None if unknown."""
    code = iso639_3(value)
    return _ISO639_2B.get(code, code) if code else None


# Languages written in Cyrillic, and the Latin-script languages records most often state.
_CYRILLIC_LANGS = frozenset({"ru", "uk", "be", "bg", "mk", "kk", "ky", "tg", "mn", "sr"})
_LATIN_LANGS = frozenset(
    {"en", "pt", "es", "fr", "de", "it", "nl", "pl", "cs", "sk", "sl", "hr", "ro", "hu", "fi",
     "sv", "da", "no", "nb", "nn", "et", "lv", "lt", "tr", "id", "ms", "ca", "gl", "eu", "la"}
)


def script_agrees(text: str, lang: str | None) -> bool:
    """False when a text plainly is not in the script of the language it inherited, as when a
    Ukrainian article carries an English abstract without saying so."""
    if not lang:
        return True
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters) / len(letters)
    if lang in _CYRILLIC_LANGS:
        return cyrillic >= 0.2
    if lang in _LATIN_LANGS:
        return cyrillic <= 0.5
    return True
