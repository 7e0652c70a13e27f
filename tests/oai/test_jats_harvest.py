"""Harvesting ``jats`` from the real server, over HTTP, as a harvester would.

OAI-PMH 2.0 section 4.4: a format is identified by the schema its records validate against,
so every ``jats`` payload must validate against the schema ListMetadataFormats declares,
fetched from the service with the documents it imports. Section 4.3/4.5: ``jats`` lists the
same records as ``oai_dc`` over the seed and the corpus, less the records
``jats-oai records status`` lists as not given as jats.
"""

from __future__ import annotations

import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from lxml import etree

from app.jats.schemas import schema_directory
from app.jats.validation import validate_file
from tests.oai_helpers import OAI as NS
from tests.oai_helpers import validate_response
from tests.server import RunningServer

pytestmark = pytest.mark.server
SEED = Path("history/2023/04/5763.xml")
XSD = "{http://www.w3.org/2001/XMLSchema}"


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - our own server
        return answer.read()


def harvest(server: RunningServer, verb: str, prefix: str) -> list[etree._Element]:
    """Every response of a complete list request, following resumption tokens."""
    query = {"verb": verb, "metadataPrefix": prefix}
    pages = []
    while True:
        page = validate_response(fetch(f"{server.oai_url}?{urllib.parse.urlencode(query)}"))
        pages.append(page)
        token = page.findtext(f".//{NS}resumptionToken")
        if not token:
            return pages
        query = {"verb": verb, "resumptionToken": token}


def identifiers(pages: list[etree._Element]) -> set[str]:
    return {h.findtext(f"{NS}identifier") for p in pages for h in p.iter(f"{NS}header")}


class HttpOnly(etree.Resolver):
    """Imported schema documents are fetched from the service, never read from disk."""

    def resolve(self, url: str, public_id: str, context: object) -> object:
        return self.resolve_string(fetch(url), context, base_url=url)


@pytest.fixture
def corpus_server(live_server: RunningServer, tmp_path: Path, records_dir: Path,
                  corpus_dir: Path, schema_dir: Path) -> RunningServer:
    """The server holding the seed and every corpus file valid against its own schema."""
    folder = tmp_path / "records"
    (folder / SEED.parent).mkdir(parents=True)
    shutil.copy(records_dir / SEED, folder / SEED)
    shutil.copy(records_dir / "journals.toml", folder / "journals.toml")
    schemas = schema_directory(schema_dir)
    for path in sorted(corpus_dir.glob("jats-*/*.xml")):
        if validate_file(path, schemas=schemas).valid:
            shutil.copy(path, folder / path.name)
    live_server.load(folder)
    return live_server


def test_jats_lists_what_oai_dc_lists_less_the_records_status_names(
    corpus_server: RunningServer,
) -> None:
    in_dc = identifiers(harvest(corpus_server, "ListIdentifiers", "oai_dc"))
    in_jats = identifiers(harvest(corpus_server, "ListIdentifiers", "jats"))
    status = corpus_server.run_cli("records", "status")
    assert status.returncode == 0, status.stderr
    declined = {line.split(": not given as jats:")[0] for line in status.stdout.splitlines()
                if ": not given as jats:" in line}
    local = {i.split(":", 2)[2] for i in in_dc}
    assert "history/5763" in {i.split(":", 2)[2] for i in in_jats}
    assert {i.split(":", 2)[2] for i in in_dc - in_jats} == declined
    assert in_jats <= in_dc
    assert len(in_jats) >= 0.99 * len(local)


def test_every_jats_payload_validates_against_the_schema_fetched_over_http(
    corpus_server: RunningServer,
) -> None:
    formats = validate_response(fetch(f"{corpus_server.oai_url}?verb=ListMetadataFormats"))
    declared = next(f for f in formats.iter(f"{NS}metadataFormat")
                    if f.findtext(f"{NS}metadataPrefix") == "jats")
    location = declared.findtext(f"{NS}schema")
    assert location.startswith(corpus_server.url)
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(HttpOnly())
    schema = etree.XMLSchema(etree.fromstring(fetch(location), parser, base_url=location))
    payloads = [m[0] for p in harvest(corpus_server, "ListRecords", "jats")
                for m in p.iter(f"{NS}metadata")]
    assert len(payloads) > 100
    for payload in payloads:
        assert payload.tag == f"{{{declared.findtext(f'{NS}metadataNamespace')}}}article"
        # Each payload is its own document: IDs are unique per article, not per response.
        alone = etree.fromstring(etree.tostring(payload))
        assert schema.validate(alone), schema.error_log.last_error
