"""The ``jats`` format: the stored article itself, moved into a JATS namespace as PMC does.

OAI-PMH only admits a namespaced payload, and the official JATS schemas have no namespace, so a
bare ``<article>`` breaks the envelope while PMC's namespaced article matches no published
schema. Here the payload is put in :data:`NS`, the JATS 1.3 Archiving and Interchange namespace
PMC uses, and validated against a namespaced XSD derived at start-up from the official JATS 1.3
Archiving DTD (with MathML 3) by :mod:`app.jats.dtd_to_xsd`: Archiving is the loosest JATS tag
set, so every article valid in Publishing or Authoring is valid in it. No official Archiving XSD
exists. The derived files go to a per-user cache folder (never into the repository), named by a
hash of the DTD files and of the conversion code, and the service publishes them at
:data:`SCHEMA_PATH`.

Older markup is first brought forward to 1.3 by :mod:`app.jats.upgrade` (on a copy). A
record that is still not valid against the schema is not disseminated as ``jats``:
:func:`render` raises :class:`CrosswalkError` with the schema's first complaints.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import html.entities
import inspect
import os
import shutil
import tempfile
import threading
from pathlib import Path

from lxml import etree

from app.config import DEFAULT_SCHEMA_DIR, Settings, user_cache_base
from app.crosswalks.common import XSI
from app.crosswalks.registry import CrosswalkError, Document, MetadataFormat, RenderContext
from app.jats import dtd_to_xsd
from app.jats.text import MML_NS, XLINK_NS, is_jats_namespace, local, xml_safe
from app.jats.upgrade import upgrade

NS = "https://jats.nlm.nih.gov/ns/archiving/1.3/"
ALI = "http://www.niso.org/schemas/ali/1.0/"
XML = "http://www.w3.org/XML/1998/namespace"
#: The namespace JATS 1.0 and later bind the OASIS table model to (JATS-oasis-namespace1-3.ent
#: fixes xmlns:oasis to it); NLM 3.0's is brought forward by app/jats/upgrade.py.
OASIS = "http://www.niso.org/standards/z39-96/ns/oasis-exchange/table"
# Prefixes JATS DTDs bind through defaulted attributes; a record parsed without its DTD may
# carry them unbound ("xlink:href" as a plain name), and they are bound here.
KNOWN_PREFIXES = {"xlink": XLINK_NS, "mml": MML_NS, "ali": ALI, "xsi": XSI, "oasis": OASIS}

TAG_SET = "JATS 1.3 Archiving and Interchange (MathML 3, OASIS tables)"
SOURCE_DIR = "dtd/archiving-1.3"
# The variant with both XHTML and OASIS tables: the loosest official Archiving 1.3 DTD.
SOURCE_DTD = f"{SOURCE_DIR}/JATS-archive-oasis-article1-3-mathml3.dtd"
DRIVER = "JATS-archive-oasis-article1-3-mathml3.xsd"
# One schema document per namespace the DTD uses (an XSD has one target namespace).
FILES = {NS: DRIVER, MML_NS: "mathml3.xsd", ALI: "ali.xsd", XLINK_NS: "xlink.xsd",
         XML: "xml.xsd", OASIS: "oasis-exchange.xsd"}
PREFIXES = {"mml": MML_NS, "ali": ALI, "xlink": XLINK_NS, "oasis": OASIS}
SCHEMA_PATH = "/schemas/jats-archiving-ns-1.3/"
DERIVATION = "3"  # bump when the derivation below changes, so cached copies are rebuilt

_compiled: dict[Path, etree.XMLSchema] = {}
_compiled_for: dict[Path | str, etree.XMLSchema] = {}
_compile_lock = threading.Lock()
_validate_lock = threading.Lock()


class SchemaDerivationError(RuntimeError):
    """The official DTD is missing or declares what the conversion cannot express."""


def _cache_root() -> Path:
    """A folder only this user can write, for files derived at start-up."""
    root = user_cache_base() / f"jats-oai-{os.getuid()}"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    if root.stat().st_uid != os.getuid() or root.stat().st_mode & 0o022:
        raise SchemaDerivationError(f"the schema cache folder is not private to this user: {root}")
    return root


def _inputs_digest(source: Path) -> str:
    """A hash of everything the derived schema depends on: the DTD with all its modules, the
    namespace, and the conversion code itself."""
    parts = [DERIVATION, NS, SOURCE_DTD, repr(sorted(FILES.items())),
             inspect.getsource(dtd_to_xsd)]
    digest = hashlib.sha256("\0".join(parts).encode())
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def derive(schema_dir: Path) -> dict[str, bytes]:
    """The namespaced schema documents written from the official Archiving DTD (uncached)."""
    driver = Path(schema_dir) / SOURCE_DTD
    if not driver.is_file():
        raise SchemaDerivationError(f"official JATS DTD missing: {driver}")
    try:
        dtd = etree.DTD(str(driver))
        return dtd_to_xsd.convert(dtd, NS, PREFIXES, FILES)
    except (etree.DTDParseError, dtd_to_xsd.ConversionError) as exc:
        raise SchemaDerivationError(f"{driver}: {exc}") from exc


def derived_schema_dir(schema_dir: Path) -> Path:
    """The folder holding the namespaced JATS schema, derived on first use from the official
    DTD in ``schema_dir`` and reused while its inputs stay the same."""
    source = Path(schema_dir) / SOURCE_DIR
    if not (Path(schema_dir) / SOURCE_DTD).is_file():
        raise SchemaDerivationError(f"official JATS DTD missing: {Path(schema_dir) / SOURCE_DTD}")
    target = _cache_root() / f"jats-archiving-ns-1.3-{_inputs_digest(source)}"
    if (target / DRIVER).is_file():
        return target
    work = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    try:
        tree = work / "xsd"
        tree.mkdir()
        for name, data in derive(schema_dir).items():
            (tree / name).write_bytes(data)
        tree.chmod(0o755)
        try:
            tree.rename(target)
        except OSError:
            if not (target / DRIVER).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def derived_schema(schema_dir: Path) -> etree.XMLSchema:
    """The compiled namespaced JATS schema (compiled once per process and schema folder)."""
    found = _compiled_for.get(schema_dir)  # every render asks: spare it resolving the path
    if found is not None:
        return found
    key = Path(schema_dir).resolve()
    with _compile_lock:
        if key not in _compiled:
            driver = derived_schema_dir(key) / DRIVER
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            _compiled[key] = etree.XMLSchema(etree.parse(str(driver), parser))
        _compiled_for[schema_dir] = _compiled[key]
        return _compiled[key]


def to_namespace(article: etree._Element) -> etree._Element:
    """A copy of the ``<article>`` with every JATS element in :data:`NS`; MathML, XLink, ALI
    and OASIS tables keep their own namespaces (under the prefixes the JATS DTDs fix, so the
    article checked without its namespace meets them), and prefixes left unbound by a
    missing DTD are bound."""
    source = copy.deepcopy(article)
    out = etree.Element(
        f"{{{NS}}}article",
        nsmap={None: NS, "xlink": XLINK_NS, "mml": MML_NS, "ali": ALI, "xsi": XSI,
               "oasis": OASIS},
    )
    for name, value in source.attrib.items():
        out.set(_attribute_name(name), value)
    out.text = source.text
    out.extend(list(source))
    # Found once per tree, not by walking up from every element.
    in_math = {d for m in out.iter(*MATH_TAGS) for d in m.iterdescendants(etree.Element)}
    for el in out.iterdescendants(etree.Element):
        tag = el.tag
        el.tag = _element_name(tag, tag == "math" or el in in_math)
        attributes = el.keys()
        for name in attributes:
            if ":" in name and not name.startswith("{"):
                fixed = _attribute_name(name)
                if fixed != name:
                    value = el.attrib.pop(name)
                    el.set(fixed, value)
    _expand_entities(out)
    etree.cleanup_namespaces(out)
    return out


def _expand_entities(root: etree._Element) -> None:
    """Replace entity references a parser left in the tree (``&nbsp;`` when the DTD was not
    read) by their characters: the payload is a standalone document without a DOCTYPE."""
    for ref in list(root.iter(etree.Entity)):
        name = ref.name
        char = None
        if name in html.entities.name2codepoint:
            char = chr(html.entities.name2codepoint[name])
        elif name.startswith("#"):
            with contextlib.suppress(ValueError, OverflowError):
                char = chr(int(name[2:], 16) if name[1:2] in "xX" else int(name[1:]))
        if char is None or not xml_safe(char):
            raise CrosswalkError(f"the article uses the entity &{name}; whose value is unknown "
                                 "or not a character XML allows")
        text = char + (ref.tail or "")
        previous = ref.getprevious()
        parent = ref.getparent()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(ref)


# A MathML ``<math>`` written bare, with an unbound ``mml:`` prefix, or in the MathML
# namespace: the MathML DTD module declares that namespace as a defaulted ``xmlns`` attribute,
# so the DOCTYPE supplied it to the elements below it that have none.
MATH_TAGS = ("math", "mml:math", f"{{{MML_NS}}}math")


@functools.lru_cache(maxsize=4096)
def _element_name(tag: str, mathml: bool = False) -> str:
    if mathml and not tag.startswith("{") and ":" not in tag:
        return f"{{{MML_NS}}}{tag}"
    if tag.startswith("{"):
        ns, name = tag[1:].split("}", 1)
        # Another JATS namespace (PMC's) becomes ours; any other namespace is left alone.
        return f"{{{NS}}}{name}" if is_jats_namespace(ns) else tag
    if ":" in tag:
        prefix, name = tag.split(":", 1)
        if prefix in KNOWN_PREFIXES:
            return f"{{{KNOWN_PREFIXES[prefix]}}}{name}"
        return tag
    return f"{{{NS}}}{tag}"


def _attribute_name(name: str) -> str:
    if not name.startswith("{") and ":" in name:
        prefix, rest = name.split(":", 1)
        if prefix in KNOWN_PREFIXES:
            return f"{{{KNOWN_PREFIXES[prefix]}}}{rest}"
        if prefix == "xml":
            return f"{{{XML}}}{rest}"
    return name


def _schema_dir(context: RenderContext) -> Path:
    """The context's schema folder (the pipeline always gives its settings'), else the default."""
    return Path(context.schema_dir) if context.schema_dir is not None else DEFAULT_SCHEMA_DIR


def render(document: Document, context: RenderContext) -> bytes:
    """The namespaced article, or CrosswalkError when it is not valid against the schema."""
    root = document.root
    if isinstance(root, etree._ElementTree):
        root = root.getroot()
    article = root if local(root.tag) == "article" else next(
        (e for e in root.iter(etree.Element) if local(e.tag) == "article"), None
    )
    if article is None:
        raise CrosswalkError("the document holds no <article> element")
    payload = to_namespace(upgrade(article)[0])
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    if payload.get(xml_lang) is None and document.article.lang:
        # The language the declared DTD gives by default: the payload has no DOCTYPE to say it.
        payload.set(xml_lang, document.article.lang)
    location = FORMAT.schema_url(context.public_url or Settings.public_url)
    payload.set(f"{{{XSI}}}schemaLocation", f"{NS} {location}")
    data = etree.tostring(payload, encoding="utf-8")
    schema = derived_schema(_schema_dir(context))
    # The bytes a harvester gets are what is checked, parsed afresh by a default parser.
    try:
        emitted = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise CrosswalkError(f"the payload would not parse for a harvester: {exc}") from exc
    with _validate_lock:
        try:
            valid = schema.validate(emitted)
        except etree.XMLSchemaValidateError as exc:
            raise CrosswalkError(
                f"the JATS schema validator gave up on this article: {exc}"
            ) from exc
        errors = list(schema.error_log.filter_from_errors())
    if not valid:
        shown = "; ".join(f"line {e.line}: {e.message}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise CrosswalkError(
            f"the article is not valid against the {TAG_SET} schema "
            f"(in the {NS} namespace), so it cannot be given as jats: {shown}{more}"
        )
    return data


FORMAT = MetadataFormat(
    prefix="jats",
    namespace=NS,
    schema_location=SCHEMA_PATH + DRIVER,
    schema_file=SOURCE_DTD,
    render=render,
    schema_loader=derived_schema,
    schema_folder=derived_schema_dir,
)
