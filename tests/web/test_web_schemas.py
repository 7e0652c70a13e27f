"""The namespaced JATS schema is published where ListMetadataFormats and every ``jats``
payload say it is (OAI-PMH 2.0, section 4.4: a metadata format is identified by the schema
its records validate against), with the modules its driver imports by relative path."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from lxml import etree

from app.crosswalks.registry import formats
from tests.web_support import Web

PUBLIC = "http://journals.example"
XSD = "{http://www.w3.org/2001/XMLSchema}"


@pytest.fixture
def web_settings() -> dict[str, object]:
    return {"public_url": PUBLIC}


def test_the_declared_jats_schema_is_served_with_its_namespace(web: Web) -> None:
    fmt = formats()["jats"]
    location = urlsplit(fmt.schema_url(PUBLIC))
    answer = web.client().get(location.path)
    assert answer.status_code == 200
    schema = etree.fromstring(answer.data)
    assert schema.get("targetNamespace") == fmt.namespace


def test_every_module_the_driver_imports_is_served_too(web: Web) -> None:
    location = urlsplit(formats()["jats"].schema_url(PUBLIC)).path
    client = web.client()
    driver = etree.fromstring(client.get(location).data)
    base = location.rsplit("/", 1)[0]
    imported = [
        el.get("schemaLocation")
        for el in driver.iter(XSD + "import", XSD + "include")
        if el.get("schemaLocation") and "://" not in el.get("schemaLocation")
    ]
    assert imported
    for relative in imported:
        assert client.get(f"{base}/{relative}").status_code == 200, relative


def test_nothing_outside_the_schema_folder_is_served(web: Web) -> None:
    base = urlsplit(formats()["jats"].schema_url(PUBLIC)).path.rsplit("/", 1)[0]
    client = web.client()
    assert client.get(f"{base}/../../config.py").status_code == 404
    assert client.get(f"{base}/%2e%2e/%2e%2e/etc/passwd").status_code == 404
    assert client.get(f"{base}/no-such.xsd").status_code == 404
