"""The first start of an instance, as a newcomer meets it: one bad file never keeps the service
down, every command reads one instance settings file, and the output says in plain words what
was left out and what still keeps harvesters away."""

from __future__ import annotations

import http.client
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli import main
from app.config import load_settings, readiness, write_instance_file
from app.factory import open_store
from app.rejections import Rejection, read_rejections, record_rejections
from tests.server import RunningServer, command, server_env, start_server
from tests.web_support import web_app

SEED = Path("history/2023/04/5763.xml")
BROKEN = (b'<article dtd-version="1.3"><front><article-meta/></front>'
          b"<body><p><no-such/></p></body></article>")  # two problems


@pytest.fixture
def records_with_a_bad_file(tmp_path: Path, records_dir: Path) -> Path:
    folder = tmp_path / "records"
    shutil.copytree(records_dir, folder)
    (folder / "history" / "2023" / "04" / "broken.xml").write_bytes(BROKEN)
    (folder / "not-xml.xml").write_bytes(b"this is not XML")
    return folder


def _serve(tmp_path: Path, *args: str, **settings: object) -> RunningServer:
    return start_server(tmp_path / "instance", f"sqlite:///{tmp_path / 'store.sqlite3'}",
                        serve_args=list(args), **settings)


@pytest.mark.server
def test_a_rejected_file_is_reported_and_the_others_are_served(
    tmp_path: Path, records_with_a_bad_file: Path
) -> None:
    server = _serve(tmp_path, "--load", str(records_with_a_bad_file))
    try:
        with urllib.request.urlopen(
            f"{server.oai_url}?verb=GetRecord&metadataPrefix=oai_dc"
            "&identifier=oai:journals.bsu.by:history/5763", timeout=30
        ) as answer:
            assert b"<GetRecord>" in answer.read()
        log = server.log()
        assert "2 rejected" in log
        assert "2 files rejected by the last load" in log
        assert len([line for line in log.splitlines() if "broken.xml:" in line]) == 1, log
        assert len([line for line in log.splitlines() if "not-xml.xml:" in line]) == 1, log
        assert "{http" not in log, "raw libxml2 names reach the user"
        status = server.run_cli("records", "status")
        assert status.returncode == 0, status.stderr
        assert "1 live records; 1 given in every format" in status.stdout
        assert "broken.xml" in status.stdout and "not-xml.xml" in status.stdout
        load = server.run_cli("records", "load", str(records_with_a_bad_file))
        assert load.returncode == 1, "scripts rely on a non-zero exit when a file is refused"
    finally:
        server.stop()


def test_each_rejection_is_one_line_with_the_first_problem_and_a_count(tmp_path: Path) -> None:
    item = Rejection("/srv/records/a.xml", "3:7: <front> lacks a required child", 4)
    assert item.line() == (
        "/srv/records/a.xml:3:7: <front> lacks a required child (and 3 more problems)")
    record_rejections(tmp_path, "/srv/records", [item])
    record_rejections(tmp_path, "/srv/other", [Rejection("/srv/other/b.xml", "bad", 1)])
    assert [r.path for r in read_rejections(tmp_path)] == ["/srv/other/b.xml",
                                                          "/srv/records/a.xml"]
    record_rejections(tmp_path, "/srv/records", [])  # corrected and loaded again
    assert [r.path for r in read_rejections(tmp_path)] == ["/srv/other/b.xml"]


@pytest.mark.server
def test_the_jats_download_sends_one_date_header(tmp_path: Path, records_dir: Path) -> None:
    server = _serve(tmp_path, "--load", str(records_dir))
    try:
        host, port = server.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("GET", "/jats/history/5763")
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 200
        assert len(answer.msg.get_all("Date") or []) == 1
        conn.close()
    finally:
        server.stop()


def test_the_first_start_pins_the_public_url_for_every_command(tmp_path: Path) -> None:
    settings = load_settings(instance_dir=tmp_path)
    written = write_instance_file(settings, public_url="http://127.0.0.1:5301")
    assert written == tmp_path / "config.toml"
    again = load_settings(instance_dir=tmp_path)
    assert again.public_url == "http://127.0.0.1:5301"
    assert again.database_url == settings.effective_database_url
    # a later start on another port changes nothing by itself
    assert write_instance_file(again, public_url="http://127.0.0.1:5000") is None
    assert load_settings(instance_dir=tmp_path).public_url == "http://127.0.0.1:5301"


