"""Every imported file is checked by the service's own validation before it is written.

A file is written only when it is valid JATS and the service's reader can take it, at the
place ``records/README.md`` gives it (``<series>/<year>/<issue>/<article>.xml``), atomically,
and only when its bytes differ from the file already there: an unchanged record's file is
not touched, so its datestamp in the store does not move.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.config import Settings
from app.identifiers import series, slug
from app.importer.state import write_atomically
from app.ingest import read
from app.jats.model import Article


@dataclass(frozen=True)
class Checked:
    """A valid article and the path, relative to the collection, where it belongs."""

    data: bytes
    relative: Path
    article: Article


class Invalid(ValueError):
    """The converted record is not valid JATS; the message lists the problems."""


def check(data: bytes, *, settings: Settings, name: str, series_slug: str | None = None) -> Checked:
    """Through the service's own pipeline (:func:`app.ingest.read`), as ``records load`` will.

    ``series_slug`` is the series the import was asked for (its folder under ``records/``);
    without one, the series the article's content names.
    """
    reading = read(data, settings=settings, filename=name)
    report = reading.report
    if not report.valid or report.root is None:
        problems = "; ".join(
            f"line {p.line or 0}: {p.message}" for p in report.errors if p.severity == "error")
        raise Invalid(problems or "not valid JATS")
    if reading.article is None:
        raise Invalid(reading.problem or "not an article")
    return Checked(data, place(reading.article, series_slug), reading.article)


def place(article: Article, series_slug: str | None = None) -> Path:
    """``<series>/<year>/<issue>/<article>.xml``, from what the article says."""
    issued = article.issued
    year = str(issued.year) if issued else "no-year"
    issue = article.issue.strip() if article.issue else ""
    issue_part = (issue.zfill(2) if issue.isdigit() else slug(issue)) if issue else ""
    if article.volume and issue_part:
        folder = f"v{slug(article.volume)}-{issue_part}"
    else:
        folder = issue_part or "no-issue"
    publisher_id = article.article_id("publisher-id")
    if publisher_id and slug(publisher_id):
        name = slug(publisher_id)
    elif article.fpage and article.fpage.strip().isdigit():
        name = f"p{article.fpage.strip().zfill(3)}"
    elif article.doi:
        name = slug(article.doi)
    else:
        name = slug(article.title)[:60] or "article"
    return Path(series_slug or series(article)) / year / folder / f"{name}.xml"


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless ``path`` already holds exactly these bytes."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomically(path, data)
    return True
