"""Statistics, harvest counters and ``/metrics``, on SQLite and PostgreSQL alike.

The collection's figures come from the store; every OAI-PMH answer is counted in memory and
written in batches (one row per hour and kind of request, never one write per request), with
the client cut to its network; ``/metrics`` answers only the allowed addresses or the bearer
token; ``jats-oai stats --json`` prints the page's figures.
"""

from __future__ import annotations

import io
import json
import re
import time
from argparse import Namespace
from pathlib import Path

import pytest

from app.oai.harvest_log import client_network, harvester_family
from app.oai.views import oai_state
from app.stats import collection_stats
from app.store.harvest_stats import HOUR, HourCounts, HourKey, add_counts, hourly, prune
from tests.web_support import Web, html_problems, web_app

SICKLE = "Sickle/0.7"
CLIENT = "203.0.113.57"


@pytest.mark.parametrize(("agent", "family"), [
    ("Mozilla/5.0 (compatible; BASE-Crawler; +http://www.base-search.net)", "BASE"),
    ("Bielefeld Academic Search Engine harvester", "BASE"),
    ("CORE/0.6 (+https://core.ac.uk)", "CORE"),
    ("OpenAIRE Graph aggregator", "OpenAIRE"),
    ("Mozilla/5.0 (compatible; Googlebot/2.1)", "Google"),
    ("Sickle/0.7", "Sickle"),
    ("python-requests/2.31 (database export)", "other"),
    (None, "other"),
])
def test_harvesters_are_told_by_their_user_agent(agent: str | None, family: str) -> None:
    assert harvester_family(agent) == family


@pytest.mark.parametrize(("address", "kept"), [
    ("203.0.113.57", "203.0.113.0/24"),
    ("::ffff:203.0.113.57", "203.0.113.0/24"),
    ("999.0.113.57", "-"),
    ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"),
    ("not an address", "-"),
])
def test_a_client_address_is_never_kept_whole(address: str, kept: str) -> None:
    assert client_network(address) == kept


def _harvest(web: Web, agent: str, *queries: str) -> list[str]:
    client = web.client()
    return [client.get(f"/oai?{q}", headers={"User-Agent": agent},
                       environ_base={"REMOTE_ADDR": CLIENT}).get_data(as_text=True)
            for q in queries]


def test_counts_are_written_in_one_batch(tmp_path: Path, store_url: str) -> None:
    with web_app(tmp_path, store_url, harvest_stats_flush_seconds=3600) as web:
        _harvest(web, SICKLE, *["verb=ListRecords&metadataPrefix=oai_dc"] * 5)
        assert hourly(web.store) == []  # nothing written on the requests' path
        oai_state(web.app).recorder.flush()
        rows = hourly(web.store)
    assert len(rows) == 1
    key, counts = rows[0]
    assert (key.harvester, key.verb, key.prefix, key.status, key.error) == \
        ("Sickle", "ListRecords", "oai_dc", 200, "")
    assert key.client == "203.0.113.0/24" and CLIENT not in repr(rows)
    assert (counts.requests, counts.records) == (5, 5)
    assert key.hour % HOUR == 0


def test_errors_503s_and_complete_harvests_per_harvester(
    tmp_path: Path, store_url: str
) -> None:
    with web_app(tmp_path, store_url, harvest_stats_flush_seconds=3600,
                 rate_limit_per_minute=3) as web:
        _harvest(web, "CORE/0.6", "verb=ListIdentifiers&metadataPrefix=oai_dc",
                 "verb=ListRecords&resumptionToken=forged", "verb=Identify",
                 "verb=Identify")
        oai_state(web.app).recorder.flush()
        client = web.client()
        web.login(client)
        page = client.get("/stats/harvesters").get_data(as_text=True)
    assert html_problems(page) == []
    row = re.search(r'<tr data-harvester="CORE">(.*?)</tr>', page, re.S)
    assert row, page
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    requests_, records, errors, unavailable = (int(c) for c in cells[:4])
    assert (requests_, records, errors, unavailable) == (4, 1, 1, 1)
    assert "ListIdentifiers oai_dc (all)" in cells[-1] and "1 records" in cells[-1]


def test_the_harvesters_page_is_for_signed_in_librarians(
    tmp_path: Path, store_url: str
) -> None:
    with web_app(tmp_path, store_url) as web:
        answer = web.client().get("/stats/harvesters")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_counting_can_be_turned_off(tmp_path: Path, store_url: str) -> None:
    with web_app(tmp_path, store_url, harvest_stats_days=0) as web:
        _harvest(web, SICKLE, "verb=Identify")
        assert oai_state(web.app).recorder is None
        assert hourly(web.store) == []


