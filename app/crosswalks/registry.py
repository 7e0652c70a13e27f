"""The metadata formats the service disseminates: one module each, registered here by prefix.

Adding a format is one new module that builds a :class:`MetadataFormat` and lists it in
:data:`FORMAT_MODULES`: ListMetadataFormats, the rendering of every stored record, ``jats-oai
convert``, the pages' format links and the schemas the service publishes all derive from
:func:`formats` (``docs/architecture.md``, "How to add a metadata format"). Crosswalks know
nothing of HTTP or of the store: they turn an article into XML bytes.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from app.jats.model import Article


class CrosswalkError(Exception):
    """This record cannot be given in this format; the format is left out for it alone."""


@dataclass(frozen=True)
class RenderContext:
    """Facts about the record that live outside its JATS: where it is served from."""

    oai_identifier: str
    landing_url: str | None = None
    jats_url: str | None = None
    default_access_right: str | None = None
    public_url: str = ""
    schema_dir: Path | None = None
    #: When the record entered this catalogue (the store's first datestamp of it); None
    #: for a record not stored yet, which enters today.
    entered: dt.date | None = None
    #: MARC 21 organization code of the cataloguing agency (MARC 003, 040); "" when not set.
    marc_organization_code: str = ""


@dataclass(frozen=True)
class Document:
    """A parsed, validated JATS document: the tree (for the ``jats`` format) and the article."""

    root: etree._Element
    article: Article


@dataclass(frozen=True)
class MetadataFormat:
    """A metadataPrefix with the namespace and schema its payload is valid against.

    ``schema_file`` is relative to the schema directory; ``schema_location`` is the public
    URL put in ``xsi:schemaLocation`` and ListMetadataFormats. A schema the service derives
    and serves itself has a ``schema_location`` starting with "/" (joined to the public URL
    by :meth:`schema_url`), a ``schema_loader`` that compiles it and a ``schema_folder`` that
    gives the folder its files are published from.

    The optional hooks are what a format's guidelines need beyond rendering: ``notes`` says
    what the guidelines ask for that the record cannot give (``jats-oai convert`` prints it);
    ``date_entered`` stamps a payload with the day the record entered the catalogue, which
    only the store knows, when the record is stored.
    """

    prefix: str
    namespace: str
    schema_location: str
    schema_file: str
    render: Callable[[Document, RenderContext], bytes]
    schema_loader: Callable[[Path], etree.XMLSchema] | None = None
    schema_folder: Callable[[Path], Path] | None = None
    notes: Callable[[Article, RenderContext], list[str]] | None = None
    date_entered: Callable[[bytes, dt.date], bytes] | None = None

    def schema_url(self, public_url: str) -> str:
        """The schema location as harvesters must see it, for this service's public URL."""
        if self.schema_location.startswith("/"):
            return public_url.rstrip("/") + self.schema_location
        return self.schema_location

    def schema(self, schema_dir: Path) -> etree.XMLSchema:
        """The compiled schema every payload of this format is valid against (cached)."""
        if self.schema_loader is not None:
            return self.schema_loader(schema_dir)
        from app.jats.schemas import schema_directory

        return schema_directory(schema_dir).xsd(self.schema_file)


FORMAT_MODULES: tuple[str, ...] = (
    "app.crosswalks.oai_dc",
    "app.crosswalks.jats",
    "app.crosswalks.marcxml",
    "app.crosswalks.openaire",
)

_formats: dict[str, MetadataFormat] | None = None

#: Where the schemas the service derives itself are published (below its public URL).
PUBLISHED_SCHEMAS = "/schemas/"


def formats() -> dict[str, MetadataFormat]:
    """All registered formats by prefix, in a stable order."""
    global _formats
    if _formats is None:
        found: dict[str, MetadataFormat] = {}
        for name in FORMAT_MODULES:
            fmt = importlib.import_module(name).FORMAT
            found[fmt.prefix] = fmt
        _formats = found
    return _formats


def published_schema(path: str) -> tuple[MetadataFormat, str] | None:
    """The format whose derived schema holds the published ``path`` (``/schemas/...``), and the
    file's name within its folder; None when no format publishes it."""
    for fmt in formats().values():
        folder = fmt.schema_location.rpartition("/")[0] + "/"
        if fmt.schema_folder is not None and folder.startswith(PUBLISHED_SCHEMAS) \
                and path.startswith(folder):
            return fmt, path[len(folder):]
    return None
