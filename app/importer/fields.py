"""What a source says about an article, in one neutral shape that every reader fills.

Only what the source states goes in; an empty field means the source did not say it, and the
builder then leaves the JATS element out. Languages are BCP 47 tags (see ``languages``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    text: str
    lang: str | None = None


@dataclass
class Person:
    """An author. ``surname``/``given`` when the source splits the name, else ``literal``."""

    surname: str | None = None
    given: str | None = None
    literal: str | None = None
    orcid: str | None = None
    email: str | None = None
    affiliations: list[Text] = field(default_factory=list)
    country: str | None = None
    bios: list[Text] = field(default_factory=list)


@dataclass(frozen=True)
class Provenance:
    """Where a harvested record came from: the OAI-PMH ``originDescription`` of provenance.xsd.

    ``harvest_date`` is when the current version was first written here; it moves only when
    the record changes, so an unchanged record's file stays byte-identical.
    """

    base_url: str
    identifier: str
    datestamp: str
    metadata_namespace: str
    harvest_date: str


@dataclass
class ArticleFields:
    series: str
    journal_titles: list[Text] = field(default_factory=list)
    issns: list[tuple[str, str | None]] = field(default_factory=list)
    publisher: str | None = None
    publisher_id: str | None = None
    doi: str | None = None
    section: Text | None = None
    titles: list[Text] = field(default_factory=list)
    subtitles: list[Text] = field(default_factory=list)
    authors: list[Person] = field(default_factory=list)
    year: str | None = None
    month: str | None = None
    day: str | None = None
    volume: str | None = None
    issue: str | None = None
    fpage: str | None = None
    lpage: str | None = None
    page_range: str | None = None
    landing_page: str | None = None
    language: str | None = None
    copyright_statements: list[Text] = field(default_factory=list)
    copyright_year: str | None = None
    copyright_holders: list[Text] = field(default_factory=list)
    license_url: str | None = None
    abstracts: list[Text] = field(default_factory=list)
    keywords: dict[str | None, list[str]] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    provenance: Provenance | None = None

    def add_keyword(self, word: str, lang: str | None) -> None:
        word = word.strip()
        if word and word not in self.keywords.setdefault(lang, []):
            self.keywords[lang].append(word)
