"""The article as the rest of the service sees it: plain data read once from the JATS tree.

Crosswalks, the store and the pages read these objects, never the XML, so that each
quirk of real-world JATS is handled once, in :mod:`app.jats.article`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LangText:
    """A piece of text as a reader sees it, with the language it is in (None when unknown)."""

    text: str
    lang: str | None = None


@dataclass(frozen=True)
class Affiliation:
    """An ``<aff>``: the parts JATS tags, plus the whole as one readable line."""

    text: str
    id: str | None = None
    institution: str | None = None
    department: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    ror: str | None = None
    isni: str | None = None
    ringgold: str | None = None

    @property
    def name(self) -> str:
        """The institution as an affiliation names it (its department first, when tagged),
        without the postal address; the whole line when the record tags no institution."""
        return ", ".join(p for p in (self.department, self.institution) if p) or self.text

    @property
    def identifier(self) -> tuple[str, str] | None:
        """The institution's identifier and its scheme ("ROR", "ISNI", "Ringgold"), the first
        of those the record tags; None when it tags none."""
        for value, scheme in ((self.ror, "ROR"), (self.isni, "ISNI"),
                              (self.ringgold, "Ringgold")):
            if value:
                return value, scheme
        return None


@dataclass(frozen=True)
class Contributor:
    """A person or a group (``collab``) with a role: author, editor, translator..."""

    role: str = "author"
    surname: str | None = None
    given_names: str | None = None
    collab: str | None = None
    orcid: str | None = None
    email: str | None = None
    affiliations: tuple[Affiliation, ...] = ()
    degrees: str | None = None
    bio: str | None = None
    corresponding: bool = False

    @property
    def inverted_name(self) -> str:
        """"Family, Given", the form OAI-DC and MARC want; a group keeps its own name."""
        if self.collab:
            return self.collab
        if self.surname and self.given_names:
            return f"{self.surname}, {self.given_names}"
        return self.surname or self.given_names or ""

    @property
    def display_name(self) -> str:
        """"Given Family", the form a reader expects on a page."""
        if self.collab:
            return self.collab
        return " ".join(p for p in (self.given_names, self.surname) if p)


@dataclass(frozen=True)
class PubDate:
    """A ``<pub-date>``; month and day stay None when the record does not give them."""

    year: int
    month: int | None = None
    day: int | None = None
    kind: str | None = None

    @property
    def precision(self) -> int:
        """1 for a year, 2 for a month, 3 for a day."""
        return 1 + (self.month is not None) + (self.month is not None and self.day is not None)

    @property
    def iso(self) -> str:
        """ISO 8601 at the precision the record states: 2023, 2023-04 or 2023-04-17."""
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
            if self.day:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)


# Kinds of pub-date that date the version of record, the issue's first: the issue date, print,
# both, untyped JATS 1.1+ "pub", online, and an untyped pub-date.
_ISSUE_ORDER = ("collection", "ppub", "epub-ppub", "pub", "epub", None)


# history/date kinds, best first, when the record gives no pub-date at all: a publication date
# put in the history, else acceptance (the last step before publication the record dates).
_HISTORY_ORDER = ("pub", "published", "epub", "ppub", "online", "accepted")


def _chronological(date: PubDate) -> tuple[int, int, int]:
    return date.year, date.month or 0, date.day or 0


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list: its readable text plus the tagged parts."""

    text: str
    id: str | None = None
    label: str | None = None
    publication_type: str | None = None
    authors: tuple[str, ...] = ()
    title: str | None = None
    trans_title: str | None = None
    source: str | None = None
    trans_source: str | None = None
    year: str | None = None
    volume: str | None = None
    issue: str | None = None
    fpage: str | None = None
    lpage: str | None = None
    publisher_name: str | None = None
    publisher_loc: str | None = None
    doi: str | None = None
    uri: str | None = None
    lang: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Award:
    """One funder of one award (``award-group``): what the funding statement tags, not its
    free text. ``funder_id_type`` uses DataCite's names (``Crossref Funder ID``, ``ROR``...)."""

    funder: str
    funder_id: str | None = None
    funder_id_type: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class Article:
    """The metadata of one journal article, as stated by its JATS record and nothing more."""

    titles: tuple[LangText, ...]
    article_type: str | None = None
    lang: str | None = None
    dtd_version: str | None = None
    journal_title: str | None = None
    journal_titles: tuple[LangText, ...] = ()
    journal_ids: tuple[tuple[str, str], ...] = ()
    issns: tuple[tuple[str, str], ...] = ()
    publisher_name: str | None = None
    publisher_loc: str | None = None
    subtitles: tuple[LangText, ...] = ()
    contributors: tuple[Contributor, ...] = ()
    abstracts: tuple[LangText, ...] = ()
    keywords: tuple[LangText, ...] = ()
    subjects: tuple[str, ...] = ()
    section: str | None = None
    article_ids: tuple[tuple[str, str], ...] = ()
    pub_dates: tuple[PubDate, ...] = ()
    history_dates: tuple[PubDate, ...] = ()
    volume: str | None = None
    issue: str | None = None
    fpage: str | None = None
    lpage: str | None = None
    elocation_id: str | None = None
    license_url: str | None = None
    license_text: str | None = None
    copyright_statement: str | None = None
    access_right: str | None = None
    embargo_end: str | None = None
    landing_page: str | None = None
    self_uris: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    funding: tuple[str, ...] = ()
    awards: tuple[Award, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def title(self) -> str:
        """The main title (the first ``article-title``)."""
        return self.titles[0].text if self.titles else ""

    @property
    def authors(self) -> tuple[Contributor, ...]:
        return tuple(c for c in self.contributors if c.role == "author")

    @property
    def doi(self) -> str | None:
        return self.article_id("doi")

    def article_id(self, kind: str) -> str | None:
        """The first ``article-id`` of a given ``pub-id-type``."""
        return next((v for k, v in self.article_ids if k == kind), None)

    def journal_id(self, *kinds: str) -> str | None:
        """The first ``journal-id`` of the first of the given types that the record has."""
        for kind in kinds:
            for k, v in self.journal_ids:
                if k == kind:
                    return v
        return None

    @property
    def issued(self) -> PubDate | None:
        """The publication of the version of record, the date harvesters want.

        The year is the issue's (``collection``, else print, else online: the year citations,
        identifiers and issue sets use); within that year, the most precise of the dates the
        record gives for publishing this version, the earliest of equally precise ones. So an
        issue dated "2021" with an online date of 2021-10-29 gives 2021-10-29. Preprint,
        correction and retraction dates never count. Without any of these: the earliest
        pub-date. Without any pub-date: the ``history`` date that comes closest to publication
        (a publication date put there, else acceptance, else the latest); else nothing.
        docs/crosswalks.md, "Publication date", gives the whole order.
        """
        if not self.pub_dates:
            return self._history_date()
        anchor = next((d for kind in _ISSUE_ORDER for d in self.pub_dates if d.kind == kind), None)
        if anchor is None:
            return min(self.pub_dates, key=_chronological, default=None)
        same_year = [d for d in self.pub_dates if d.kind in _ISSUE_ORDER and d.year == anchor.year]
        return min(same_year, key=lambda d: (-d.precision, _chronological(d)))

    def _history_date(self) -> PubDate | None:
        for kind in _HISTORY_ORDER:
            found = [d for d in self.history_dates if d.kind == kind]
            if found:
                return max(found, key=_chronological)
        return max(self.history_dates, key=_chronological, default=None)

    @property
    def pages(self) -> str | None:
        if self.fpage and self.lpage:
            return f"{self.fpage}–{self.lpage}"
        return self.fpage or self.elocation_id
