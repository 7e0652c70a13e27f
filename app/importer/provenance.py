"""Reading back the provenance a harvest keeps in a JATS file (see ``jats_build``)."""

from __future__ import annotations

from lxml import etree

from app.importer.jats_build import PROVENANCE_USE

#: The fields of provenance.xsd's ``originDescription``, as the file names them.
FIELDS = ("baseURL", "identifier", "datestamp", "metadataNamespace", "harvestDate")


def read_provenance(root: etree._Element | None) -> dict[str, str] | None:
    """The source of a harvested article, or None for any other article."""
    if root is None:
        return None
    found: dict[str, str] = {}
    for item in root.iterfind(
            f"front/article-meta/custom-meta-group/custom-meta[@specific-use='{PROVENANCE_USE}']"):
        name = (item.findtext("meta-name") or "").strip()
        value = (item.findtext("meta-value") or "").strip()
        if name in FIELDS and value:
            found[name] = value
    return found if all(name in found for name in FIELDS) else None