def test_old_counts_are_forgotten(tmp_path: Path, store_url: str) -> None:
    with web_app(tmp_path, store_url) as web:
        now = int(time.time())
        old, new = now - 500 * 86400, now - now % HOUR
        for hour in (old - old % HOUR, new):
            add_counts(web.store, {HourKey(hour, "BASE", "-", "Identify", "", "", 200, ""):
                                   HourCounts(1, 0, 3)})
        add_counts(web.store, {HourKey(new, "BASE", "-", "Identify", "", "", 200, ""):
                               HourCounts(2, 0, 4)})
        assert prune(web.store, now - 400 * 86400) == 1
        rows = hourly(web.store)
    assert [(k.hour, c.requests, c.duration_ms) for k, c in rows] == [(new, 3, 7)]


def test_metrics_answer_only_allowed_clients(tmp_path: Path, store_url: str) -> None:
    with web_app(tmp_path, store_url, metrics_token="s3cret-scrape") as web:
        _harvest(web, SICKLE, "verb=ListRecords&metadataPrefix=oai_dc")
        client = web.client()
        local = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
        stranger = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"})
        wrong = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"},
                           headers={"Authorization": "Bearer guess"})
        bearer = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"},
                            headers={"Authorization": "Bearer s3cret-scrape"})
    assert (stranger.status_code, wrong.status_code) == (403, 403)
    assert local.status_code == bearer.status_code == 200
    text = local.get_data(as_text=True)
    assert 'jats_oai_records{state="valid"} 1.0' in text
    assert re.search(r'jats_oai_oai_records_served_total\{prefix="oai_dc"\} [1-9]', text)
    assert 'jats_oai_records_by_format{prefix="oai_dc"} 1.0' in text


def test_the_json_and_csv_hold_the_same_figures(tmp_path: Path, store_url: str) -> None:
    with web_app(tmp_path, store_url) as web:
        client = web.client()
        figures = client.get("/stats.json").get_json()
        lines = client.get("/stats.csv").get_data(as_text=True).splitlines()
        page = client.get("/stats").get_data(as_text=True)
    from_json = {f"{t['key']},{row['label']},{column},{count}"
                 for t in figures["tables"] for row in t["rows"]
                 for column, count in row["counts"].items()}
    assert lines[0] == "table,label,column,count" and set(lines[1:]) == from_json
    state = {row["label"]: row["counts"]["records"] for row in figures["tables"][0]["rows"]}
    assert state == {"valid": 1, "rejected": 0, "withdrawn": 0}
    assert "<script" not in page and page.count('<svg class="chart"') == len(figures["tables"])
    assert html_problems(page) == []


def test_the_command_prints_the_page_figures(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import stats as command

    with web_app(tmp_path, store_url) as web:
        _harvest(web, SICKLE, "verb=ListRecords&metadataPrefix=oai_dc")
        oai_state(web.app).recorder.flush()
        expected = collection_stats(web.store, web.settings).as_json()["tables"]
        monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(web.settings.instance_dir))
        monkeypatch.setenv("JATS_OAI_DATABASE_URL", store_url)
        out = io.StringIO()
        assert command.run(Namespace(json=True), out) == 0
        data = json.loads(out.getvalue())
        text = io.StringIO()
        assert command.run(Namespace(json=False), text) == 0
    assert data["tables"] == expected
    assert [(h["harvester"], h["records"]) for h in data["harvesters"]] == [("Sickle", 1)]
    assert "Records per issue" in text.getvalue() and "Sickle" in text.getvalue()


def test_metrics_tell_the_last_load_and_import(tmp_path: Path, store_url: str) -> None:
    from app.runs import note_run

    with web_app(tmp_path, store_url) as web:
        note_run(web.settings.instance_dir, "load", "ok", "1 file: 1 added")
        note_run(web.settings.instance_dir, "import", "failed", "the source did not answer")
        text = web.client().get("/metrics").get_data(as_text=True)
    assert 'jats_oai_last_run_outcome{kind="load",outcome="ok"} 1.0' in text
    assert 'jats_oai_last_run_outcome{kind="import",outcome="failed"} 1.0' in text
    assert 'jats_oai_last_run_outcome{kind="import",outcome="ok"} 0.0' in text
