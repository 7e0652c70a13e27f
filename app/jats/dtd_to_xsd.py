"""A namespaced XML Schema written from an official DTD, read through lxml's DTD model.

JATS publishes XSDs for Journal Publishing but none for Archiving and Interchange, and the
XSDs it does publish have no target namespace, so neither fits an OAI-PMH payload. The DTD is
the normative schema, and lxml exposes what it declares (:class:`lxml.etree.DTD`: elements,
content models, attribute lists). This module writes the same grammar as XSD documents, one per
namespace, with the unprefixed JATS names moved into a namespace chosen by the caller:

- every element becomes a global ``xs:element``; content models keep their sequences, choices
  and occurrences (``?``, ``*``, ``+``), ``EMPTY`` becomes an empty type and mixed content
  (``#PCDATA | a | b)*`` a mixed type with a repeated choice;
- attribute types map one to one (CDATA to ``xs:string``, ID, IDREF(S), NMTOKEN(S), a list of
  values to an enumeration), ``#REQUIRED``, ``#FIXED`` and defaults carry over;
- prefixed names (``mml:``, ``ali:``, ``xlink:``, ``xml:``) go to the schema of their
  namespace; ``xmlns`` declarations are namespace bindings in XSD, not attributes, and
  ``xsi:`` attributes are always allowed by XSD, so neither is declared.

A foreign-namespace attribute has one global declaration in XSD, while a DTD may type it
differently per element (``xml:lang`` is NMTOKEN on some, CDATA on others): the global type is
then the loosest of them. lxml gives a content model's names without their prefix, so a name
is read as the element of the parent's own namespace when there is one, else as the one
element of that local name; a name that one group lists several times (``table |
oasis:table``: a DTD group never names one element twice) stands for as many of the
elements of that local name, the parent's namespace first. docs/validation.md lists where the
two verdicts can differ.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
XML_NS = "http://www.w3.org/XML/1998/namespace"
OCCURS = {"once": (None, None), "opt": ("0", None), "mult": ("0", "unbounded"),
          "plus": (None, "unbounded")}
SIMPLE_TYPES = {"cdata": "string", "id": "ID", "idref": "IDREF", "idrefs": "IDREFS",
                "nmtoken": "NMTOKEN", "nmtokens": "NMTOKENS", "entity": "ENTITY",
                "entities": "ENTITIES"}
SKIPPED_PREFIXES = ("xmlns", "xsi")


class ConversionError(ValueError):
    """The DTD declares something this conversion cannot express (a prefix with no namespace)."""


@dataclass
class _Schema:
    namespace: str
    filename: str
    root: etree._Element = field(init=False)

    def __post_init__(self) -> None:
        self.root = etree.Element(
            f"{{{XS}}}schema", nsmap={"xs": XS},
            targetNamespace=self.namespace, elementFormDefault="qualified",
            attributeFormDefault="unqualified",
        )


def _q(tag: str) -> str:
    return f"{{{XS}}}{tag}"


def convert(dtd: etree.DTD, namespace: str, prefixes: dict[str, str],
            filenames: dict[str, str]) -> dict[str, bytes]:
    """The XSD documents (file name to bytes) equivalent to ``dtd``: unprefixed names in
    ``namespace``, each prefix of ``prefixes`` in its namespace, one file per namespace named
    by ``filenames`` (keyed by namespace)."""
    namespaces = {None: namespace, "xml": XML_NS, **prefixes}
    schemas: dict[str, _Schema] = {}

    def schema_for(prefix: str | None) -> _Schema:
        if prefix not in namespaces:
            raise ConversionError(f"the DTD uses the prefix {prefix!r}, whose namespace is unknown")
        ns = namespaces[prefix]
        if ns not in schemas:
            schemas[ns] = _Schema(ns, filenames[ns])
        return schemas[ns]

    elements = list(dtd.iterelements())
    by_local: dict[str, list[str | None]] = defaultdict(list)
    for decl in elements:
        by_local[decl.name].append(decl.prefix)

    def resolve(name: str, parent_prefix: str | None, nth: int = 0) -> str | None:
        """The prefix of the element a content model names (see the module docstring);
        ``nth``: how many times the same group named it before."""
        found = by_local.get(name, [])
        ordered = sorted(found, key=lambda p: (p != parent_prefix, p is not None))
        if nth:
            if nth >= len(ordered):
                raise ConversionError(f"a group names {name!r} more often than it is declared")
            return ordered[nth]
        if parent_prefix in found:
            return parent_prefix
        if len(found) == 1:
            return found[0]
        if None in found:
            return None
        raise ConversionError(f"cannot tell which declared element {name!r} is meant")

    used: dict[str, set[str]] = defaultdict(set)  # namespace -> namespaces it refers to

    def qname(prefix: str | None, name: str, within: _Schema) -> str:
        ns = namespaces[prefix]
        schema_for(prefix)
        if ns != within.namespace:
            used[within.namespace].add(ns)
        return f"{_ns_prefix(ns, namespaces)}:{name}"

    global_attributes: dict[tuple[str, str], list[etree._DTDAttributeDecl]] = defaultdict(list)
    for decl in elements:
        schema = schema_for(decl.prefix)
        el = etree.SubElement(schema.root, _q("element"), name=decl.name)
        ctype = etree.SubElement(el, _q("complexType"))
        if decl.type == "mixed":
            ctype.set("mixed", "true")
            names = _names(decl.content)
            if names:
                choice = etree.SubElement(ctype, _q("choice"), minOccurs="0",
                                          maxOccurs="unbounded")
                for name, nth in _numbered(names):
                    etree.SubElement(choice, _q("element"),
                                     ref=qname(resolve(name, decl.prefix, nth), name, schema))
        elif decl.type == "element":
            _particle(ctype, decl.content, lambda n, nth, s=schema, p=decl.prefix:
                      qname(resolve(n, p, nth), n, s), top=True)
        elif decl.type == "any":
            seq = etree.SubElement(ctype, _q("sequence"))
            etree.SubElement(seq, _q("any"), minOccurs="0", maxOccurs="unbounded",
                             processContents="strict", namespace="##any")
            ctype.set("mixed", "true")
        for attr in decl.iterattributes():
            if attr.prefix in SKIPPED_PREFIXES:
                continue
            if attr.prefix is None:
                node = etree.SubElement(ctype, _q("attribute"), name=attr.name)
                _attribute_type(node, attr)
            else:
                node = etree.SubElement(ctype, _q("attribute"),
                                        ref=qname(attr.prefix, attr.name, schema))
                global_attributes[(attr.prefix, attr.name)].append(attr)
            _attribute_use(node, attr)
    for (prefix, name), decls in sorted(global_attributes.items()):
        schema = schema_for(prefix)
        node = etree.Element(_q("attribute"), name=name)
        _global_attribute_type(node, decls)
        schema.root.append(node)
    for schema in schemas.values():
        for position, ns in enumerate(sorted(used[schema.namespace])):
            imp = etree.Element(_q("import"), namespace=ns, schemaLocation=schemas[ns].filename)
            schema.root.insert(position, imp)
    return {s.filename: _serialise(s, namespaces) for s in schemas.values()}


def _ns_prefix(ns: str, namespaces: dict[str | None, str]) -> str:
    for prefix, value in namespaces.items():
        if value == ns:
            return prefix or "t"
    raise ConversionError(f"no prefix for {ns}")


def _serialise(schema: _Schema, namespaces: dict[str | None, str]) -> bytes:
    """The schema with every namespace it refers to bound to its prefix (``t`` for JATS)."""
    nsmap = {"xs": XS, **{(p or "t"): ns for p, ns in namespaces.items() if p != "xml"}}
    root = etree.Element(schema.root.tag, nsmap=nsmap, attrib=dict(schema.root.attrib))
    root.extend(list(schema.root))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _names(content: etree._DTDElementContentDecl | None) -> list[str]:
    """The element names of a mixed content model, in order; a name given twice stands for
    two elements of that local name (``table | oasis:table``)."""
    out: list[str] = []
    stack = [content]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "element":
            out.append(node.name)
        stack.extend([node.right, node.left])
    return out


def _numbered(names: list[str]) -> list[tuple[str, int]]:
    """Each name with how many times the list gave it before."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for name in names:
        out.append((name, seen[name]))
        seen[name] += 1
    return out


