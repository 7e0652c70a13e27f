"""The eight holes a probe of the service found, each kept closed by a test (issue 14).

1. ``javascript:`` addresses in a deposited record never become links or headers.
2. A load that would withdraw a large share of the collection withdraws nothing.
3. Signing out ends the session on the server: a copied cookie opens nothing.
4. Sign-in throttling is shared by every worker and never locks the owner out.
5. An unreachable store gives harvesters 503 with Retry-After, pages a plain 503.
6. Protective headers on every answer; the baseURL comes from the configured public URL.
7. Only an administrator acts on records someone else deposited; the audit trail says so.
8. A chunked oversize upload is refused truthfully; the session cookie reveals nothing.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree

from app.cli import main as cli_main
from app.cli.records import MassWithdrawal, load_folder
from app.factory import create_app, services
from app.ingest import Prepared, commit, prepare
from app.store import postgres
from app.store.postgres import PostgresStore
from app.web.passwords import hash_password
from tests.builders import jats_records
from tests.web_support import (
    ADMIN,
    EDITOR,
    PASSWORD,
    SEED_ID,
    Web,
    csrf_from,
    seed_bytes,
    variant,
    web_app,
)

LIMIT = 256 * 1024
HOSTILE = "javascript:alert(document.cookie)"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"


@pytest.fixture
def web_settings() -> dict[str, object]:
    return {"max_upload_bytes": LIMIT}


def _hostile_seed() -> bytes:
    """The seed whose self-uri and licence point at ``javascript:``."""
    text = seed_bytes().decode("utf-8")
    text = re.sub(
        r'<self-uri xlink:href="[^"]*"/>',
        '<permissions><license xlink:href="' + HOSTILE + '"><license-p>Free to read.'
        '</license-p></license></permissions>\n      <self-uri xlink:href="' + HOSTILE + '"/>',
        text, count=1,
    )
    assert HOSTILE in text
    return text.encode("utf-8")


def _from_address(web: Web, address: str) -> FlaskClient:
    client = web.client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login_page_token(client: FlaskClient) -> str:
    return csrf_from(client.get("/login").get_data(as_text=True))


def _try_login(client: FlaskClient, name: str, password: str) -> int:
    token = _login_page_token(client)
    return client.post(
        "/login", data={"name": name, "password": password, "csrf_token": token}
    ).status_code


# --- 1. javascript: URIs ------------------------------------------------------------------

def test_1_a_javascript_self_uri_or_licence_becomes_no_link_header_or_payload_address(
    web: Web,
) -> None:
    prepared = prepare(_hostile_seed(), settings=web.settings, origin="deposit")
    assert isinstance(prepared, Prepared), prepared
    commit(web.store, prepared, actor=EDITOR)
    page = web.client().get(f"/articles/{SEED_ID}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "javascript:" not in html
    assert "javascript" not in page.headers["Link"]
    assert f'<http://127.0.0.1:5000/articles/{SEED_ID}>; rel="cite-as"' in page.headers["Link"]
    for prefix in web.store.formats_of(SEED_ID):
        if prefix != "jats":  # the JATS format is the deposited file itself, kept as data
            assert b"javascript:" not in (web.store.payload(SEED_ID, prefix) or b""), prefix


# --- 2. mass withdrawal ---------------------------------------------------------------------

@pytest.fixture
def loaded_folder(tmp_path: Path, web: Web, records_dir: Path) -> Path:
    root = tmp_path / "records"
    for rel, data in jats_records(12, seed=3):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    shutil.copy(records_dir / "journals.toml", root / "journals.toml")
    load_folder(root, settings=web.settings, store=web.store, jobs=1, out=io.StringIO(),
                err=io.StringIO())
    return root


def _live(web: Web) -> int:
    return sum(1 for _ in web.store.iter_identifiers())


def test_2_an_empty_folder_withdraws_nothing_and_names_the_confirming_flag(
    web: Web, loaded_folder: Path
) -> None:
    before = _live(web)
    for path in loaded_folder.rglob("*.xml"):
        path.unlink()
    with pytest.raises(MassWithdrawal) as refused:
        load_folder(loaded_folder, settings=web.settings, store=web.store, jobs=1,
                    out=io.StringIO(), err=io.StringIO())
    assert "would withdraw 12 records" in str(refused.value)
    assert "--allow-withdrawals" in str(refused.value)
    assert _live(web) == before
    report = load_folder(loaded_folder, settings=web.settings, store=web.store, jobs=1,
                         out=io.StringIO(), err=io.StringIO(), allow_withdrawals=True)
    assert report.withdrawn == 12 and _live(web) == before - 12


def test_2_the_command_stops_over_the_share_and_exits_non_zero(
    web: Web, loaded_folder: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(web.settings.instance_dir))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", web.settings.database_url)
    files = sorted(loaded_folder.rglob("*.xml"))
    for path in files[:2]:  # 2 of 13 live records: over 10%
        path.unlink()
    before = _live(web)
    assert cli_main(["records", "load", str(loaded_folder)]) == 2
    err = capsys.readouterr().err
    assert "would withdraw 2 records" in err and "--allow-withdrawals" in err
    assert _live(web) == before
    monkeypatch.setenv("JATS_OAI_MAX_WITHDRAW_PERCENT", "20")
    assert cli_main(["records", "load", str(loaded_folder)]) == 0
    assert _live(web) == before - 2


# --- 3. sign-out ends the session -----------------------------------------------------------

def test_3_a_cookie_copied_before_sign_out_opens_nothing_afterwards(web: Web) -> None:
    client = web.client()
    web.login(client)
    copied = client.get_cookie("jats_oai_session")
    assert copied is not None
    token = csrf_from(client.get("/deposit").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = web.client()
    thief.set_cookie("jats_oai_session", copied.value)
    assert thief.get("/deposit").status_code == 302
    withdrawn = thief.post(f"/deposit/withdraw/{SEED_ID}",
                           data={"confirm": "yes", "csrf_token": token})
    assert withdrawn.status_code in (400, 401)
    assert not web.store.header(SEED_ID).deleted
    assert [e.action for e in web.store.audit_trail()][:2] == ["logout", "login"]


def test_3_a_new_password_ends_every_open_session(web: Web) -> None:
    client = web.client()
    web.login(client)
    assert client.get("/deposit").status_code == 200
    web.store.add_user(EDITOR, hash_password("another long password"))
    assert client.get("/deposit").status_code == 302


# --- 4. shared throttling -------------------------------------------------------------------

def test_4_guesses_spread_over_two_workers_are_counted_together(web: Web) -> None:
    """Two app instances on one store are two workers: five guesses in all, not per worker."""
    second = create_app(web.settings)
    try:
        clients = [web.client(), second.test_client()]
        codes = [_try_login(clients[i % 2], EDITOR, f"guess {i}") for i in range(8)]
        assert codes == [401] * 5 + [429] * 3
    finally:
        services(second).store.close()


def test_4_a_stranger_cannot_lock_the_owner_out(web: Web) -> None:
    owner = _from_address(web, "192.0.2.10")
    web.login(owner)
    token = csrf_from(owner.get("/deposit").get_data(as_text=True))
    owner.post("/logout", data={"csrf_token": token})
    stranger = _from_address(web, "198.51.100.7")
    codes = [_try_login(stranger, EDITOR, f"guess {i}") for i in range(7)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    # Another address, no earlier sign-in: the account is being guessed at, so it waits.
    other = _from_address(web, "203.0.113.3")
    assert _try_login(other, EDITOR, PASSWORD) == 429
    # The owner's own browser is counted apart and still gets in with the right password.
    assert _try_login(owner, EDITOR, PASSWORD) == 302
    assert owner.get("/deposit").status_code == 200


def test_4_one_address_guessing_many_names_is_throttled(web: Web) -> None:
    client = _from_address(web, "198.51.100.8")
    codes = [_try_login(client, f"name{i}", "guess") for i in range(6)]
    assert codes == [401] * 5 + [429]


# --- 5. store unreachable -------------------------------------------------------------------

@pytest.fixture
def unreachable(web: Web, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """The app's store replaced by a real PostgreSQL store whose server does not answer."""
    monkeypatch.setattr(postgres, "POOL_WAIT_SECONDS", 0.5)
    monkeypatch.setattr(postgres, "CONNECT_TIMEOUT_SECONDS", 1)
    svc = services(web.app)
    real = svc.store
    svc.store = PostgresStore("postgresql://nobody@127.0.0.1:9/none", run_migrations=False)
    try:
        yield web
    finally:
        svc.store.close()
        svc.store = real


