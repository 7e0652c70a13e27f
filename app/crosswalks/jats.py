"""The ``jats`` format: the stored article itself, moved into a JATS namespace as PMC does.

OAI-PMH only admits a namespaced payload, and the official JATS XSDs have no namespace, so a
bare ``<article>`` breaks the envelope while PMC's namespaced article matches no published
schema. Here the payload is put in :data:`NS` and validated against a namespaced schema derived
at start-up from the official JATS 1.3 Journal Publishing XSD: the driver and elements files
get that target and default namespace, and ``module-ali.xsd`` imports it and qualifies its one
reference back to ``license-ref-model``. Nothing else changes, so the derived schema accepts
exactly what the official one does, in the namespace. The derived files go to a per-user cache
folder (never into the repository) and the service publishes them at :data:`SCHEMA_PATH`.

A record that is not valid against it (Archiving-only elements, a Publishing requirement it
misses) is not disseminated as ``jats``: :func:`render` raises :class:`CrosswalkError`.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import html.entities
import os
import shutil
import tempfile
import threading
from pathlib import Path

from lxml import etree

from app.config import DEFAULT_SCHEMA_DIR, ENV_PREFIX, Settings
from app.crosswalks.common import XSI
from app.crosswalks.registry import CrosswalkError, Document, MetadataFormat, RenderContext
from app.jats.text import MML_NS, XLINK_NS, is_jats_namespace, local, xml_safe

NS = "https://jats.nlm.nih.gov/ns/publishing/1.3/"
ALI = "http://www.niso.org/schemas/ali/1.0/"
XML = "http://www.w3.org/XML/1998/namespace"
OASIS = "http://docs.oasis-open.org/ns/oasis-exchange/table"
# Prefixes JATS DTDs bind through defaulted attributes; a record parsed without its DTD may
# carry them unbound ("xlink:href" as a plain name), and they are bound here.
KNOWN_PREFIXES = {"xlink": XLINK_NS, "mml": MML_NS, "ali": ALI, "xsi": XSI, "oasis": OASIS}

SOURCE_DIR = "jats-1.3/publishing"
DRIVER = "JATS-journalpublishing1-3-mathml3.xsd"
ELEMENTS = "JATS-journalpublishing1-3-mathml3-elements.xsd"
ALI_MODULE = "standard-modules/module-ali.xsd"
SCHEMA_PATH = "/schemas/jats-ns-1.3/"
DERIVATION = "1"  # bump when the derivation below changes, so cached copies are rebuilt

_compiled: dict[Path, etree.XMLSchema] = {}
_compiled_for: dict[Path | str, etree.XMLSchema] = {}
_compile_lock = threading.Lock()
_validate_lock = threading.Lock()


class SchemaDerivationError(RuntimeError):
    """The official files no longer look as the derivation expects (a different release)."""


def _replace_once(text: str, old: str, new: str, name: str) -> str:
    if text.count(old) != 1:
        raise SchemaDerivationError(
            f"{name}: expected exactly one {old!r} in the official file, found {text.count(old)}"
        )
    return text.replace(old, new)


def _namespaced(text: str, name: str) -> str:
    """The schema start tag with the JATS target namespace, also as the default namespace, so
    the file's unprefixed references resolve to its own components."""
    return _replace_once(
        text, "<xsd:schema ", f'<xsd:schema targetNamespace="{NS}" xmlns="{NS}" ', name
    )


def _ali(text: str) -> str:
    """module-ali refers to the no-namespace ``license-ref-model``: import and qualify it."""
    text = _replace_once(text, "<xsd:schema ", f'<xsd:schema xmlns:jats="{NS}" ', ALI_MODULE)
    text = _replace_once(text, "<xsd:import/>", f'<xsd:import namespace="{NS}"/>', ALI_MODULE)
    return _replace_once(
        text, 'ref="license-ref-model"', 'ref="jats:license-ref-model"', ALI_MODULE
    )


def _cache_root() -> Path:
    """A folder only this user can write, for files derived at start-up."""
    base = os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()
    root = Path(base) / f"jats-oai-{os.getuid()}"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    if root.stat().st_uid != os.getuid() or root.stat().st_mode & 0o022:
        raise SchemaDerivationError(f"the schema cache folder is not private to this user: {root}")
    return root


def derived_schema_dir(schema_dir: Path) -> Path:
    """The folder holding the namespaced JATS schema, derived on first use from the official
    files in ``schema_dir`` and reused while they stay the same."""
    source = Path(schema_dir) / SOURCE_DIR
    texts = {}
    for name in (DRIVER, ELEMENTS, ALI_MODULE):
        path = source / name
        if not path.is_file():
            raise SchemaDerivationError(f"official JATS schema file missing: {path}")
        texts[name] = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(
        "\0".join([DERIVATION, NS, *texts.values()]).encode("utf-8")
    ).hexdigest()[:16]
    target = _cache_root() / f"jats-ns-1.3-{digest}"
    if (target / DRIVER).is_file():
        return target
    work = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    try:
        tree = work / "xsd"
        shutil.copytree(source, tree)
        for name, text in (
            (DRIVER, _namespaced(texts[DRIVER], DRIVER)),
            (ELEMENTS, _namespaced(texts[ELEMENTS], ELEMENTS)),
            (ALI_MODULE, _ali(texts[ALI_MODULE])),
        ):
            (tree / name).chmod(0o644)
            (tree / name).write_text(text, encoding="utf-8")
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
    """A copy of the ``<article>`` with every JATS element in :data:`NS`; MathML, XLink and ALI
    keep their own namespaces, and prefixes left unbound by a missing DTD are bound."""
    source = copy.deepcopy(article)
    out = etree.Element(
        f"{{{NS}}}article",
        nsmap={None: NS, "xlink": XLINK_NS, "mml": MML_NS, "ali": ALI, "xsi": XSI},
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
    if context.schema_dir is not None:
        return Path(context.schema_dir)
    env = os.environ.get(ENV_PREFIX + "SCHEMA_DIR")
    return Path(env) if env else DEFAULT_SCHEMA_DIR


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
    payload = to_namespace(article)
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
            "the article is not valid against the JATS 1.3 Journal Publishing schema "
            f"(in the {NS} namespace), so it cannot be given as jats: {shown}{more}"
        )
    return data


FORMAT = MetadataFormat(
    prefix="jats",
    namespace=NS,
    schema_location=SCHEMA_PATH + DRIVER,
    schema_file=f"{SOURCE_DIR}/{DRIVER}",
    render=render,
    schema_loader=derived_schema,
)