def _flatten(node: etree._DTDElementContentDecl, kind: str) -> list:
    """The operands of a chain of binary ``seq`` or ``or`` nodes, as one list."""
    items = []
    while node is not None and node.type == kind:
        left, right = node.left, node.right
        items.append(left)
        if right is not None and right.type == kind and right.occur == "once":
            node = right
        else:
            if right is not None:
                items.append(right)
            break
    out = []
    for item in items:
        if item.type == kind and item.occur == "once":
            out.extend(_flatten(item, kind))
        else:
            out.append(item)
    return out


def _particle(parent: etree._Element, node: etree._DTDElementContentDecl, ref,
              top: bool = False, nth: int = 0) -> None:
    low, high = OCCURS[node.occur]
    if node.type == "element":
        if top:  # a complex type's content must be a model group
            parent = etree.SubElement(parent, _q("sequence"))
        child = etree.SubElement(parent, _q("element"), ref=ref(node.name, nth))
    else:
        group = "sequence" if node.type == "seq" else "choice"
        child = etree.SubElement(parent, _q(group))
        items = _flatten(node, node.type)
        # only a choice can name two elements of one local name; a sequence may repeat one
        names = [i.name if i.type == "element" and node.type == "or" else "" for i in items]
        for item, (name, count) in zip(items, _numbered(names), strict=True):
            _particle(child, item, ref, nth=count if name else 0)
    if low is not None:
        child.set("minOccurs", low)
    if high is not None:
        child.set("maxOccurs", high)


def _simple_type(node: etree._Element, attr_type: str, values: list[str]) -> None:
    if attr_type in ("enumeration", "notation"):
        simple = etree.SubElement(node, _q("simpleType"))
        restriction = etree.SubElement(simple, _q("restriction"), base="xs:NMTOKEN")
        for value in values:
            etree.SubElement(restriction, _q("enumeration"), value=value)
    else:
        node.set("type", "xs:" + SIMPLE_TYPES[attr_type])


def _attribute_type(node: etree._Element, attr: etree._DTDAttributeDecl) -> None:
    _simple_type(node, attr.type, list(attr.values()))


def _global_attribute_type(node: etree._Element,
                           decls: list[etree._DTDAttributeDecl]) -> None:
    """The loosest type of a foreign attribute declared on several elements."""
    types = {d.type for d in decls}
    if types <= {"enumeration"}:
        values = sorted({v for d in decls for v in d.values()})
        _simple_type(node, "enumeration", values)
    elif len(types) == 1 and "enumeration" not in types:
        _simple_type(node, types.pop(), [])
    else:
        node.set("type", "xs:string")


def _attribute_use(node: etree._Element, attr: etree._DTDAttributeDecl) -> None:
    if attr.default == "required":
        node.set("use", "required")
    elif attr.default == "fixed":
        node.set("fixed", attr.default_value or "")
    elif attr.default == "none" and attr.default_value is not None:
        node.set("default", attr.default_value)
