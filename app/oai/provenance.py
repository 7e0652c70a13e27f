"""The OAI-PMH ``about`` container of a record harvested from another repository.

The Guidelines for Repository Implementers ("provenance container") describe it: one
``originDescription`` per harvest with the source's baseURL, identifier, datestamp and
metadata namespace, ``harvestDate``, and ``altered`` (true here: the record was converted to
JATS and then to each format). The values come from the record's summary (see
``app.importer.provenance``), escaped like every other text of a response.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.oai import responses

NAMESPACE = "http://www.openarchives.org/OAI/2.0/provenance"
SCHEMA = "http://www.openarchives.org/OAI/2.0/provenance.xsd"
_CHILDREN = ("baseURL", "identifier", "datestamp", "metadataNamespace")


def about(provenance: object) -> bytes:
    """The ``<about>`` element for a summary's ``provenance``; empty bytes when there is none."""
    if not isinstance(provenance, Mapping) or not all(
            isinstance(provenance.get(k), str) for k in (*_CHILDREN, "harvestDate")):
        return b""
    children = "".join(f"<{k}>{responses.text(provenance[k])}</{k}>" for k in _CHILDREN)
    return (
        f'<about><provenance xmlns="{NAMESPACE}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NAMESPACE} {SCHEMA}">'
        f'<originDescription harvestDate="{responses.text(provenance["harvestDate"])}" '
        f'altered="true">{children}</originDescription></provenance></about>'
    ).encode()
