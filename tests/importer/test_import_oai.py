"""``jats-oai import oai``: an OJS journal's OAI-PMH endpoint harvested into JATS files.

The source is a real HTTP server on 127.0.0.1 answering as OJS 3.3/3.4 does (ojs_oai.py).
Protocol references are to OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from lxml import etree

from app.config import Settings
from app.importer.client import USER_AGENT, HarvestFailed, PoliteSickle, retry_after
from app.importer.harvest import Harvest, Summary
from app.importer.state import STATE_DIR
from app.jats.validation import validate_file
from tests.importer.conftest import history_article
from tests.importer.ojs_oai import OjsOaiServer
from tests.server import command, free_port, server_env

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def harvest(ojs: OjsOaiServer, into: Path, settings: Settings, **options: object) -> Summary:
    return Harvest(ojs.base_url, into, settings=settings, **options).run()  # type: ignore[arg-type]


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*.xml"))}


def list_requests(ojs: OjsOaiServer) -> list[dict[str, str]]:
    return [r.params for r in ojs.requests if r.params.get("verb") == "ListRecords"]


def test_every_live_record_becomes_a_valid_file_laid_out_by_series_year_and_issue(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    summary = harvest(ojs, tmp_path / "records", import_settings, prefix="oai_dc")
    written = files(tmp_path / "records")
    assert sorted(written) == [f"history/2023/04/{5760 + n}.xml" for n in range(1, 5)]
    assert (summary.added, summary.deleted, summary.refused) == (4, 0, [])
    for name in written:
        report = validate_file(tmp_path / "records" / name)
        assert report.valid, report.errors
        assert report.tag_set and "Archiving" in report.tag_set
    # Section 3.5: five records in pages of two are three ListRecords requests, the later two
    # carrying only the resumption token.
    pages = list_requests(ojs)
    assert len(pages) == 3
    assert pages[0] == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    assert all(set(p) == {"verb", "resumptionToken"} for p in pages[1:])


def test_cyrillic_and_english_metadata_keep_their_languages_and_nothing_is_invented(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    harvest(ojs, tmp_path, import_settings, prefix="oai_dc")
    root = etree.parse(str(tmp_path / "history/2023/04/5762.xml")).getroot()
    meta = root.find("front/article-meta")
    assert root.get(XML_LANG) == "ru"  # dc:language "rus" (ISO 639-3) as ISO 639-1
    title = meta.find("title-group/article-title")
    assert (title.text, title.get(XML_LANG)) == (
        "Советско-американское сотрудничество, часть 2", "ru-RU")
    trans = meta.find("title-group/trans-title-group")
    assert trans.get(XML_LANG) == "en-US"
    assert trans.findtext("trans-title") == "Soviet-American cooperation, part 2"
    names = [(n.findtext("surname"), n.findtext("given-names"))
             for n in meta.findall("contrib-group/contrib/name")]
    assert names == [("Петеченко", "Григорий А."), ("Shabasava", "Maryna A.")]
    groups = {g.get(XML_LANG): [k.text for k in g] for g in meta.findall("kwd-group")}
    assert groups == {"ru-RU": ["нэп", "концессия"],
                      "en-US": ["new economic policy", "concession"]}
    assert [p.text for p in meta.findall("abstract/p")] == ["Цель статьи 2.", "Второй абзац."]
    assert meta.find("trans-abstract").get(XML_LANG) == "en-US"
    journal = {t.get(XML_LANG): t.text for t in root.iterfind(".//journal-title")}
    assert journal["ru-RU"].startswith("Журнал Белорусского")
    assert (meta.findtext("issue"), meta.findtext("fpage"), meta.findtext("lpage")) == (
        "4", "80", "89")
    assert meta.find("volume") is None  # "No. 4 (2023)" names no volume
    assert [meta.findtext(f"pub-date/{p}") for p in ("year", "month", "day")] == [
        "2023", "12", "20"]
    assert meta.find("self-uri").get(XLINK_HREF) == (
        "https://journals.bsu.by/index.php/history/article/view/5762")
    assert meta.find("permissions/license").get(XLINK_HREF) == (
        "https://creativecommons.org/licenses/by-nc/4.0")
    assert meta.findtext("article-id[@pub-id-type='publisher-id']") == "5762"
    # The source stated no DOI and no ISSN: none is written.
    assert meta.find("article-id[@pub-id-type='doi']") is None
    assert root.find("front/journal-meta/issn") is None
    provenance = {c.findtext("meta-name"): c.findtext("meta-value")
                  for c in meta.iterfind("custom-meta-group/custom-meta")}
    assert provenance["identifier"] == "oai:journals.bsu.by:article/5762"
    assert provenance["datestamp"] == "2023-12-20T10:00:02Z"
    assert provenance["baseURL"] == ojs.base_url
    assert provenance["metadataNamespace"] == "http://www.openarchives.org/OAI/2.0/oai_dc/"


def test_marcxml_gives_affiliations_and_orcid(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    ojs.put(history_article(1, doi="10.33581/2520-6338-2023-4-70-79",
                            issns=("2520-6338", "2617-3972")))
    summary = harvest(ojs, tmp_path, import_settings, prefix="marcxml")
    assert summary.refused == []
    meta = etree.parse(str(tmp_path / "history/2023/04/5761.xml")).getroot()
    assert meta.findtext(".//article-id[@pub-id-type='doi']") == "10.33581/2520-6338-2023-4-70-79"
    assert [i.text for i in meta.iterfind(".//journal-meta/issn")] == ["2520-6338", "2617-3972"]
    contribs = meta.findall(".//contrib")
    assert contribs[1].findtext("contrib-id[@contrib-id-type='orcid']") == (
        "https://orcid.org/0000-0002-1825-0097")
    assert contribs[1].findtext("aff") == "Belarusian State University"
    assert meta.findtext(".//issue") == "4"  # from OJS's 773 written with id/label attributes


def test_auto_takes_the_richest_format_the_source_offers(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    assert harvest(ojs, tmp_path, import_settings).prefix == "marcxml"


def test_a_rerun_with_nothing_changed_asks_from_the_last_harvest_and_rewrites_nothing(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    harvest(ojs, tmp_path, import_settings)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.xml")}
    first = files(tmp_path)
    ojs.requests.clear()
    summary = harvest(ojs, tmp_path, import_settings)
    assert (summary.added, summary.changed, summary.deleted) == (0, 0, 0)
    assert files(tmp_path) == first
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.xml")} == before
    # Section 3.3.1: the next harvest is selective, from the last one's responseDate.
    assert "from" in list_requests(ojs)[0]


def test_a_record_changed_between_two_runs_is_the_only_file_rewritten(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    harvest(ojs, tmp_path, import_settings, prefix="oai_dc")
    first = files(tmp_path)
    time.sleep(1.1)
    ojs.put(history_article(3, datestamp="2099-01-01T00:00:00Z",
                            titles={"ru-RU": "Новое название", "en-US": "A new title"}))
    summary = harvest(ojs, tmp_path, import_settings, prefix="oai_dc")
    assert (summary.added, summary.changed, summary.unchanged) == (0, 1, 0)
    second = files(tmp_path)
    changed = [name for name in first if first[name] != second[name]]
    assert changed == ["history/2023/04/5763.xml"]
    assert "Новое название".encode() in second["history/2023/04/5763.xml"]


def test_a_record_the_source_deleted_loses_its_file(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    harvest(ojs, tmp_path, import_settings)
    ojs.put(history_article(4, deleted=True, datestamp="2099-01-01T00:00:00Z"))
    summary = harvest(ojs, tmp_path, import_settings)
    assert summary.deleted == 1
    assert not (tmp_path / "history/2023/04/5764.xml").exists()
    assert (tmp_path / "history/2023/04/5763.xml").exists()


def test_503_with_retry_after_is_waited_out(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    ojs.unavailable = [1]
    started = time.monotonic()
    summary = harvest(ojs, tmp_path, import_settings)
    assert time.monotonic() - started >= 1.0
    assert summary.added == 4


def test_one_request_at_a_time_and_a_user_agent_naming_the_service(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    harvest(ojs, tmp_path, import_settings)
    assert ojs.requests
    assert {r.user_agent for r in ojs.requests} == {USER_AGENT}
    assert "jats-oai" in USER_AGENT
    assert max(r.in_flight for r in ojs.requests) == 1


def test_an_interrupted_harvest_resumes_at_the_page_it_had_not_finished(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    seen: list[str] = []

    def stop_on_the_second_page(identifier: str) -> None:
        seen.append(identifier)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Harvest(ojs.base_url, tmp_path, settings=import_settings,
                on_record=stop_on_the_second_page).run()
    assert len(files(tmp_path)) == 2  # the first page's records, each written whole
    assert not list(tmp_path.rglob("*.part"))
    ojs.requests.clear()
    summary = harvest(ojs, tmp_path, import_settings)
    assert summary.resumed
    assert "resumptionToken" in list_requests(ojs)[0]
    assert len(files(tmp_path)) == 4


def test_a_record_that_cannot_be_converted_is_reported_and_the_others_taken(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    ojs.put(history_article(2, titles={}))
    summary = harvest(ojs, tmp_path, import_settings, prefix="oai_dc")
    assert summary.refused == [("oai:journals.bsu.by:article/5762", "the record has no dc:title")]
    assert sorted(files(tmp_path)) == [
        f"history/2023/04/{n}.xml" for n in (5761, 5763, 5764)]


def test_a_dry_run_writes_nothing(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    summary = harvest(ojs, tmp_path / "records", import_settings, dry_run=True)
    assert summary.added == 4
    assert not (tmp_path / "records").exists()


def test_the_command_line_harvests_and_prints_a_summary(
        ojs: OjsOaiServer, tmp_path: Path) -> None:
    env = server_env(tmp_path / "instance", "", "http://127.0.0.1:5000")
    done = subprocess.run(command("import", "oai", ojs.base_url, "--into", str(tmp_path / "r")),
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "history: 4 added, 0 changed, 0 unchanged, 0 deleted, 0 refused" in done.stdout
    assert (tmp_path / "r" / STATE_DIR).is_dir()


def test_import_all_refreshes_every_configured_series_with_a_summary_table(
        ojs: OjsOaiServer, tmp_path: Path) -> None:
    into = tmp_path / "records"
    into.mkdir()
    (into / "journals.toml").write_text(
        f'[history]\nname.en = "History"\noai.base_url = "{ojs.base_url}"\n', encoding="utf-8")
    env = server_env(tmp_path / "instance", "", "http://127.0.0.1:5000")
    done = subprocess.run(command("import", "all", "--into", str(into)),
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    header, row = done.stdout.splitlines()[:2]
    assert header.split() == ["series", "added", "changed", "deleted", "refused"]
    assert row.split() == ["history", "4", "0", "0", "0"]


def test_import_all_shows_one_progress_bar_counting_records(
        ojs: OjsOaiServer, tmp_path: Path) -> None:
    into = tmp_path / "records"
    into.mkdir()
    (into / "journals.toml").write_text(
        f'[history]\nname.en = "History"\noai.base_url = "{ojs.base_url}"\n', encoding="utf-8")
    env = server_env(tmp_path / "instance", "", "http://127.0.0.1:5000")
    done = subprocess.run(command("import", "all", "--into", str(into), "--progress"),
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # the source's five records (one of them deleted), not its one series
    assert "5/5 records" in done.stderr and "history" in done.stderr
    assert "/1 " not in done.stderr  # not one step per series


@pytest.mark.parametrize("page_size", [2, 100])
def test_a_harvest_says_how_many_records_it_expects(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings, page_size: int) -> None:
    """From the first page's completeListSize (section 3.5) when the list takes several
    pages; a list on one page has no resumptionToken, so its records are the count."""
    ojs.page_size = page_size
    expected: list[int] = []
    seen: list[str] = []
    summary = harvest(ojs, tmp_path, import_settings, on_expected=expected.append,
                      on_record=seen.append)
    assert expected == [len(seen)] == [5]  # four live records and a deleted one
    assert summary.added == 4


def test_a_file_the_harvest_did_not_write_is_never_overwritten(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings, records_dir: Path) -> None:
    """The seed, written by hand from the article page, has the path OJS's article 5763 gets."""
    seed = tmp_path / "history/2023/04/5763.xml"
    seed.parent.mkdir(parents=True)
    seed.write_bytes((records_dir / "history/2023/04/5763.xml").read_bytes())
    ojs.put(history_article(3))
    summary = harvest(ojs, tmp_path, import_settings)
    assert summary.refused == [("oai:journals.bsu.by:article/5763",
                                "history/2023/04/5763.xml exists and was not written by this "
                                "harvest: it is kept as it is")]
    assert seed.read_bytes() == (records_dir / "history/2023/04/5763.xml").read_bytes()
    assert summary.added == 3


