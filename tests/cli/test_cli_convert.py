"""``jats-oai convert FILE --to PREFIX``: the payload a harvester would get, nothing stored.

Exit codes: 0 the payload is valid against the format's schema, 1 it is not (or the format
declines the record), 2 the input is unusable. Runs the real command in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from app.cli import main
from app.config import REPO_ROOT

SEED = REPO_ROOT / "records" / "history" / "2023" / "04" / "5763.xml"
COMMAND = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"
MARC = {"m": "http://www.loc.gov/MARC21/slim"}
# Well-formed JATS 1.3 Publishing, but not valid: the DTD requires a journal-id and an ISSN.
NO_ISSN = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN"
 "JATS-journalpublishing1-3.dtd">
<article article-type="research-article" dtd-version="1.3" xml:lang="en">
<front><journal-meta><journal-title-group><journal-title>Test Journal</journal-title>
</journal-title-group></journal-meta>
<article-meta><title-group><article-title>A <italic>tiny</italic> article</article-title>
</title-group><pub-date><year>2024</year></pub-date></article-meta></front></article>
"""
# Not even JATS 1.3 Archiving, the tag set the jats format serves: an element JATS lacks.
NOT_JATS = NO_ISSN.replace(b"<pub-date>", b"<no-such-element/><pub-date>")


def convert(*args: str, tmp_path: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, JATS_OAI_INSTANCE_DIR=str(tmp_path / "instance"))
    return subprocess.run(
        [sys.executable, "-c", COMMAND, "convert", *args],
        cwd=REPO_ROOT, env=env, input=stdin, capture_output=True, timeout=120,
    )


def test_list_names_every_registered_prefix(tmp_path: Path) -> None:
    result = convert("--list", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    prefixes = [line.split("\t")[0] for line in result.stdout.decode().splitlines()]
    assert sorted(prefixes) == ["jats", "marcxml", "oai_dc", "oai_openaire"]


@pytest.mark.parametrize("prefix", ["oai_dc", "marcxml", "oai_openaire"])
def test_seed_converts_to_a_valid_payload_and_stores_nothing(prefix: str,
                                                             tmp_path: Path) -> None:
    result = convert(str(SEED), "--to", prefix, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    root = etree.fromstring(result.stdout)
    assert "SovietAmerican economic cooperation" in "".join(root.itertext())
    instance = tmp_path / "instance"
    assert not any(p.suffix.startswith(".sqlite") for p in instance.rglob("*"))


def test_marcxml_preview_has_the_records_urls(tmp_path: Path) -> None:
    result = convert(str(SEED), "--to", "marcxml", tmp_path=tmp_path)
    root = etree.fromstring(result.stdout)
    assert root.findtext("m:controlfield[@tag='001']", namespaces=MARC) == (
        "oai:journals.bsu.by:history/5763")
    urls = root.xpath("m:datafield[@tag='856']/m:subfield[@code='u']/text()", namespaces=MARC)
    assert urls == ["https://journals.bsu.by/index.php/history/article/view/5763",
                    "http://127.0.0.1:5000/jats/history/5763"]


def test_openaire_preview_reports_missing_mandatory_fields(corpus_dir: Path,
                                                           tmp_path: Path) -> None:
    synopsis = corpus_dir / "jats-real" / "plos-journal.pmed.0020402.xml"  # no authors at all
    result = convert(str(synopsis), "--to", "oai_openaire", tmp_path=tmp_path)
    assert result.returncode == 0  # still valid against the schema
    assert "datacite:creator (M)" in result.stderr.decode()


def test_a_format_that_declines_the_record_exits_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    """In-process, so the derived JATS schema is compiled once for the whole test session."""
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(tmp_path / "instance"))
    source = tmp_path / "not-jats.xml"
    source.write_bytes(NOT_JATS)
    assert main(["convert", str(source), "--to", "jats"]) == 1
    out, err = capfdbinary.readouterr()
    assert out == b""
    assert b"no jats record can be made" in err


def test_invalid_jats_is_still_previewed_with_a_note(tmp_path: Path) -> None:
    source = tmp_path / "no-issn.xml"
    source.write_bytes(NO_ISSN)
    result = convert(str(source), "--to", "marcxml", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert "not valid JATS" in result.stderr.decode()
    titles = etree.fromstring(result.stdout).xpath(
        "m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=MARC)
    assert titles == ["A tiny article"]


def test_standard_input_is_read_with_a_dash(tmp_path: Path) -> None:
    result = convert("-", "--to", "oai_openaire", tmp_path=tmp_path, stdin=SEED.read_bytes())
    assert result.returncode == 0, result.stderr.decode()
    assert etree.fromstring(result.stdout).tag == "{http://namespace.openaire.eu/schema/oaire/}resource"


def test_not_well_formed_input_is_unusable(corpus_dir: Path, tmp_path: Path) -> None:
    broken = corpus_dir / "jats-real" / "scielo-1980-4415v36n72n01.xml"  # a bare "&"
    result = convert(str(broken), "--to", "oai_dc", tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stdout == b""
    assert "unusable input" in result.stderr.decode()


def test_a_missing_file_is_unusable(tmp_path: Path) -> None:
    result = convert(str(tmp_path / "nope.xml"), "--to", "oai_dc", tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stdout == b""


def test_an_unknown_prefix_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    result = convert(str(SEED), "--to", "mods", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "oai_openaire" in result.stderr.decode()
