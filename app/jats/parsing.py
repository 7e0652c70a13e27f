"""Hardened parsing of untrusted JATS bytes.

`no_network=True` alone does not stop libxml2 from reading local files named in a DOCTYPE or
an external entity once entities are resolved. So every parser here carries a resolver that
serves only files inside the schema directory's `dtd/` folder (found through the catalog's
public and system entries, or by a path inside that folder for modules) and raises for
anything else; it never returns None, which would hand the request back to libxml2's loader.

The document is parsed without its DTD first. It is parsed again with the DTD only when it
uses named entities (`&nbsp;`) or namespace prefixes (`xlink:`) that the DTD supplies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from app.jats.messages import Problem, describe, explain
from app.jats.schemas import SchemaDirectory, file_path, inside

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PREDEFINED_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY_REF = re.compile(r"&([A-Za-z_][\w.\-]*);")
_ENTITY_REF_BYTES = re.compile(rb"&([A-Za-z_][A-Za-z0-9_.\-]*);")


class ExternalRefused(Exception):
    """The document asked for a file or URL outside the official DTD folder."""

    def __init__(self, url: str | None, public_id: str | None) -> None:
        self.url = url or ""
        self.public_id = public_id or ""
        super().__init__(f"refused to read external resource {self.url!r}"
                         + (f" (public id {self.public_id!r})" if self.public_id else ""))


class DtdOnlyResolver(etree.Resolver):
    """Serves official DTD files only: catalog entries, or files inside `dtd/`."""

    def __init__(self, schemas: SchemaDirectory | None) -> None:
        super().__init__()
        self.schemas = schemas

    def resolve(self, system_url: str | None, public_id: str | None,
                context: object) -> object:
        if self.schemas is not None:
            found = self.schemas.dtd_for(public_id, system_url)
            if found is None:
                local = file_path(system_url or "")
                if local:
                    candidate = Path(local)
                    if not candidate.is_absolute():
                        candidate = self.schemas.dtd_dir / candidate
                    found = inside(candidate, self.schemas.dtd_dir)
            if found is not None:
                return self.resolve_filename(str(found), context)
        raise ExternalRefused(system_url, public_id)


@dataclass
class Parsed:
    """The outcome of parsing: a tree (None when unusable) and what was noticed on the way."""

    tree: etree._ElementTree | None
    problems: list[Problem] = field(default_factory=list)
    public_id: str | None = None
    system_id: str | None = None
    has_doctype: bool = False
    dtd_path: Path | None = None
    reparsed_with_dtd: bool = False
    encoding: str | None = None

    @property
    def root(self) -> etree._Element | None:
        return self.tree.getroot() if self.tree is not None else None


def _parser(schemas: SchemaDirectory | None, *, with_dtd: bool, entities: bool,
            recover: bool = False) -> etree.XMLParser:
    parser = etree.XMLParser(
        load_dtd=with_dtd, resolve_entities=entities, no_network=True, huge_tree=False,
        dtd_validation=False, attribute_defaults=False, recover=recover,
        remove_comments=False, remove_pis=False,
    )
    parser.resolvers.add(DtdOnlyResolver(schemas if with_dtd or entities else None))
    return parser


_WELL_FORMED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"xmlParseEntityRef: no name"),
     "A bare '&' does not start an entity; write it as &amp;."),
    (re.compile(r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)"),
     "The tag <{0}> opened on line {1} is closed by </{2}>."),
    (re.compile(r"Premature end of data in tag (\S+) line (\d+)"),
     "The file ends before <{0}> (opened on line {1}) is closed."),
    (re.compile(r"EndTag: '</' not found"), "The file ends inside an element."),
    (re.compile(r"Extra content at the end of the document"),
     "There is content after the end of the root element."),
    (re.compile(r"Start tag expected, '<' not found"), "No element where one must start."),
    (re.compile(r"Unescaped '<' not allowed in attributes values"),
     "A '<' inside an attribute value must be written &lt;."),
    (re.compile(r"Char 0x[0-9A-F]+ out of allowed range|PCDATA invalid Char value"),
     "The file contains a control character XML does not allow."),
    (re.compile(r"Excessive depth in document: (\d+)"),
     "Elements are nested more than {0} levels deep; the file was refused."),
]
_DECLARED = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def _plain_malformed(raw: str) -> str:
    for pattern, text in _WELL_FORMED:
        m = pattern.search(raw)
        if m:
            return "Not well-formed XML: " + text.format(*m.groups())
    return f"Not well-formed XML: {raw.strip()}."


def _from_log(entry: etree._LogEntry, kind: str | None = None) -> Problem:
    found_kind, message = describe(entry.message)
    kind = kind or found_kind
    if kind == "schema-error":
        kind, message = "malformed", _plain_malformed(entry.message)
    return Problem(kind=kind, message=message, line=entry.line or None,
                   column=entry.column or None, raw=entry.message.strip())


def _fatal(log: etree._ListErrorLog, error: Exception, data: bytes) -> list[Problem]:
    """Problems for a parse that produced no tree, the first fatal one first."""
    entries = [e for e in log if e.level >= etree.ErrorLevels.ERROR]
    if not entries:
        return [Problem("malformed", f"Not well-formed XML: {error}.", raw=str(error))]
    problems = [_from_log(e) for e in entries]
    first = entries[0]
    head = data[:512].lstrip()
    if not head.startswith((b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00<",
                            b"<\x00")):
        problems[0] = Problem("not-xml", "This file is not XML: it does not start with '<'.",
                              first.line or None, first.column or None, raw=first.message)
    elif (declared := _DECLARED.match(head)) and declared.group(1).upper().startswith(
            (b"UTF-16", b"UTF-32", b"UCS")):
        name = declared.group(1).decode("ascii")
        problems[0] = Problem(
            "encoding", f"The file declares encoding {name}, but its bytes are single-byte "
            f"text (no {name} byte order mark): save it as {name} or declare UTF-8.",
            first.line or None, first.column or None, raw=first.message.strip())
        del problems[1:]
    elif first.type_name == "ERR_DOCUMENT_EMPTY" or not data.strip():
        problems[0] = Problem("empty", "The file is empty: it has no root element.",
                              first.line or None, first.column or None, raw=first.message)
    elif first.domain_name in ("ENCODING", "I18N") or "encoding" in first.message.lower() \
            or "Input is not proper UTF-8" in first.message:
        problems[0] = Problem(
            "encoding", "The bytes are not valid in the character encoding the file declares "
            "(or UTF-8 when it declares none): " + first.message.strip() + ".",
            first.line or None, first.column or None, raw=first.message.strip())
    return problems


def _decoded(data: bytes, encoding: str | None) -> str:
    try:
        return data.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _needs_dtd(data: bytes, tree: etree._ElementTree, log: etree._ListErrorLog) -> bool:
    """True when the document relies on its DTD for named entities or namespace prefixes."""
    if any(e.type_name == "NS_ERR_UNDEFINED_NAMESPACE" or e.type_name.endswith(
            "UNDECLARED_ENTITY") for e in log):
        return True
    encoding = (tree.docinfo.encoding or "utf-8").lower()
    if "16" in encoding or "32" in encoding or "ucs" in encoding:
        refs = _ENTITY_REF.findall(_decoded(data, encoding))
    else:  # ASCII-compatible: scan the bytes, no decoding needed
        refs = [m.decode("ascii") for m in _ENTITY_REF_BYTES.findall(data)]
    return any(name not in PREDEFINED_ENTITIES for name in refs)


_EXTERNAL_DECL = re.compile(
    r"<!ENTITY\s+(%\s+)?([^\s\"']+)\s+(?:SYSTEM|PUBLIC)\s+(\"[^\"]*\"|'[^']*')"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?(\s+NDATA)?")


def _internal_subset(data: bytes, encoding: str | None) -> str:
    """The DOCTYPE's internal subset ("[...]") as text; empty when there is none."""
    encoding = (encoding or "utf-8").lower()
    if "16" in encoding or "32" in encoding or "ucs" in encoding:
        text = _decoded(data[:1 << 20], encoding)
        start = text.find("<!DOCTYPE")
        bracket, close = text.find("[", start), text.find(">", start)
        if start < 0 or bracket < 0 or close < bracket:
            return ""
        end = text.find("]>", bracket)
        return text[bracket:end if end > 0 else None]
    start = data.find(b"<!DOCTYPE")
    bracket, close = data.find(b"[", start), data.find(b">", start)
    if start < 0 or bracket < 0 or close < bracket:
        return ""
    end = data.find(b"]>", bracket)
    return _decoded(data[bracket:end if end > 0 else None], encoding)


