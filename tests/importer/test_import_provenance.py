"""An imported record tells harvesters and readers where it came from.

OAI-PMH 2.0 section 2.5 (the optional ``about`` container) and the Guidelines for Repository
Implementers' provenance container (provenance.xsd): GetRecord of a harvested record carries
an ``originDescription`` with the source's baseURL, identifier, datestamp and namespace.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from lxml import etree

from app.config import load_settings
from app.importer.harvest import Harvest
from tests.importer.ojs_oai import OjsOaiServer
from tests.oai_helpers import validate_response
from tests.server import RunningServer

pytestmark = pytest.mark.server
OAI = "{http://www.openarchives.org/OAI/2.0/}"
PROV = "{http://www.openarchives.org/OAI/2.0/provenance}"


def test_getrecord_of_an_imported_record_carries_its_provenance_and_its_page_names_the_source(
        ojs: OjsOaiServer, live_server: RunningServer, tmp_path: Path, schema_dir: Path) -> None:
    folder = tmp_path / "records"
    settings = load_settings(instance_dir=tmp_path / "instance")
    Harvest(ojs.base_url, folder, settings=settings, prefix="oai_dc").run()
    live_server.load(folder)
    body = requests.get(live_server.oai_url, params={
        "verb": "GetRecord", "metadataPrefix": "oai_dc",
        "identifier": "oai:journals.bsu.by:history/5762"}, timeout=30).content
    root = validate_response(body, schema_dir)
    origin = root.find(f"{OAI}GetRecord/{OAI}record/{OAI}about/{PROV}provenance")
    assert origin is not None
    etree.XMLSchema(etree.parse(str(schema_dir / "oai-pmh" / "provenance.xsd"))).assertValid(
        etree.fromstring(etree.tostring(origin)))
    description = origin.find(f"{PROV}originDescription")
    assert description.get("altered") == "true"
    assert description.findtext(f"{PROV}baseURL") == ojs.base_url
    assert description.findtext(f"{PROV}identifier") == "oai:journals.bsu.by:article/5762"
    assert description.findtext(f"{PROV}datestamp") == "2023-12-20T10:00:02Z"
    assert description.findtext(f"{PROV}metadataNamespace") == (
        "http://www.openarchives.org/OAI/2.0/oai_dc/")
    page = requests.get(f"{live_server.url}/articles/history/5762", timeout=30).text
    assert "Imported from" in page and "oai:journals.bsu.by:article/5762" in page


def test_a_record_written_here_has_no_about_container(
        live_server: RunningServer, records_dir: Path) -> None:
    live_server.load(records_dir)
    body = requests.get(live_server.oai_url, params={
        "verb": "GetRecord", "metadataPrefix": "oai_dc",
        "identifier": "oai:journals.bsu.by:history/5763"}, timeout=30).content
    assert b"<about>" not in body
