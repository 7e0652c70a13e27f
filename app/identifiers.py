"""Every name a record is known by: its OAI identifier, its sets, and its public URLs.

The one producer of these names, for the loader, the pages, the protocol and ``convert``.
Identity comes from the article's content alone and never from insertion order or file
names, so a file that moves, or a store rebuilt from scratch, gives every record the
identifier it had. setSpecs are ASCII (OAI-PMH allows nothing else), so Cyrillic journal
names are transliterated for them; set names keep the journal's own title.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from app.config import Settings
from app.jats.model import Article
from app.store.base import SetInfo

#: Cyrillic letters (Russian, Belarusian, Ukrainian) in a readable ASCII romanisation, and
#: the few Latin letters that do not decompose to ASCII.
_ROMAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "yo", "є": "ye",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ў": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "'": "", "’": "", "№": "",
    # Latin letters that Unicode decomposition does not reduce to ASCII.
    "œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i",
}  # fmt: skip

#: Characters the OAI identifier syntax admits in the local part, besides letters and digits.
_ID_SAFE = "-_.!~*'();/?:@&=+$,"

OPEN_SETS = ("driver", "open_access")
CONVENTION_SETS = {
    "openaire": SetInfo(
        "openaire", "OpenAIRE", "All articles, for OpenAIRE (Literature Guidelines v3 and v4)."
    ),
    "driver": SetInfo("driver", "DRIVER", "Open access articles, for DRIVER-compliant harvesters."),
    "open_access": SetInfo(
        "open_access", "Open Access", "Articles whose full text is open access."
    ),
}


def transliterate(text: str) -> str:
    """ASCII for any text: Cyrillic romanised, accents dropped, other scripts removed."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in _ROMAN:
            rom = _ROMAN[low]
            out.append(rom.capitalize() if ch != low and rom else rom)
        else:
            out.append(ch)
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def slug(text: str) -> str:
    """A lowercase ASCII slug: letters, digits and single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", transliterate(text).lower()).strip("-")


def _local_part(value: str) -> str:
    """An identifier part that is valid in an ``oai:`` identifier and in a URL path."""
    return quote(value.strip(), safe=_ID_SAFE)


#: journals.toml, keyed by series slug: each table may name the journal (``name.en``...,
#: ``title``) and list its ``issn``, so that the series keeps the slug it is filed under.
Journals = Mapping[str, Mapping[str, object]]
_ISSN = re.compile(r"(\d{4})-?(\d{3}[\dXx])")
_ISSN_ORDER = {"issn-l": 0, "epub": 1, "ppub": 2}


def issns(article: Article) -> list[str]:
    """The journal's ISSNs as NNNN-NNNC, the linking ISSN first, then online, then print (every
    record of an online journal states its online ISSN; not all state the print one)."""
    ranked = sorted(article.issns, key=lambda pair: _ISSN_ORDER.get(pair[0], 3))
    found = (_ISSN.search(value) for _kind, value in ranked)
    return list(dict.fromkeys(f"{m.group(1)}-{m.group(2).upper()}" for m in found if m))


def _journal_names(table: Mapping[str, object]) -> set[str]:
    names = table.get("name")
    values = list(names.values()) if isinstance(names, Mapping) else []
    values.append(table.get("title"))
    return {str(v).casefold().strip() for v in values if isinstance(v, str) and v.strip()}


def _listed_issns(table: Mapping[str, object]) -> set[str]:
    raw = table.get("issn")
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    found = (_ISSN.search(str(v)) for v in values)
    return {f"{m.group(1)}-{m.group(2).upper()}" for m in found if m}


def series(article: Article, journals: Journals | None = None) -> str:
    """The journal series slug, the same for every article of the journal.

    A series is identified by its ISSN, else by the journal's title (``journal-id`` values
    are publishers' codes, shared by all of a publisher's journals, as PLOS's "plos"): the
    ``journals.toml`` table that lists one of the article's ISSNs, else names its title,
    gives its key; else the slug of the ISSN (linking, online, print), else of the title,
    else of any journal-id; "journal" when the record names none.
    """
    own_issns = issns(article)
    titles = [t for t in (article.journal_title, *(t.text for t in article.journal_titles)) if t]
    for key, table in (journals or {}).items():
        if isinstance(table, Mapping) and (
            _listed_issns(table) & set(own_issns)
            or _journal_names(table) & {t.casefold().strip() for t in titles}
        ):
            return key
    candidates = [*own_issns, *titles, *(v for _, v in article.journal_ids)]
    for value in candidates:
        if value and slug(value):
            return slug(value)
    return "journal"


def local_identifier(article: Article, journals: Journals | None = None) -> str:
    """The local identifier (the part after ``oai:<repository>:``), derived from content."""
    ser = series(article, journals)
    publisher_id = article.article_id("publisher-id")
    if publisher_id and publisher_id.strip():
        return f"{ser}/{_local_part(publisher_id)}"
    if article.doi and article.doi.strip():
        return _local_part(article.doi.lower())
    issued = article.issued
    place = article.fpage or article.elocation_id
    if issued and article.volume and article.issue and place:
        parts = (str(issued.year), article.volume, article.issue, place)
        return f"{ser}/" + "-".join(slug(p) or "x" for p in parts)
    first = article.authors[0].inverted_name if article.authors else ""
    digest = hashlib.sha1((article.title + first).encode("utf-8")).hexdigest()[:12]
    return f"{ser}/h-{digest}"


def issue_spec(article: Article, journals: Journals | None = None) -> str | None:
    """``{series}:{year}-{volume-}{issue}``; None when the record gives no year."""
    issued = article.issued
    if issued is None:
        return None
    parts = [str(issued.year)]
    parts += [slug(p) for p in (article.volume, article.issue) if p and slug(p)]
    return f"{series(article, journals)}:{'-'.join(parts)}"


def _issue_name(article: Article, journal: str) -> str:
    issued = article.issued
    bits = [journal, str(issued.year) if issued else ""]
    if article.volume:
        bits.append(f"vol. {article.volume}")
    if article.issue:
        bits.append(f"no. {article.issue}")
    return ", ".join(b for b in bits if b)


@dataclass(frozen=True)
class Identity:
    identifier: str
    series: str
    issue_set: str | None
    sets: tuple[SetInfo, ...]

    @property
    def set_specs(self) -> tuple[str, ...]:
        return tuple(s.spec for s in self.sets)


def identify(
    article: Article, access_right: str | None, journals: Journals | None = None
) -> Identity:
    """Identifier and every set membership, ancestors included, with names and descriptions.

    ``access_right`` is the record's own, else the journal's default; only "open" puts a
    record into the ``driver`` and ``open_access`` sets.
    """
    ser = series(article, journals)
    journal = article.journal_title or (
        article.journal_titles[0].text if article.journal_titles else ser
    )
    sets = [SetInfo(ser, journal, f"Articles of {journal}.")]
    issue = issue_spec(article, journals)
    if issue:
        name = _issue_name(article, journal)
        sets.append(SetInfo(issue, name, f"Articles of {name}."))
    sets.append(CONVENTION_SETS["openaire"])
    if access_right == "open":
        sets += [CONVENTION_SETS[s] for s in OPEN_SETS]
    return Identity(local_identifier(article, journals), ser, issue, tuple(sets))


def named_sets(sets: tuple[SetInfo, ...], journal: Mapping[str, object]) -> tuple[SetInfo, ...]:
    """The series set takes the English name from journals.toml when the journal gives one."""
    names = journal.get("name")
    name = names.get("en") if isinstance(names, Mapping) else None
    if not name or not sets:
        return sets
    first = sets[0]
    old = first.name
    renamed = [SetInfo(first.spec, str(name), f"Articles of {name}.")]
    for s in sets[1:]:
        if s.spec.startswith(first.spec + ":") and s.name.startswith(old):
            label = str(name) + s.name[len(old) :]
            s = SetInfo(s.spec, label, f"Articles of {label}.")
        renamed.append(s)
    return tuple(renamed)


def oai_identifier(repository_identifier: str, local: str) -> str:
    """``oai:<repositoryIdentifier>:<local>`` (OAI-PMH section 2.4, oai-identifier scheme)."""
    return f"oai:{repository_identifier}:{local}"


def local_part(identifier: str, repository_identifier: str) -> str | None:
    """The local part of ``oai:<repositoryIdentifier>:<local>``, or None for another namespace."""
    prefix = oai_identifier(repository_identifier, "")
    if identifier.startswith(prefix) and len(identifier) > len(prefix):
        return identifier[len(prefix) :]
    return None


def local_id_of(settings: Settings, identifier: str) -> str:
    """The local part of an OAI identifier (the page address); a local one is kept as it is."""
    return identifier.removeprefix(oai_identifier(settings.repository_identifier, ""))


def _public(settings: Settings, kind: str, local: str) -> str:
    """A DOI-derived identifier may hold ``%`` or ``<``, so the path is quoted."""
    return f"{settings.public_url.rstrip('/')}/{kind}/{quote(local, safe='/')}"


def article_url(settings: Settings, local: str) -> str:
    """Our article page."""
    return _public(settings, "articles", local)


def jats_url(settings: Settings, local: str) -> str:
    """The JATS download of a record."""
    return _public(settings, "jats", local)


def oai_base(settings: Settings) -> str:
    """The OAI-PMH base URL that pages link to."""
    return settings.oai_base_url or settings.public_url.rstrip("/") + "/oai"


def get_record_url(settings: Settings, local: str, prefix: str) -> str:
    """The GetRecord request of a record in one format."""
    return (
        f"{oai_base(settings)}?verb=GetRecord&metadataPrefix={quote(prefix, safe='')}"
        f"&identifier={quote(oai_identifier(settings.repository_identifier, local), safe=':/')}"
    )