def _external_entity(data: bytes, encoding: str | None) -> str | None:
    """The first external (parsed) entity the internal subset declares: XXE by design."""
    for m in _EXTERNAL_DECL.finditer(_internal_subset(data, encoding)):
        if not m.group(4):
            target = m.group(3)[1:-1]
            return f"{'%' if m.group(1) else ''}{m.group(2)} -> {target}"
    return None


def _refused(exc: ExternalRefused) -> Problem:
    return Problem(
        "external-refused",
        f"The document asks to read {exc.url or exc.public_id!r}, which is not an official "
        "JATS/NLM DTD file; it was refused and nothing was read.",
        raw=str(exc))


def unknown_doctype(parsed: Parsed, severity: str = "warning") -> Problem:
    """The DOCTYPE names a DTD we do not hold; it is never fetched."""
    ident = parsed.public_id or parsed.system_id or "(internal subset only)"
    consequence = ("the document was checked against the JATS Publishing XSD instead"
                   if severity == "warning" else
                   "the entities it would define (such as &nbsp;) are unknown")
    return Problem(
        "unknown-doctype",
        f"Unknown document type: the DOCTYPE names {ident!r}, which is not one of the "
        f"official JATS/NLM DTDs held here. Nothing was fetched; {consequence}.",
        severity=severity, raw=f"PUBLIC {parsed.public_id!r} SYSTEM {parsed.system_id!r}")


