"""The official schema directory: start-up check, XML catalog, compiled XSDs and DTDs.

The schema files are not part of the repository; `schemas/schemas.toml` lists the ones the
service needs, relative to `settings.schema_dir`. Compiling the JATS XSD takes seconds and a
JATS DTD tens of milliseconds, so each is compiled once per process and shared between threads.
The XML catalog is read here and applied by our own resolvers, so no `XML_CATALOG_FILES`
environment variable is needed and libxml2's loader never looks anything up on its own.
"""

from __future__ import annotations

import os
import re
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import xmlschema
from lxml import etree

from app.config import REPO_ROOT

SCHEMA_CONFIG = REPO_ROOT / "schemas" / "schemas.toml"
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"

JATS_PUBLISHING_XSD = {
    "1.3": "jats-1.3/publishing/JATS-journalpublishing1-3-mathml3.xsd",
    "1.4": "jats-1.4/publishing/JATS-journalpublishing1-4-mathml3.xsd",
}
NEWEST_XSD_VERSION = "1.4"

T = TypeVar("T")


class SchemaMissingError(RuntimeError):
    """An official schema file the service needs is not in the schema directory."""

    def __init__(self, path: Path, role: str = "", url: str = "") -> None:
        self.path = path
        hint = f" ({role})" if role else ""
        where = f"; the official copy is published at {url}" if url else ""
        super().__init__(
            f"schema file missing: {path}{hint}. Run 'jats-oai schemas fetch' to download "
            f"the official schemas, or set JATS_OAI_SCHEMA_DIR to a folder that holds them "
            f"(see schemas/README.md){where}"
        )


class SchemaAccessRefused(RuntimeError):
    """A schema tried to import something outside the schema directory and the catalog."""

    def __init__(self, url: str) -> None:
        super().__init__(f"schema import refused (not in the catalog or schema dir): {url}")


@dataclass(frozen=True)
class RequiredSchema:
    path: str
    role: str
    url: str
    is_dir: bool = False


def required_schemas(config: Path = SCHEMA_CONFIG) -> list[RequiredSchema]:
    """The files and folders `schemas/schemas.toml` says the service cannot run without."""
    with config.open("rb") as fh:
        data = tomllib.load(fh)
    items = [RequiredSchema(f["path"], f.get("role", ""), f.get("url", ""))
             for f in data.get("file", [])]
    items += [RequiredSchema(d["path"], d.get("role", ""), d.get("url", ""), True)
              for d in data.get("dir", [])]
    return items


