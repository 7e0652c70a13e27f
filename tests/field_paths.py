"""The fields a metadata payload carries, as element paths, and the language tags it emits:
what ``tests/crosswalks/test_fidelity.py`` checks and ``python -m bench.field_report`` counts
over the corpus (docs/crosswalks.md).
"""

from __future__ import annotations

from collections import Counter

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MARC = "http://www.loc.gov/MARC21/slim"
PREFIXES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc",
    "http://datacite.org/schema/kernel-4": "datacite",
    "http://namespace.openaire.eu/schema/oaire/": "oaire",
    MARC: "marc",
}


def _name(el: etree._Element) -> str:
    q = etree.QName(el)
    return f"{PREFIXES.get(q.namespace or '', q.namespace or '')}:{q.localname}"


def fields_of(prefix: str, root: etree._Element) -> tuple[set[str], Counter[str]]:
    """The fields a payload carries, and each language tag or code it emits."""
    found: set[str] = set()
    langs: Counter[str] = Counter()
    if prefix == "marcxml":
        for el in root:
            tag = el.get("tag")
            if etree.QName(el).localname == "leader":
                found.add("leader")
            elif etree.QName(el).localname == "controlfield":
                found.add(tag)
                if tag == "008" and el.text and len(el.text) >= 38:
                    langs[f"008/35-37 {el.text[35:38]}"] += 1
            else:
                for sub in el:
                    found.add(f"{tag}${sub.get('code')}")
                    if tag == "041":
                        langs[f"041${sub.get('code')} {sub.text}"] += 1
        return found, langs
    for el in root.iter(etree.Element):
        if el is root:
            continue
        path = "/".join(_name(a) for a in reversed(list(el.iterancestors())) if a is not root)
        found.add(f"{path}/{_name(el)}" if path else _name(el))
        if el.get(XML_LANG):
            langs[f"xml:lang {el.get(XML_LANG)}"] += 1
        if etree.QName(el).localname == "language" and el.text:
            langs[f"dc:language {el.text}"] += 1
    return found, langs