def test_5_harvesters_get_503_with_retry_after_and_an_oai_body(unreachable: Web) -> None:
    """Section 3.1.2.2: a passing condition is HTTP 503 with Retry-After."""
    client = unreachable.client()
    for answer in (client.get("/oai?verb=Identify"),
                   client.post("/oai", data={"verb": "ListSets"})):
        assert answer.status_code == 503
        assert int(answer.headers["Retry-After"]) > 0
        assert answer.headers["Content-Type"].startswith("text/xml")
        root = etree.fromstring(answer.data)
        assert root.tag == f"{{{OAI_NS}}}OAI-PMH"
        assert root.find(f"{{{OAI_NS}}}responseDate") is not None


def test_5_pages_get_a_plain_503_page(unreachable: Web) -> None:
    answer = unreachable.client().get(f"/articles/{SEED_ID}")
    assert answer.status_code == 503
    assert "Retry-After" in answer.headers
    assert "cannot be reached" in answer.get_data(as_text=True)
    assert "Traceback" not in answer.get_data(as_text=True)


def test_5_pooled_connections_the_server_dropped_are_replaced(web: Web) -> None:
    """A PostgreSQL restart drops every connection; the first request afterwards succeeds."""
    store = web.store
    if not isinstance(store, PostgresStore):
        pytest.skip("only PostgreSQL pools connections")
    client = web.client()
    assert client.get("/oai?verb=Identify").status_code == 200
    import psycopg

    with psycopg.connect(store.url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    for _ in range(3):
        assert client.get(f"/articles/{SEED_ID}").status_code == 200
        assert client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").status_code == 200


# --- 6. protective headers and the public URL ----------------------------------------------

def test_6_every_answer_carries_a_strict_policy(web: Web) -> None:
    client = web.client()
    web.login(client)
    for path in ("/", "/deposit", f"/articles/{SEED_ID}", "/login", "/oai?verb=Identify",
                 "/no-such-page", f"/api/articles/{SEED_ID}"):
        answer = client.get(path)
        policy = answer.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy, path
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", path
        assert answer.headers.get("Referrer-Policy"), path
        if answer.mimetype == "text/html":
            scripts = re.findall(r"<script([^>]*)>", answer.get_data(as_text=True))
            assert all('type="application/ld+json"' in s for s in scripts), path


def test_6_a_forged_host_never_becomes_the_base_url(tmp_path: Path, store_url: str) -> None:
    """Section 4.2: with a public URL configured, baseURL is built from it alone."""
    with web_app(tmp_path, store_url, public_url="https://journals.example.org") as web:
        answer = web.client().get("/oai?verb=Identify", headers={"Host": "evil.example"})
        assert b"<baseURL>https://journals.example.org/oai</baseURL>" in answer.data
        assert b"evil.example" not in answer.data


# --- 7. roles -------------------------------------------------------------------------------

def _api_token(web: Web, name: str, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(web.settings.instance_dir))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", web.settings.database_url)
    capsys.readouterr()
    assert cli_main(["users", "token", name]) == 0
    token = capsys.readouterr().out.strip()
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/jats+xml"}


def test_7_only_an_administrator_acts_on_another_editors_deposit(
    web: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    web.store.add_user("colleague", hash_password(PASSWORD))
    owner = _api_token(web, EDITOR, monkeypatch, capsys)
    colleague = _api_token(web, "colleague", monkeypatch, capsys)
    admin = _api_token(web, ADMIN, monkeypatch, capsys)
    client = web.client()
    assert client.post("/api/articles", data=variant("9101"), headers=owner).status_code == 201
    refused = client.delete("/api/articles/history/9101", headers=colleague)
    assert refused.status_code == 403 and "administrator" in refused.get_json()["error"]
    replaced = client.put("/api/articles/history/9101", data=variant("9101", lpage="90"),
                          headers=colleague)
    assert replaced.status_code == 403
    assert not web.store.header("history/9101").deleted
    assert client.delete("/api/articles/history/9101", headers=admin).status_code == 200
    assert [c.actor for c in web.store.history("history/9101")] == [EDITOR, ADMIN]
    audit = [(e.actor, e.action) for e in web.store.audit_trail()]
    assert (ADMIN, "withdraw as administrator") in audit


def test_7_users_add_admin_makes_an_administrator(
    web: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(web.settings.instance_dir))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", web.settings.database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli_main(["users", "add", "--admin", "--password-stdin", "boss"]) == 0
    assert web.store.user("boss").admin is True
    assert cli_main(["users", "list"]) == 0
    assert "boss\tcreated" in capsys.readouterr().out
    assert ("command line", "add administrator", "boss") in [
        (e.actor, e.action, e.subject) for e in web.store.audit_trail()]


# --- 8. chunked uploads and unreadable cookies ----------------------------------------------

def test_8_a_chunked_oversize_upload_is_refused_without_a_made_up_size(
    web: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = _api_token(web, EDITOR, monkeypatch, capsys)
    body = seed_bytes() + b"<!--" + b"x" * (3 * LIMIT) + b"-->"
    answer = web.client().post(
        "/api/articles", input_stream=io.BytesIO(body),
        headers={**auth, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert answer.status_code == 413
    message = answer.get_json()["error"]
    assert "larger than the limit" in message and "the limit is 0.2 MB" in message
    assert "The file is 0.2 MB" not in message


def test_8_the_session_cookie_reveals_nothing(web: Web) -> None:
    client = web.client()
    web.login(client)
    value = client.get_cookie("jats_oai_session").value
    assert len(value) >= 40 and "." not in value
    for part in [value, *value.split(".")]:
        try:
            decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            continue
        assert EDITOR.encode() not in decoded and b"csrf" not in decoded