def size_problem(size: int, max_bytes: int) -> Problem | None:
    if size <= max_bytes:
        return None
    return Problem("too-large", f"The file is {size:,} bytes; the limit is {max_bytes:,} bytes "
                   "(setting max_upload_bytes). It was not parsed.", raw="")


def parse(data: bytes, schemas: SchemaDirectory, *,
          max_bytes: int = DEFAULT_MAX_BYTES) -> Parsed:
    """Parse untrusted bytes; never reads a file outside `dtd/`, never uses the network."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse() takes the document's bytes, not text")
    data = bytes(data)
    too_big = size_problem(len(data), max_bytes)
    if too_big:
        return Parsed(None, [too_big])
    if not data[:4096].strip() and not data.strip():
        return Parsed(None, [Problem("empty", explain("empty"))])
    first = _parser(None, with_dtd=False, entities=False)
    try:
        root = etree.fromstring(data, first)
    except ExternalRefused as exc:
        return Parsed(None, [_refused(exc)])
    except etree.XMLSyntaxError as exc:
        return Parsed(None, _fatal(first.error_log, exc, data))
    except (ValueError, etree.LxmlError) as exc:
        return Parsed(None, [Problem("malformed", f"Not well-formed XML: {exc}.", raw=str(exc))])
    if root is None:
        return Parsed(None, [Problem("empty", explain("empty"))])
    tree = root.getroottree()
    info = tree.docinfo
    parsed = Parsed(tree, public_id=info.public_id or None, system_id=info.system_url or None,
                    has_doctype=bool(info.doctype), encoding=info.encoding)
    if parsed.has_doctype:
        external = _external_entity(data, info.encoding)
        if external:
            return Parsed(None, [Problem(
                "external-refused",
                f"The document declares an external entity {external!r} in its DOCTYPE; "
                "it was refused and nothing was read.", raw=external)],
                parsed.public_id, parsed.system_id, True, None, False, info.encoding)
        parsed.dtd_path = schemas.dtd_for(parsed.public_id, parsed.system_id)
    log = first.error_log
    if not _needs_dtd(data, tree, log):
        return parsed
    return _reparse(data, schemas, parsed)


def _reparse(data: bytes, schemas: SchemaDirectory, parsed: Parsed) -> Parsed:
    """Parse again with entity expansion, and with the official DTD when we hold it."""
    with_dtd = parsed.dtd_path is not None
    second = _parser(schemas, with_dtd=with_dtd, entities=True)
    try:
        root = etree.fromstring(data, second)
    except ExternalRefused as exc:
        return Parsed(None, [_refused(exc)], parsed.public_id, parsed.system_id,
                      parsed.has_doctype, parsed.dtd_path, with_dtd, parsed.encoding)
    except etree.XMLSyntaxError as exc:
        errors = [e for e in second.error_log if e.level >= etree.ErrorLevels.ERROR]
        if not errors or not all(e.domain_name == "VALID" for e in errors):
            problems = _fatal(second.error_log, exc, data)
            if parsed.has_doctype and not with_dtd and (parsed.public_id or parsed.system_id):
                problems.insert(0, unknown_doctype(parsed, severity="error"))
            return Parsed(None, problems, parsed.public_id, parsed.system_id,
                          parsed.has_doctype, parsed.dtd_path, with_dtd, parsed.encoding)
        # Only validity errors (duplicate IDs are reported while parsing): the document is
        # well-formed; keep its tree and let DTD validation report them in full.
        second = _parser(schemas, with_dtd=with_dtd, entities=True, recover=True)
        root = etree.fromstring(data, second)
    parsed.tree = root.getroottree()
    parsed.reparsed_with_dtd = with_dtd
    for entry in second.error_log:
        kind = describe(entry.message)[0]
        if kind in ("unknown-entity", "namespace"):
            parsed.problems.append(_from_log(entry))
    return parsed