def test_changing_the_public_url_is_an_explicit_reported_step(
    tmp_path: Path, records_dir: Path
) -> None:
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'store.sqlite3'}", "")
    del env["JATS_OAI_PUBLIC_URL"]
    write_instance_file(load_settings(instance_dir=tmp_path), public_url="http://127.0.0.1:5301")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command(*args), env=env, capture_output=True, text=True,
                              timeout=300)

    assert cli("records", "load", str(records_dir)).returncode == 0
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        assert str(store.summary("history/5763")["article_url"]).startswith(
            "http://127.0.0.1:5301/")
    finally:
        store.close()
    changed = cli("config", "set", "public_url", "https://journals.example.by")
    assert changed.returncode == 0, changed.stderr
    assert "http://127.0.0.1:5301 -> https://journals.example.by" in changed.stdout
    assert "records load --full" in changed.stdout
    assert load_settings(instance_dir=tmp_path).public_url == "https://journals.example.by"


def test_placeholders_that_harvesters_refuse_are_named(tmp_path: Path) -> None:
    notes = readiness(load_settings(instance_dir=tmp_path))
    assert len(notes) == 3
    assert "admin_email" in notes[0] and "public_url" in notes[1]
    assert "repository_name" in notes[2]
    (tmp_path / "config.toml").write_text(
        'admin_email = "oai@bsu.by"\npublic_url = "https://journals.bsu.by"\n'
        'repository_name = "Journal of the Belarusian State University"\n', encoding="utf-8")
    assert readiness(load_settings(instance_dir=tmp_path)) == []


def test_signed_in_librarians_see_the_rejected_files(tmp_path: Path, store_url: str) -> None:
    with web_app(tmp_path, store_url) as web:
        record_rejections(web.settings.instance_dir, "/srv/records", [
            Rejection("/srv/records/history/2023/04/bad.xml",
                      "1:10: <front> lacks journal-meta", 2),
        ])
        client = web.client()
        assert client.get("/status").status_code == 302  # anonymous: sent to sign in
        web.login(client)
        page = client.get("/status").get_data(as_text=True)
        assert "/srv/records/history/2023/04/bad.xml" in page
        assert "&lt;front&gt; lacks journal-meta" in page
        assert "admin_email is a placeholder" in page


@pytest.mark.server
@pytest.mark.slow
def test_sighup_replaces_the_gunicorn_workers_without_stopping_the_service(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path / "instance", f"sqlite:///{tmp_path / 'store.sqlite3'}",
                          workers=2)
    try:
        before = _until(lambda: _workers(server), lambda pids: len(pids) == 2)
        server.process.send_signal(signal.SIGHUP)
        after = _until(lambda: _workers(server),
                       lambda pids: len(pids) == 2 and not set(pids) & set(before))
        assert not set(after) & set(before), "the old workers are still there"
        with urllib.request.urlopen(f"{server.oai_url}?verb=Identify", timeout=30) as answer:
            assert answer.status == 200
        assert server.process.poll() is None
    finally:
        server.stop()


def _workers(server: RunningServer) -> list[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return [int(pid) for pid in children.read_text().split()]


def _until(get: Callable[[], list[int]], done: Callable[[list[int]], bool]) -> list[int]:
    """Poll for up to a minute (workers start and stop in their own time)."""
    deadline = time.monotonic() + 60
    value = get()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = get()
    assert done(value), value
    return value


def test_a_load_says_in_plain_words_one_line_per_rejected_file(
    tmp_path: Path, records_with_a_bad_file: Path, corpus_dir: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    for path in sorted((corpus_dir / "jats-real").glob("*.xml"))[:6]:
        shutil.copy(path, records_with_a_bad_file / path.name)
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.delenv("JATS_OAI_DATABASE_URL", raising=False)
    assert main(["records", "load", str(records_with_a_bad_file)]) == 1
    err = capsys.readouterr().err
    assert "{http" not in err, "raw libxml2 names reach the user"
    rejected = [line for line in err.splitlines() if line.startswith("rejected ")]
    assert len(rejected) == 2, err
    assert len(err.splitlines()) <= 3, err  # and at most one line about left-out formats

    assert main(["records", "load", "--full", "--verbose", str(records_with_a_bad_file)]) == 1
    verbose = capsys.readouterr()
    problems = sum(r.problems for r in read_rejections(tmp_path / "instance"))
    assert problems > len(rejected)  # the broken article has more than one
    assert len(verbose.err.splitlines()) >= problems  # every problem, with --verbose
    assert "unchanged" in verbose.out
