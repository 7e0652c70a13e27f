"""Attribute defaults a document's declared DTD gives, read from the DTD itself.

An attribute a DTD declares with a default is part of the document even where the file does
not write it (XML 1.0, section 3.3.2): every JATS DTD gives ``article/@xml:lang`` the default
``en``. Records are parsed without applying defaults (the parser must not fetch anything), so
the reader asks here, and the answer comes from the official DTD the DOCTYPE names, never
from a table of our own.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

from app.config import DEFAULT_SCHEMA_DIR
from app.jats.schemas import SchemaDirectory, SchemaMissingError, schema_directory


@lru_cache(maxsize=1)
def _default_schemas() -> SchemaDirectory:
    return schema_directory(DEFAULT_SCHEMA_DIR)


def _attribute_default(dtd: etree.DTD, element: str, attribute: str) -> str | None:
    prefix, _, name = attribute.rpartition(":")
    for decl in dtd.iterelements():
        if decl.name != element or decl.prefix:
            continue
        for attr in decl.iterattributes():
            if attr.name == name and (attr.prefix or "") == prefix and attr.default in (
                "none", "fixed"
            ):
                return attr.default_value or None
    return None


def declared_default(
    root: etree._Element | etree._ElementTree,
    element: str,
    attribute: str,
    schemas: SchemaDirectory | None = None,
) -> str | None:
    """The default the document's DOCTYPE DTD declares for ``element/@attribute``
    (``attribute`` may be prefixed: ``xml:lang``); None when the document declares no DTD we
    hold, or the DTD gives that attribute no default."""
    tree = root if isinstance(root, etree._ElementTree) else root.getroottree()
    info = tree.docinfo
    if not (info.public_id or info.system_url):
        return None
    try:
        schemas = schemas or _default_schemas()
        path = schemas.dtd_for(info.public_id, info.system_url)
        if path is None:
            return None
        return schemas.cached(
            ("attribute-default", path, element, attribute),
            lambda: _attribute_default(schemas.dtd(path), element, attribute),
        )
    except (SchemaMissingError, OSError, etree.LxmlError):
        return None
