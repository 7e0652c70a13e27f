"""One record as an OAI-PMH source gave it: header and metadata, before any conversion."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree


class ConversionError(ValueError):
    """A source record that cannot become a JATS article; the message says why."""


@dataclass(frozen=True)
class SourceRecord:
    base_url: str
    identifier: str
    datestamp: str
    deleted: bool
    metadata: etree._Element | None
    set_specs: tuple[str, ...] = ()

    @property
    def namespace(self) -> str:
        """The namespace of the metadata format, as provenance.xsd's metadataNamespace."""
        if self.metadata is None:
            return ""
        return etree.QName(self.metadata).namespace or ""
