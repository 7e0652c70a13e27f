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

# A space that only the joining of tagged parts put before a comma or full stop.
_SPACE_BEFORE_STOP = re.compile(r" ([,.](?:\s|$))")
# XML 1.0 Char production, negated: what may never reach an output document.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

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


@functools.lru_cache(maxsize=4096)
def local(tag: object) -> str:
    """The local name of an element tag (comments and PIs have none), without any prefix.

    Cached: a document has few distinct tags and this runs for every node the reader visits.
    """
    if not isinstance(tag, str):
        return ""
    # "mml:math" stays a literal name when a record leaves the prefix to its DTD.
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


# What the namespaces JATS is put in (PMC's, NLM's XSD-era one, ours) have in common.
JATS_NAMESPACE_HINTS = ("jats.nlm.nih.gov", "dtd.nlm.nih.gov")


def is_jats_namespace(namespace: str | None) -> bool:
    """True for the namespaces JATS is put in (PMC's, NLM's XSD-era one, ours)."""
    return bool(namespace) and any(hint in namespace for hint in JATS_NAMESPACE_HINTS)


def normalise_space(text: str) -> str:
    """Collapse every run of white space to one space and trim; drop characters XML forbids."""
    if _NOT_XML.search(text) is not None:
        text = xml_safe(text)
    text = " ".join(text.split())
    if " ," in text or " ." in text:
        text = _SPACE_BEFORE_STOP.sub(r"\1", text)
    return text


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 does not allow (they never reach an output).

    A surrogate pair some decoder left as two code points becomes the one character it
    encodes; a lone surrogate, like U+FFFE or a control character, is dropped.
    """
    if _NOT_XML.search(text) is None:
        return text
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
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
            else:
                # Most tagged parts are leaves: their text needs no walk of its own.
                inner = _flatten(child, drop, blocks) if len(child) else child.text or ""
                if name in blocks:
                    out.append(" " + inner + " ")
                elif name in WORD_PARTS and _follows_word_part(child):
                    out.append(" " + inner)
                else:
                    out.append(inner)
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
    if not len(el):  # a leaf, as most tagged parts are: nothing to flatten
        return normalise_space(el.text or "")
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
    """An abstract as running text. Its own heading ("Abstract", "Резюме") goes; each section
    of a structured abstract keeps its title as a label ("Aim: ...", as PubMed shows them)."""
    if el is None:
        return ""
    return normalise_space(_abstract_parts(el))


def _abstract_parts(el: etree._Element) -> str:
    parts = [el.text or ""]
    for child in el:
        name = local(child.tag)
        if name == "sec":
            parts.append(" " + _labelled_section(child) + " ")
        elif name not in ("title", "label") and name not in ALWAYS_DROP:
            text = text_of(child)
            if not _DOI_LINE.match(text):
                parts.append(" " + text + " ")
        parts.append(child.tail or "")
    return "".join(parts)


def _labelled_section(sec: etree._Element) -> str:
    """"Title: text" for a section of a structured abstract; its text alone without a title."""
    heading = " ".join(
        t for t in (text_of(c, drop=TITLE_DROP) for c in sec if local(c.tag) in ("label", "title"))
        if t
    )
    body = normalise_space(_abstract_parts(sec))
    if not heading:
        return body
    label = heading if heading.endswith((":", ".", "?", "!")) else heading + ":"
    return f"{label} {body}" if body else heading