def file_path(url: str) -> str | None:
    """The local path a `file:` URL or a plain path names; None for any other scheme."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            return None
        return unquote(parts.path)
    if parts.scheme and len(parts.scheme) > 1:
        return None
    return url


def inside(path: str | Path, folder: Path) -> Path | None:
    """The real path of `path` when it is an existing file inside `folder`, else None."""
    real = Path(os.path.realpath(path))
    base = Path(os.path.realpath(folder))
    if real.is_file() and real.is_relative_to(base):
        return real
    return None


class Catalog:
    """The entries of an OASIS XML catalog that our resolvers apply (libxml2's own is unused)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.public: dict[str, Path] = {}
        self.system: dict[str, Path] = {}
        self.uri: dict[str, Path] = {}
        self.rewrite: list[tuple[str, Path]] = []
        self.suffix: list[tuple[str, Path]] = []
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.parse(str(path), parser).getroot()
        base = path.parent
        for el in root.iter(f"{CATALOG_NS}*"):
            tag = etree.QName(el).localname
            if tag == "public":
                self.public.setdefault(el.get("publicId", "").strip(), base / el.get("uri", ""))
            elif tag == "system":
                self.system.setdefault(el.get("systemId", ""), base / el.get("uri", ""))
            elif tag == "uri":
                self.uri.setdefault(el.get("name", ""), base / el.get("uri", ""))
            elif tag in ("rewriteSystem", "rewriteURI"):
                start = el.get("systemIdStartString") or el.get("uriStartString") or ""
                self.rewrite.append((start, base / el.get("rewritePrefix", "")))
            elif tag == "systemSuffix":
                self.suffix.append((el.get("systemIdSuffix", ""), base / el.get("uri", "")))
        self.rewrite.sort(key=lambda item: len(item[0]), reverse=True)

    def doctype(self, public_id: str | None, system_id: str | None) -> Path | None:
        """The DTD file for a DOCTYPE: exact system id, then public id, then a unique suffix."""
        if system_id and system_id in self.system:
            return self.system[system_id]
        if public_id and public_id.strip() in self.public:
            return self.public[public_id.strip()]
        if system_id:
            for suffix, path in self.suffix:
                if system_id == suffix or system_id.endswith("/" + suffix):
                    return path
        return None

    def remote(self, url: str) -> Path | None:
        """The local copy of a remote schema URL (uri, system and rewrite entries)."""
        if url in self.uri:
            return self.uri[url]
        if url in self.system:
            return self.system[url]
        for start, prefix in self.rewrite:
            if url.startswith(start):
                return Path(str(prefix) + "/" + url[len(start):].lstrip("/"))
        return None


class _SchemaImportResolver(etree.Resolver):
    """Serves XSD imports from the schema directory, remote URLs through the catalog."""

    def __init__(self, schemas: SchemaDirectory) -> None:
        super().__init__()
        self.schemas = schemas

    def resolve(self, system_url: str | None, public_id: str | None,
                context: object) -> object:
        local = self.schemas.catalog.remote(system_url or "")
        path = local or file_path(system_url or "")
        found = inside(path, self.schemas.root) if path else None
        if found is None:
            raise SchemaAccessRefused(system_url)
        return self.resolve_filename(str(found), context)


@dataclass(frozen=True)
class DtdInfo:
    """What a DTD driver file is, for the report: "JATS 1.3 Archiving (MathML 3) DTD"."""

    path: Path
    tag_set: str
    version: str
    label: str


_FOLDER = re.compile(r"^(archiving|publishing)-(\d+\.\d+(?:d\d+)?)$")


def describe_dtd(path: Path) -> DtdInfo:
    """Tag set, version and a readable label, from the package folder and driver name."""
    match = _FOLDER.match(path.parent.name)
    kind, version = (match.group(1), match.group(2)) if match else ("unknown", "")
    tag_set = "Archiving" if kind == "archiving" else "Publishing"
    family = "NLM" if version in ("2.3", "3.0") else "JATS"
    name = path.name.lower()
    extras = []
    if "oasis" in name:
        extras.append("OASIS tables")
    if "mathml3" in name:
        extras.append("MathML 3")
    suffix = f" ({', '.join(extras)})" if extras else ""
    return DtdInfo(path, tag_set, version, f"{family} {version} {tag_set}{suffix} DTD")


class SchemaDirectory:
    """One schema directory; compiled schemas are cached on it for the life of the process."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self.dtd_dir = self.root / "dtd"
        self._cache: dict[object, object] = {}
        self._locks: dict[object, threading.Lock] = {}
        self._guard = threading.Lock()

    def __repr__(self) -> str:
        return f"SchemaDirectory({str(self.root)!r})"

    def check(self) -> None:
        """Raise SchemaMissingError naming the first missing schema file or folder."""
        if not self.root.is_dir():
            raise SchemaMissingError(self.root, "the schema directory itself")
        for item in required_schemas():
            path = self.root / item.path
            if not (path.is_dir() if item.is_dir else path.is_file()):
                raise SchemaMissingError(path, item.role, item.url)
        for path in set(self.catalog.public.values()):
            if not path.is_file():
                raise SchemaMissingError(path, "DTD named in catalog.xml")

    def cached(self, key: object, build: Callable[[], T]) -> T:
        """Build a value at most once per key, even when threads ask at the same moment."""
        try:
            return self._cache[key]  # type: ignore[return-value]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]  # type: ignore[return-value]

    @cached_property
    def catalog(self) -> Catalog:
        path = self.root / "catalog.xml"
        if not path.is_file():
            raise SchemaMissingError(path, "OASIS XML catalog")
        return Catalog(path)

    def path(self, relative: str) -> Path:
        path = self.root / relative
        if not path.is_file():
            raise SchemaMissingError(path)
        return path

    def schema_parser(self) -> etree.XMLParser:
        """A parser for schema documents whose imports resolve through the catalog only."""
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        parser.resolvers.add(_SchemaImportResolver(self))
        return parser

    def xsd(self, relative: str) -> etree.XMLSchema:
        """The compiled lxml schema for a file of the schema directory (cached)."""
        def build() -> etree.XMLSchema:
            doc = etree.parse(str(self.path(relative)), self.schema_parser())
            return etree.XMLSchema(doc)
        return self.cached(("xsd", relative), build)

    def jats_xsd(self, version: str) -> etree.XMLSchema:
        return self.xsd(JATS_PUBLISHING_XSD[version])

    def dtd(self, path: Path | str) -> etree.DTD:
        """The compiled DTD for a driver file inside `dtd/` (cached)."""
        found = inside(path if Path(path).is_absolute() else self.dtd_dir / path, self.dtd_dir)
        if found is None:
            raise SchemaMissingError(Path(path), "DTD driver")
        return self.cached(("dtd", found), lambda: etree.DTD(str(found)))

    def warm_up(self) -> None:
        """Compile the JATS Publishing XSDs before requests come: seconds each, which a first
        upload would otherwise wait. The DTDs (tens of ms, but 7 MB each compiled) stay lazy."""
        for version in JATS_PUBLISHING_XSD:
            self.jats_xsd(version)

    def dtd_for(self, public_id: str | None, system_id: str | None) -> Path | None:
        """The official DTD a DOCTYPE names, through the catalog; None when we lack it."""
        path = self.catalog.doctype(public_id, system_id)
        return inside(path, self.dtd_dir) if path else None

    def uri_mapper(self, url: str) -> str:
        """For xmlschema: the catalog's local copy of a remote schema URL, else the URL."""
        local = self.catalog.remote(url)
        return local.as_uri() if local and local.is_file() else url

    def xmlschema(self, relative: str) -> xmlschema.XMLSchemaBase:
        """The same schema loaded by xmlschema (an independent second validator; cached)."""
        def build() -> xmlschema.XMLSchemaBase:
            return xmlschema.XMLSchema(str(self.path(relative)), uri_mapper=self.uri_mapper,
                                       allow="local")
        return self.cached(("xmlschema", relative), build)


_directories: dict[Path, SchemaDirectory] = {}
_directories_lock = threading.Lock()


def schema_directory(root: Path | str) -> SchemaDirectory:
    """The shared SchemaDirectory for a folder, so every module reuses compiled schemas."""
    key = Path(root).resolve()
    with _directories_lock:
        if key not in _directories:
            _directories[key] = SchemaDirectory(key)
        return _directories[key]
