"""The metadata formats the service disseminates: one module each, registered here by prefix.

Adding a format is one new module that builds a :class:`MetadataFormat` and lists it in
:data:`FORMAT_MODULES`. Crosswalks know nothing of HTTP or of the store: they turn an
article into XML bytes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from app.jats.model import Article


@dataclass(frozen=True)
class RenderContext:
    """Facts about the record that live outside its JATS: where it is served from."""

    oai_identifier: str
    landing_url: str | None = None
    jats_url: str | None = None
    default_access_right: str | None = None


@dataclass(frozen=True)
class Document:
    """A parsed, validated JATS document: the tree (for the ``jats`` format) and the article."""

    root: etree._Element
    article: Article


@dataclass(frozen=True)
class MetadataFormat:
    """A metadataPrefix with the namespace and schema its payload is valid against.

    ``schema_file`` is relative to the schema directory; ``schema_location`` is the public
    URL put in ``xsi:schemaLocation`` and ListMetadataFormats.
    """

    prefix: str
    namespace: str
    schema_location: str
    schema_file: str
    render: Callable[[Document, RenderContext], bytes]


FORMAT_MODULES: tuple[str, ...] = (
    "app.crosswalks.oai_dc",
    "app.crosswalks.jats",
    "app.crosswalks.marcxml",
    "app.crosswalks.openaire",
)

_formats: dict[str, MetadataFormat] | None = None


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
