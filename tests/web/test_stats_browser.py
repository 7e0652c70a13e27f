"""The statistics pages in Chromium against the real server with two gunicorn workers.

The collection is built so every figure is known: six articles loaded (three in 2023 no. 4,
three in 2022 no. 2), one file that is not valid JATS (rejected), and one article whose file
is then removed and loaded again (withdrawn). ``/stats`` must draw one SVG bar per count,
each the length of its count, with the same numbers in its table, in ``/stats.json`` and in
``/stats.csv``, with or without JavaScript. Two harvesters (told apart by their User-Agent)
then harvest; the librarians' page ``/stats/harvesters`` and ``/metrics`` must count each
one's records. Screenshots go to ``test-artifacts/`` (not in git).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from sickle import Sickle

from app.config import REPO_ROOT
from app.web.charts import BAR_AREA
from tests.server import (
    STORE_KINDS,
    TEST_DATABASE_URL,
    RunningServer,
    command,
    start_server,
)
from tests.web_support import ARTIFACTS, PASSWORD, broken_seed, seed_bytes, variant

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

LIBRARIAN = "librarian"
SICKLE_AGENT = "Sickle/0.7 (statistics test)"
CORE_AGENT = "CORE/0.6 (+https://core.ac.uk/harvesting)"

#: What the collection holds once built (see the module's docstring).
EXPECTED_STATE = {"valid": 5, "rejected": 1, "withdrawn": 1}
EXPECTED_YEARS = {"2023": 3, "2022": 2}
EXPECTED_ISSUES = {"history:2023-4": 3, "history:2022-2": 2}


def _collection(folder: Path) -> Path:
    root = folder / "records"
    files = {
        "history/2023/04/5763.xml": seed_bytes(),
        "history/2023/04/6101.xml": variant("6101", fpage="73", lpage="80"),
        "history/2023/04/6102.xml": variant("6102", fpage="81", lpage="90"),
        "history/2022/02/6201.xml": variant("6201", year="2022", issue="2"),
        "history/2022/02/6202.xml": variant("6202", year="2022", issue="2", fpage="91",
                                            lpage="99"),
        "history/2022/02/6203.xml": variant("6203", year="2022", issue="2", fpage="100",
                                            lpage="110"),
        "history/2022/02/broken.xml": broken_seed()[0],
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    shutil.copy(REPO_ROOT / "records" / "journals.toml", root / "journals.toml")
    return root


@pytest.fixture(scope="module", params=STORE_KINDS)
def database_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite, and PostgreSQL (a schema of its own) when the tests have one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('stats-store') / 'store.sqlite3'}"
        return
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{TEST_DATABASE_URL}{'&' if '?' in TEST_DATABASE_URL else '?'}" \
              f"options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="module")
def server(database_url: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = tmp_path_factory.mktemp("stats")
    records = _collection(folder)
    running = start_server(folder / "instance", database_url,
                           workers=2, oai_page_size=2, harvest_stats_flush_seconds=1,
                           max_withdraw_percent=50)
    try:
        for _ in range(2):  # a rejected file makes the load exit 1, and loses nothing
            done = running.run_cli("records", "load", str(records))
            assert done.returncode == 1 and "1 rejected" in done.stdout, done.stdout
            (records / "history/2022/02/6203.xml").unlink(missing_ok=True)
        made = subprocess.run(
            command("users", "add", LIBRARIAN, "--password-stdin"), env=running.env,
            input=PASSWORD + "\n", capture_output=True, text=True, timeout=120,
        )
        assert made.returncode == 0, made.stderr
        yield running
    finally:
        running.stop()




def _page(browser: Browser, *, javascript: bool) -> Page:
    context = browser.new_context(viewport={"width": 1200, "height": 900},
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def _counts(table: dict) -> dict[tuple[str, str], int]:
    return {(row["label"], column): count
            for row in table["rows"] for column, count in row["counts"].items()}


def _check_charts(page: Page, figures: dict) -> None:
    """Each chart has one bar per (row, column) of its figure, as long as its count."""
    for table in figures["tables"]:
        expected = _counts(table)
        bars = page.locator(f"svg#chart-{table['key']} rect.bar")
        assert bars.count() == len(expected), table["key"]
        largest = max(expected.values(), default=0)
        drawn = {}
        for i in range(bars.count()):
            bar = bars.nth(i)
            key = (bar.get_attribute("data-label"), bar.get_attribute("data-column"))
            drawn[key] = int(bar.get_attribute("data-count"))
            width = float(bar.get_attribute("width"))
            assert width == pytest.approx(BAR_AREA * drawn[key] / (largest or 1), abs=0.1)
        assert drawn == expected, table["key"]
        cells = page.locator(f"table#data-{table['key']} tbody tr")
        shown = {}
        for i in range(cells.count()):
            row = cells.nth(i)
            label = row.locator("th").inner_text()
            for column, cell in zip(table["columns"], row.locator("td").all_inner_texts(),
                                    strict=True):
                shown[(label, column)] = int(cell)
        assert shown == expected, table["key"]


def test_the_statistics_page_draws_the_collection(
    server: RunningServer, browser: Browser
) -> None:
    figures = requests.get(f"{server.url}/stats.json", timeout=30).json()
    tables = {t["key"]: _counts(t) for t in figures["tables"]}
    assert {label: n for (label, _), n in tables["state"].items()} == EXPECTED_STATE
    assert {label: n for (label, _), n in tables["year"].items()} == EXPECTED_YEARS
    assert {label: n for (label, _), n in tables["issue"].items()} == EXPECTED_ISSUES
    assert {label: n for (label, _), n in tables["series"].items()} == {"history": 5}
    assert {label for label, _ in tables["format"]} >= {"oai_dc", "marcxml", "oai_openaire"}
    assert tables["format"][("oai_dc", "records")] == 5
    assert sum(n for (_, col), n in tables["changes"].items() if col == "deposits") == 6
    assert sum(n for (_, col), n in tables["changes"].items() if col == "withdrawals") == 1

    page = _page(browser, javascript=True)
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="The collection in figures").click()
    page.wait_for_selector("svg.chart")
    _check_charts(page, figures)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "stats-page.png"), full_page=True)
    page.context.close()


def test_the_statistics_page_needs_no_javascript(
    server: RunningServer, browser: Browser
) -> None:
    figures = requests.get(f"{server.url}/stats.json", timeout=30).json()
    page = _page(browser, javascript=False)
    answer = page.goto(f"{server.url}/stats")
    assert answer is not None and answer.ok
    assert page.locator("script").count() == 0
    assert page.locator("svg.chart").count() == len(figures["tables"])
    assert page.locator("svg#chart-state").is_visible()
    _check_charts(page, figures)
    page.context.close()


def test_the_csv_holds_the_json_figures(server: RunningServer) -> None:
    figures = requests.get(f"{server.url}/stats.json", timeout=30).json()
    answer = requests.get(f"{server.url}/stats.csv", timeout=30)
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    from_csv = {(r["table"], r["label"], r["column"]): int(r["count"]) for r in rows}
    from_json = {(t["key"], label, column): n
                 for t in figures["tables"] for (label, column), n in _counts(t).items()}
    assert from_csv == from_json and len(rows) == len(from_json)


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{([^}}]*)\}})? (\S+)$", re.M)
    for found in pattern.finditer(text):
        got = ",".join(sorted((found.group(1) or "").split(","))) if found.group(1) else ""
        if got == wanted:
            return float(found.group(2))
    return 0.0


def test_two_harvesters_are_told_apart(server: RunningServer, browser: Browser) -> None:
    sickle = Sickle(server.oai_url, headers={"User-Agent": SICKLE_AGENT}, max_retries=0)
    by_sickle = list(sickle.ListRecords(metadataPrefix="oai_dc"))
    assert len(by_sickle) == 6  # five live records and the withdrawn one's header
    core = requests.Session()
    core.headers["User-Agent"] = CORE_AGENT
    params: dict[str, str] = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc",
                              "set": "history:2023-4"}
    listed = 0
    while True:
        body = core.get(server.oai_url, params=params, timeout=30).text
        listed += body.count("<header")
        token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
        if not token:
            break
        params = {"verb": "ListIdentifiers", "resumptionToken": token.group(1)}
    assert listed == 3

    page = _page(browser, javascript=True)
    page.goto(f"{server.url}/login")
    page.fill("#name", LIBRARIAN)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    deadline = time.monotonic() + 30
    while True:  # each worker writes its counts every second
        page.goto(f"{server.url}/stats/harvesters")
        rows = {name: page.locator(f"tr[data-harvester={name}]") for name in ("Sickle", "CORE")}
        if all(r.count() for r in rows.values()) and \
                rows["Sickle"].locator("td.records").inner_text() == "6" and \
                rows["CORE"].locator("td.records").inner_text() == "3":
            break
        assert time.monotonic() < deadline, page.inner_text("#harvesters")
        time.sleep(0.5)
    assert "ListRecords oai_dc (all)" in rows["Sickle"].locator("td.complete").inner_text()
    assert "6 records" in rows["Sickle"].locator("td.complete").inner_text()
    assert "ListIdentifiers oai_dc (history:2023-4)" in \
        rows["CORE"].locator("td.complete").inner_text()
    assert page.locator("svg#chart-served rect.bar").count() >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "harvesters-page.png"), full_page=True)
    page.context.close()

    metrics = requests.get(f"{server.url}/metrics", timeout=30)
    assert metrics.status_code == 200
    assert _metric(metrics.text, "jats_oai_oai_records_served_total", prefix="oai_dc") == 9
    requests_counted = sum(
        _metric(metrics.text, "jats_oai_oai_requests_total", verb=verb, status="200")
        for verb in ("ListRecords", "ListIdentifiers"))
    assert requests_counted >= 3 + 2  # oai_page_size is 2: three pages, then two
    assert _metric(metrics.text, "jats_oai_records", state="valid") == 5
    assert _metric(metrics.text, "jats_oai_rejected_files") == 1
    assert _metric(metrics.text, "jats_oai_last_run_outcome", kind="load",
                   outcome="refused") == 1
    assert _metric(metrics.text, "jats_oai_last_run_timestamp_seconds", kind="load") > 0
