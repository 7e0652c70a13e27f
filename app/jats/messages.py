"""Problems found in a JATS document, each with a stable kind and plain-words message.

libxml2's own wording ("Element fn content does not follow the DTD, expecting (label? , p+),
got (CDATA)") is kept in `raw` for experts; `message` says the same for a librarian, and
`kind` is a stable key that scripts and the documentation use.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

MATHML_NS = "http://www.w3.org/1998/Math/MathML"

# Presentation and content MathML element names: seeing one undeclared and without a
# namespace almost always means MathML written without the mml: prefix.
MATHML_NAMES = frozenset({
    "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot",
    "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose", "msub", "msup",
    "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts", "none",
    "mtable", "mtr", "mlabeledtr", "mtd", "maligngroup", "malignmark", "mstack", "mlongdiv",
    "msgroup", "msrow", "mscarries", "mscarry", "msline", "maction", "semantics", "annotation",
    "annotation-xml", "ci", "cn", "csymbol", "apply", "bind", "bvar", "share", "cerror",
    "cbytes", "cs", "mglyph",
})

# Every kind the validator reports, with the general explanation the docs and --help use.
EXPLANATIONS: dict[str, str] = {
    "malformed": "The file is not well-formed XML, so no XML tool can read it reliably "
                 "(for example a bare '&', a tag that is never closed, or text after the end "
                 "of the document).",
    "empty": "The file is empty or has no root element.",
    "not-xml": "The file does not look like XML at all (binary data or another format).",
    "encoding": "The bytes do not match the character encoding the file declares (or, without "
                "a declaration, UTF-8).",
    "unreadable": "The file could not be opened or read.",
    "too-large": "The file is larger than the configured size limit, so it was not parsed.",
    "external-refused": "The document asks the parser to read a file or URL that is not one of "
                        "the official DTD files; it was refused and nothing was read.",
    "entity-amplification": "Entities in the document expand to an enormous amount of text "
                            "(an 'entity expansion bomb'); parsing was stopped.",
    "unknown-entity": "A named character entity (like &nbsp;) is used but not defined by the "
                      "document's DTD; the character it stands for is unknown.",
    "wrong-root": "The root element is not <article>, so this is not a JATS journal article.",
    "unknown-doctype": "The DOCTYPE names a DTD that is not one of the official JATS/NLM DTDs "
                       "we hold, so the document was checked against the JATS Publishing XSD "
                       "instead. Nothing was fetched from the network.",
    "namespaced": "The article is in a JATS namespace (as OAI-PMH providers give it); it was "
                  "taken out of the namespace and checked against the official DTD of the tag "
                  "set and version the namespace names.",
    "many-articles": "The file is an OAI-PMH response holding several JATS articles; each one "
                     "is checked on its own.",
    "version-fallback": "The document is checked against an XSD (it has no DOCTYPE, or one we "
                        "do not hold) and its dtd-version is not one with a published JATS "
                        "Publishing XSD here (1.3, 1.4), so the newest one was used.",
    "element-not-allowed": "An element appears where the schema does not allow it (wrong "
                           "place, wrong order, or one too many).",
    "missing-required-child": "An element lacks a child element the schema requires.",
    "content-model": "The children of an element do not match what the schema allows there "
                     "(something is missing, out of order, or not allowed).",
    "text-not-allowed": "Text appears directly inside an element that may only contain other "
                        "elements.",
    "undeclared-element": "The element does not exist in the declared tag set and version.",
    "newer-element": "The element exists only in a later JATS version than the one the "
                     "document declares; declare the newer version or use the older markup.",
    "unprefixed-mathml": "MathML is written without the mml: prefix (or without the MathML "
                         "namespace), so the JATS schema sees unknown elements such as <math>.",
    "undeclared-attribute": "The attribute does not exist on this element in the declared "
                            "tag set and version.",
    "newer-attribute": "The attribute exists on this element only in a later JATS version than "
                       "the one the document declares.",
    "attribute-value-not-allowed": "An attribute has a value outside the list the schema "
                                   "allows.",
    "invalid-id": "An id attribute is not a valid XML name (IDs must start with a letter or "
                  "underscore and contain no spaces, colons or slashes).",
    "invalid-value": "A value does not have the form the schema requires (a date, a number, "
                     "a name...).",
    "missing-required-attribute": "An element lacks an attribute the schema requires.",
    "dangling-idref": "A reference (rid, for example on <xref>) points to an id that no "
                      "element in the document carries, so the link goes nowhere.",
    "duplicate-id": "Two elements carry the same id; ids must be unique in a document.",
    "namespace": "A prefix (such as xlink: or mml:) is used without its namespace being "
                 "declared.",
    "schema-error": "The schema reported a problem not covered by the other kinds.",
}


@dataclass
class Problem:
    """One finding: where it is, what kind it is, and what it means in plain words."""

    kind: str
    message: str
    line: int | None = None
    column: int | None = None
    path: str | None = None
    raw: str = ""
    severity: str = "error"
    column_derived: bool = False  # libxml2 gave no column; it was worked out from the source

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def where(self) -> str:
        """"line:column", "line" or "" (what is unknown is left out, never printed as 0),
        then the element path."""
        pos = ":".join(str(n) for n in (self.line, self.column) if n) if self.line else ""
        return f"{pos}: {self.path}" if pos and self.path else (pos or self.path or "")


def explain(kind: str) -> str:
    """The general plain-words explanation of a kind."""
    return EXPLANATIONS.get(kind, EXPLANATIONS["schema-error"])


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _element_label(name: str) -> str:
    if name.startswith("{") and "}" in name:
        ns, local = name[1:].split("}", 1)
        prefix = {MATHML_NS: "mml:", "http://www.w3.org/1999/xlink": "xlink:"}.get(ns)
        return f"<{prefix}{local}>" if prefix else f"<{local}> (namespace {ns})"
    return f"<{name}>"


_NCNAME = re.compile(r"^[^\W\d][\w.\-]*$")
_R = re.compile
_RULES: list[tuple[re.Pattern[str], str]] = [
    # DTD validation (libxml2 VALID domain)
    (_R(r"^Element (?P<el>\S+) content does not follow the DTD, expecting (?P<exp>.*), "
        r"got \((?P<got>.*)\)$"), "dtd-content"),
    (_R(r"^No declaration for element (?P<el>\S+)$"), "undeclared-element"),
    (_R(r"^No declaration for attribute (?P<att>\S+) of element (?P<el>\S+)$"),
     "undeclared-attribute"),
    (_R(r'^Value "(?P<val>.*)" for attribute (?P<att>\S+) of (?P<el>\S+) is not among the '
        r"enumerated set$"), "attribute-value-not-allowed"),
    (_R(r"^Syntax of value for attribute (?P<att>\S+) of (?P<el>\S+) is not valid$"),
     "invalid-value"),
    (_R(r"^Element (?P<el>\S+) does not carry attribute (?P<att>\S+)$"),
     "missing-required-attribute"),
    (_R(r'^IDREFS? attribute (?P<att>\S+) references an unknown ID "(?P<val>.*)"$'),
     "dangling-idref"),
    (_R(r"^ID (?P<val>.*) already defined$"), "duplicate-id"),
    (_R(r"^Element (?P<child>\S+) is not declared in (?P<el>\S+) list of possible children$"),
     "element-not-allowed"),
    (_R(r"^Value for attribute (?P<att>\S+) of (?P<el>\S+) is different from default"),
     "attribute-value-not-allowed"),
    # XSD validation (libxml2 SCHEMASV domain)
    (_R(r"^Element '(?P<el>[^']+)': This element is not expected\.(?: Expected is (?:one of )?"
        r"\( (?P<exp>.*) \)\.)?$"), "element-not-allowed"),
    (_R(r"^Element '(?P<el>[^']+)': Missing child element\(s\)\. Expected is (?:one of )?"
        r"\( (?P<exp>.*) \)\.$"), "missing-required-child"),
    (_R(r"^Element '(?P<el>[^']+)': Character content other than whitespace is not allowed"),
     "text-not-allowed"),
    (_R(r"^Element '(?P<el>[^']+)': No matching global declaration available for the "
        r"validation root\.$"), "wrong-root"),
    (_R(r"^Element '(?P<el>[^']+)', attribute '(?P<att>[^']+)': The attribute '[^']+' is not "
        r"allowed\.$"), "undeclared-attribute"),
    (_R(r"^Element '(?P<el>[^']+)': The attribute '(?P<att>[^']+)' is required but missing"),
     "missing-required-attribute"),
    (_R(r"^Element '(?P<el>[^']+)', attribute '(?P<att>[^']+)': \[facet 'enumeration'\] The "
        r"value '(?P<val>.*)' is not an element of the set"), "attribute-value-not-allowed"),
    (_R(r"^Element '(?P<el>[^']+)', attribute '(?P<att>[^']+)': '(?P<val>.*)' is not a valid "
        r"value of the atomic type 'xs:ID'\.$"), "invalid-id"),
    (_R(r"^Element '(?P<el>[^']+)', attribute '(?P<att>[^']+)': '(?P<val>.*)' is not a valid "
        r"value of"), "invalid-value"),
    (_R(r"^Element '(?P<el>[^']+)': '(?P<val>.*)' is not a valid value of"), "invalid-value"),
    (_R(r"^Element '(?P<el>[^']+)', attribute '(?P<att>[^']+)': No match found for "
        r"key-sequence \['(?P<val>.*)'\]"), "dangling-idref"),
    # Parser
    (_R(r"^Entity '(?P<val>[^']+)' not defined"), "unknown-entity"),
    (_R(r"^Namespace prefix (?P<val>\S+) (?:for (?P<att>\S+) )?on (?P<el>\S+) is not defined"),
     "namespace"),
    (_R(r"[Aa]mplification|[Ee]ntity reference loop|[Ee]ntity loop"), "entity-amplification"),
]


def _top_level(model: str) -> list[str]:
    """The items of a DTD content model's outermost sequence: "(a, (b|c)?, d+)" -> a, (b|c)?, d+."""
    model = model.strip()
    if model.startswith("(") and model.endswith(")"):
        model = model[1:-1]
    items, depth, current = [], 0, ""
    for ch in model:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    items.append(current.strip())
    return [item for item in items if item]


