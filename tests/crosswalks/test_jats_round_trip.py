"""A lossless round trip through the ``jats`` format, and namespaced JATS accepted as input.

An article harvested as ``jats`` and saved to a file validates (it is checked without its
namespace against the DTD of the tag set and version the namespace names) and, loaded into
another collection, gives the same oai_dc, marcxml and oai_openaire, apart from identifiers
that depend on the host. A saved OAI-PMH response is checked article by article.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.config import Settings, load_settings
from app.ingest import Prepared, prepare
from app.jats.validation import validate, validate_each
from tests.oai_helpers import Repository

HOME = "https://journals.example.org"
MIRROR = "https://mirror.example.net"
OTHER_FORMATS = ("oai_dc", "marcxml", "oai_openaire")
SEED = Path("history/2023/04/5763.xml")
# NLM 2.3 puts the licence directly in article-meta, where no crosswalk reads it; brought
# forward to 1.3 it sits in <permissions>, so the harvested copy gains a licence (MARC 540).
GAINS_A_LICENCE = {"pmc-plos-pone.0000217.xml": {"marcxml"}}
# A record whose language no DTD gives (no DOCTYPE, or a DTD the service does not hold) has
# none; as jats it is JATS 1.3 Archiving, whose DTD gives article/@xml:lang the default "en",
# so the harvested copy states English (titles' xml:lang, dc:language, MARC 008/546).
GAINS_A_LANGUAGE = {"marcxml", "oai_dc", "oai_openaire"}


def collection(tmp_path: Path, name: str, url: str) -> Settings:
    host = url.split("://", 1)[1]
    return load_settings(instance_dir=tmp_path / name, public_url=url,
                         repository_identifier=host)


def host_free(payload: bytes, settings: Settings) -> bytes:
    return (payload.replace(settings.public_url.encode(), b"HOST")
            .replace(f"oai:{settings.repository_identifier}:".encode(), b"oai:HOST:"))


def test_seed_and_corpus_round_trip(tmp_path: Path, records_dir: Path,
                                    corpus_dir: Path) -> None:
    home, mirror = collection(tmp_path, "home", HOME), collection(tmp_path, "mirror", MIRROR)
    files = [records_dir / SEED, *sorted(corpus_dir.glob("jats-*/*.xml"))]
    tripped = 0
    for path in files:
        first = prepare(path.read_bytes(), settings=home, origin=None)
        if not isinstance(first, Prepared) or "jats" not in first.draft.formats:
            continue
        harvested = first.draft.formats["jats"]
        report = validate(harvested)
        assert report.valid, (path.name, [p.message for p in report.errors][:3])
        assert report.errors[0].kind == "namespaced"
        again = prepare(harvested, settings=mirror, origin=None)
        assert isinstance(again, Prepared), path.name
        assert again.draft.identifier == first.draft.identifier
        differ = {p for p in OTHER_FORMATS
                  if host_free(first.draft.formats[p], home)
                  != host_free(again.draft.formats[p], mirror)}
        expected = GAINS_A_LICENCE.get(path.name, set())
        if first.article.lang is None and again.article.lang == "en":
            expected = expected | GAINS_A_LANGUAGE
        assert differ == expected, path.name
        tripped += 1
    assert tripped > 150


@pytest.fixture
def saved_list_records(repo: Repository, tmp_path: Path) -> Path:
    """A ListRecords response in ``jats``, saved as a harvester saves it (one page)."""
    answer = repo.oai.get(verb="ListRecords", metadataPrefix="jats")
    assert answer.error_codes == []
    path = tmp_path / "harvest.xml"
    path.write_bytes(answer.body)
    return path


def test_an_oai_pmh_response_is_checked_article_by_article(
    saved_list_records: Path, repo: Repository, capsys: pytest.CaptureFixture[str],
) -> None:
    reports = validate_each(saved_list_records.read_bytes(), filename="harvest.xml")
    assert len(reports) == 3  # the page size of the ``repo`` fixture
    assert all(r.valid and r.tag_set == "Archiving" and r.version == "1.3" for r in reports)
    assert {r.filename.split("#", 1)[1] for r in reports} <= {
        repo.oai_id(i) for i in repo.records}
    assert main(["validate", str(saved_list_records)]) == 0
    out = capsys.readouterr().out
    assert out.count(": VALID") == 3
    assert out.splitlines()[-1] == "1 file, 3 articles: 3 valid, 0 invalid, 0 unusable"
    # One report stands for one article: the response as a whole is not one.
    whole = validate(saved_list_records.read_bytes())
    assert not whole.valid and whole.errors[0].kind == "many-articles"


def test_a_namespaced_article_with_an_error_is_reported_against_its_tag_set(
    repo: Repository,
) -> None:
    payload = repo.records["history/5763"].draft.formats["jats"]
    broken = payload.replace(b"<front>", b"<front><no-such-element/>", 1)
    report = validate(broken)
    assert not report.valid
    assert report.schema and "1.3 Archiving" in report.schema
    assert any("no-such-element" in p.message for p in report.errors)


def test_the_ingest_pipeline_takes_a_harvested_article(tmp_path: Path,
                                                       repo: Repository) -> None:
    """``records load``, the deposit API and the validation page all go through it."""
    payload = repo.records["history/5763"].draft.formats["jats"]
    loaded = prepare(payload, settings=collection(tmp_path, "mirror", MIRROR), origin=None)
    assert isinstance(loaded, Prepared)
    assert loaded.draft.identifier == "history/5763"
    assert set(loaded.draft.formats) >= {"oai_dc", "jats"}


def test_line_numbers_point_into_the_file_given(repo: Repository) -> None:
    """An article taken out of a GetRecord response is reported at its lines in the response."""
    payload = repo.records["history/5763"].draft.formats["jats"]
    response = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n<GetRecord><record>'
                b"<header><identifier>oai:elsewhere:1</identifier></header>\n<metadata>\n"
                + payload.replace(b"<front>", b"<front>\n<no-such-element/>", 1)
                + b"\n</metadata></record></GetRecord></OAI-PMH>")
    (report,) = validate_each(response, filename="got.xml")
    assert report.filename == "got.xml#oai:elsewhere:1"
    lines = response.split(b"\n")
    found = [p for p in report.errors if "no-such-element" in p.message and p.line]
    assert found and all(b"no-such-element" in lines[p.line - 1] or b"<front>" in
                         lines[p.line - 1] for p in found)