def test_server_errors_are_retried_with_growing_waits(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    waits: list[float] = []
    ojs.failures = [500, 502]
    client = PoliteSickle(ojs.base_url, sleep=waits.append)
    summary = Harvest(ojs.base_url, tmp_path, settings=import_settings, client=client).run()
    assert summary.added == 4
    assert waits == [2.0, 4.0]


def test_an_unreachable_source_is_retried_then_reported(
        tmp_path: Path, import_settings: Settings) -> None:
    waits: list[float] = []
    url = f"http://127.0.0.1:{free_port()}/index.php/history/oai"
    client = PoliteSickle(url, retries=3, sleep=waits.append)
    with pytest.raises(HarvestFailed, match="127.0.0.1"):
        Harvest(url, tmp_path, settings=import_settings, client=client).run()
    assert waits == [2.0, 4.0, 8.0]
    assert not tmp_path.joinpath(STATE_DIR).exists()


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    assert retry_after("7", 60.0) == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 60.0) == 0.0  # a date already past
    assert retry_after("soon", 60.0) == 60.0
    assert retry_after("999999", 60.0) == 3600.0


def test_a_journal_line_cut_short_by_a_crash_is_ignored(
        ojs: OjsOaiServer, tmp_path: Path, import_settings: Settings) -> None:
    def stop_on_the_second_page(identifier: str) -> None:
        if identifier.endswith("/5763"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Harvest(ojs.base_url, tmp_path, settings=import_settings,
                on_record=stop_on_the_second_page).run()
    (journal,) = (tmp_path / STATE_DIR).glob("*.log")
    with journal.open("ab") as fh:
        fh.write(b'{"pending": {"started": "2')
    summary = harvest(ojs, tmp_path, import_settings)
    assert summary.resumed
    assert len(files(tmp_path)) == 4
    assert not list((tmp_path / STATE_DIR).glob("*.log"))  # folded into the state at the end