def _missing_required(expected: str, got: list[str]) -> str | None:
    """The first element the model requires outright (no ?, *, no choice) that is absent."""
    for item in _top_level(expected):
        name = item.rstrip("+")
        if re.fullmatch(r"[\w.:-]+", name) and name not in got and name != "#PCDATA":
            return name
    return None


def _not_in_model(expected: str, got: list[str]) -> str | None:
    """The first child the model does not mention at all."""
    names = set(re.findall(r"[\w.:-]+", expected))
    for name in got:
        if name not in names and name != "CDATA":
            return name
    return None


def _short(expected: str, limit: int = 240) -> str:
    """A long content model or list of names, cut for reading (`raw` keeps it whole)."""
    expected = expected.strip()
    return expected if len(expected) <= limit else expected[:limit].rsplit(" ", 1)[0] + " …"


def describe(raw: str, *, declared: set[str] | None = None,
             newest: set[str] | None = None, newest_attrs: set[tuple[str, str]] | None = None,
             version: str | None = None) -> tuple[str, str]:
    """(kind, plain-words message) for one libxml2 message.

    `declared` and `newest` are the element names of the document's DTD and of the newest JATS
    DTD: an undeclared element the newest version knows is reported as "newer-element".
    """
    text = raw.strip()
    for pattern, kind in _RULES:
        m = pattern.search(text)
        if not m:
            continue
        g = {k: v for k, v in m.groupdict().items() if v is not None}
        el = _element_label(g.get("el", "?"))
        att = g.get("att", "?")
        val = g.get("val", "")
        local = _local(g.get("el", ""))
        declared_as = version or "the declared version"
        if kind == "dtd-content":
            model = g.get("exp", "")
            exp = _short(model)
            got = g.get("got", "").split()
            if "CDATA" in got and "#PCDATA" not in model:
                return "text-not-allowed", (
                    f"{el} contains text directly, but only elements are allowed there "
                    f"(expected {exp}).")
            stranger = _not_in_model(model, got)
            if stranger:
                return "element-not-allowed", (
                    f"<{stranger}> is not allowed inside {el} (allowed: {exp}).")
            missing = _missing_required(model, got)
            if missing:
                found = f"it contains ({' '.join(got)})" if got else "it is empty"
                return "missing-required-child", (
                    f"{el} lacks the required child <{missing}>; {found}, but the schema "
                    f"expects {exp}.")
            if not got:
                return "missing-required-child", f"{el} is empty but must contain {exp}."
            return "content-model", (
                f"The children of {el} are not in an allowed order or number: found "
                f"({' '.join(got)}), the schema expects {exp}.")
        if kind == "undeclared-element":
            name = g.get("el", "")
            if name in MATHML_NAMES and ":" not in name:
                return "unprefixed-mathml", (
                    f"<{name}> is MathML written without the mml: prefix; JATS expects "
                    f"<mml:{name}> with xmlns:mml=\"{MATHML_NS}\".")
            if newest and name in newest and (declared is None or name not in declared):
                return "newer-element", (
                    f"<{name}> does not exist in {declared_as}; it was added in a later JATS "
                    f"version. Declare that version or use the older markup.")
            return kind, f"<{name}> is not an element of {declared_as}."
        if kind == "undeclared-attribute":
            if newest_attrs and (local, att) in newest_attrs:
                return "newer-attribute", (
                    f"The attribute {att} on {el} does not exist in {declared_as}; it was "
                    f"added in a later JATS version.")
            return kind, f"{el} may not carry the attribute {att} in this tag set and version."
        if kind == "element-not-allowed":
            if "child" in g:
                return kind, (f"<{g['child']}> is not allowed inside {el} in this tag set "
                              f"and version.")
            name = _local(g.get("el", ""))
            if name in MATHML_NAMES and not g.get("el", "").startswith("{"):
                return "unprefixed-mathml", (
                    f"<{name}> is MathML without the MathML namespace; JATS expects "
                    f"<mml:{name}> with xmlns:mml=\"{MATHML_NS}\".")
            exp = g.get("exp")
            hint = f" Expected here: {_short(exp)}." if exp else " Nothing more is allowed here."
            return kind, f"{el} is not allowed at this place.{hint}"
        if kind == "missing-required-child":
            return kind, f"{el} lacks a required child: expected {_short(g.get('exp', ''))}."
        if kind == "text-not-allowed":
            return kind, f"{el} contains text directly, but only child elements are allowed."
        if kind == "wrong-root":
            return kind, f"The root element {el} is not a JATS <article>."
        if kind == "missing-required-attribute":
            return kind, f"{el} must carry the attribute {att}."
        if kind == "attribute-value-not-allowed":
            return kind, (f"The value \"{val}\" of {att} on {el} is not one of the values "
                          f"the schema allows.")
        if kind == "invalid-id":
            if _NCNAME.match(val):  # libxml2 words a repeated xs:ID value the same way
                return "duplicate-id", (f"The id \"{val}\" on {el} is used by more than one "
                                        f"element; ids must be unique.")
            return kind, (f"The id \"{val}\" on {el} is not a valid XML ID (it must start "
                          f"with a letter or '_' and contain no spaces, colons or slashes).")
        if kind == "invalid-value":
            where = f"of {att} on {el}" if "att" in g else f"of {el}"
            return kind, f"The value \"{val}\" {where} does not have the required form."
        if kind == "dangling-idref":
            return kind, (f"The {att} \"{val}\" points to an id that no element in this "
                          f"document carries.")
        if kind == "duplicate-id":
            return kind, f"The id \"{val}\" is used by more than one element; ids must be unique."
        if kind == "unknown-entity":
            return kind, (f"The entity &{val}; is not defined by the document's DTD, so the "
                          f"character it stands for is unknown.")
        if kind == "namespace":
            return kind, (f"The prefix {val}: is used on {el} without declaring its "
                          f"namespace (xmlns:{val}=\"...\").")
        if kind == "entity-amplification":
            return kind, ("Entities in this document expand to far more text than the document "
                          "holds (an entity expansion bomb); parsing was stopped.")
        return kind, explain(kind)
    return "schema-error", text
