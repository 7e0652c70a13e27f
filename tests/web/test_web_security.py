"""Security rules of the web face (issue: pages for librarians and readers).

Anonymous visitors validate and read but never change anything; every form needs the
session's CSRF token; scripts authenticate with a bearer token stored only as a hash;
uploads are limited in size and type; hostile XML sent through the upload form is refused
without reading a local file.
"""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from flask.testing import FlaskClient

from app.cli import main as cli_main
from app.web.passwords import hash_token, verify_password
from tests.web_support import (
    ADMIN,
    EDITOR,
    PASSWORD,
    SEED_ID,
    Web,
    csrf_from,
    seed_bytes,
    variant,
)

LIMIT = 256 * 1024
XXE_SYSTEM = b"""<?xml version="1.0"?>
<!DOCTYPE article [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<article><front><article-meta><title-group><article-title>&leak;</article-title>
</title-group></article-meta></front></article>"""
XXE_PUBLIC = b"""<?xml version="1.0"?>
<!DOCTYPE article PUBLIC
 "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.3 20210610//EN"
 "file:///etc/passwd">
<article dtd-version="1.3"><front/></article>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE article [<!ENTITY a "lollollollollollollollollollol">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>
<article><front><article-meta><title-group><article-title>&i;</article-title></title-group>
</article-meta></front></article>"""


@pytest.fixture
def web_settings() -> dict[str, object]:
    return {"max_upload_bytes": LIMIT}


def _form(client: FlaskClient, page: str = "/validate") -> str:
    return csrf_from(client.get(page).get_data(as_text=True))


def _file(
    data: bytes, name: str = "article.xml", mimetype: str = "application/xml"
) -> tuple[io.BytesIO, str, str]:
    return (io.BytesIO(data), name, mimetype)


def _token(web: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """An API token made the way an administrator makes one: ``jats-oai users token``."""
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(web.settings.instance_dir))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", web.settings.database_url)
    capsys.readouterr()
    assert cli_main(["users", "token", EDITOR]) == 0
    return capsys.readouterr().out.strip()


# --- no change without signing in ---------------------------------------------------------

def test_anonymous_visitor_is_sent_to_sign_in_for_the_deposit_form(web: Web) -> None:
    answer = web.client().get("/deposit")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login?next=")


def test_anonymous_deposit_replace_and_withdraw_change_nothing(web: Web) -> None:
    client = web.client()
    token = _form(client)
    before = web.store.header(SEED_ID)
    new = client.post("/deposit", data={"csrf_token": token, "file": _file(variant("9001"))})
    replaced = client.post(f"/deposit/replace/{SEED_ID}",
                           data={"csrf_token": token, "file": _file(variant("5763", lpage="80"))})
    withdrawn = client.post(f"/deposit/withdraw/{SEED_ID}",
                            data={"csrf_token": token, "confirm": "yes"})
    assert [new.status_code, replaced.status_code, withdrawn.status_code] == [401, 401, 401]
    assert web.store.header("history/9001") is None
    assert web.store.header(SEED_ID) == before
    assert web.store.source(SEED_ID) == seed_bytes()


def test_the_api_refuses_changes_without_a_valid_token(web: Web) -> None:
    client = web.client()
    body = variant("9002")
    headers = {"Content-Type": "application/jats+xml"}
    assert client.post("/api/articles", data=body, headers=headers).status_code == 401
    wrong = {**headers, "Authorization": "Bearer jo_not-a-real-token"}
    assert client.post("/api/articles", data=body, headers=wrong).status_code == 401
    assert client.delete(f"/api/articles/{SEED_ID}", headers=wrong).status_code == 401
    answer = client.put(f"/api/articles/{SEED_ID}", data=body, headers=wrong)
    assert answer.status_code == 401
    assert "Bearer" in answer.get_json()["error"]
    assert web.store.header("history/9002") is None
    assert not web.store.header(SEED_ID).deleted


def test_the_api_ignores_a_signed_in_session_cookie(web: Web) -> None:
    """A cross-site request carries the editor's cookie; the API must not accept it."""
    client = web.client()
    web.login(client)
    answer = client.delete(f"/api/articles/{SEED_ID}")
    assert answer.status_code == 401
    assert not web.store.header(SEED_ID).deleted


# --- CSRF ----------------------------------------------------------------------------------

def test_a_signed_in_form_without_the_csrf_token_is_refused(web: Web) -> None:
    client = web.client()
    web.login(client)
    missing = client.post(f"/deposit/withdraw/{SEED_ID}", data={"confirm": "yes"})
    forged = client.post(f"/deposit/withdraw/{SEED_ID}",
                         data={"confirm": "yes", "csrf_token": "forged"})
    assert missing.status_code == 400 and forged.status_code == 400
    assert "security token" in forged.get_data(as_text=True)
    assert not web.store.header(SEED_ID).deleted


def test_a_token_from_another_session_is_refused(web: Web) -> None:
    """The token is bound to the session: an attacker's own token does not work for a victim."""
    attacker, victim = web.client(), web.client()
    stolen = _form(attacker, "/login")
    web.login(victim)
    answer = victim.post(f"/deposit/withdraw/{SEED_ID}",
                         data={"confirm": "yes", "csrf_token": stolen})
    assert answer.status_code == 400
    assert not web.store.header(SEED_ID).deleted


def test_the_sign_in_and_sign_out_forms_need_the_token_too(web: Web) -> None:
    client = web.client()
    client.get("/login")
    answer = client.post("/login", data={"name": EDITOR, "password": PASSWORD})
    assert answer.status_code == 400
    web.login(client)
    assert client.post("/logout").status_code == 400
    assert client.get("/deposit").status_code == 200


def test_with_the_token_an_administrator_withdraws(web: Web) -> None:
    """The seed was loaded from the folder, so it is no editor's own: only an administrator
    withdraws it, and the history names who did."""
    client = web.client()
    web.login(client, ADMIN)
    token = csrf_from(client.get(f"/articles/{SEED_ID}").get_data(as_text=True))
    answer = client.post(f"/deposit/withdraw/{SEED_ID}",
                         data={"confirm": "yes", "csrf_token": token})
    assert answer.status_code == 303
    assert web.store.header(SEED_ID).deleted
    assert web.store.history(SEED_ID)[-1].actor == ADMIN


# --- accounts, sessions, tokens -------------------------------------------------------------

def test_passwords_are_stored_with_scrypt_and_never_in_clear(web: Web) -> None:
    stored = web.store.user(EDITOR).password_hash
    assert stored.startswith("scrypt:") and PASSWORD not in stored
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "x", stored)


# The format written before werkzeug.security did the hashing: scrypt$N$r$p$salt$hash.
LEGACY_HASH = (
    "scrypt$32768$8$1$MDAwMDAwMDAwMDAwMDAwMA$"
    "{digest}"
)


def test_passwords_hashed_in_the_earlier_format_still_verify() -> None:
    digest = hashlib.scrypt(PASSWORD.encode(), salt=b"0" * 16, n=2**15, r=8, p=1,
                            maxmem=128 * 1024 * 1024, dklen=32)
    stored = LEGACY_HASH.format(digest=base64.urlsafe_b64encode(digest).decode().rstrip("="))
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + "x", stored)
    assert not verify_password(PASSWORD, "scrypt$broken")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(web: Web) -> None:
    client = web.client()
    token = _form(client, "/login")
    wrong_password = client.post("/login", data={"name": EDITOR, "password": "nope",
                                                 "csrf_token": token})
    unknown_name = client.post("/login", data={"name": "nobody", "password": PASSWORD,
                                               "csrf_token": token})
    assert wrong_password.status_code == unknown_name.status_code == 401
    assert "not right" in wrong_password.get_data(as_text=True)
    assert client.get("/deposit").status_code == 302


def test_repeated_failed_sign_ins_are_throttled(web: Web) -> None:
    client = web.client()
    token = _form(client, "/login")
    codes = [client.post("/login", data={"name": EDITOR, "password": f"guess {i}",
                                         "csrf_token": token}).status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    right = client.post("/login", data={"name": EDITOR, "password": PASSWORD,
                                        "csrf_token": token})
    assert right.status_code == 429
    assert "Too many failed sign-ins" in right.get_data(as_text=True)
    assert client.get("/deposit").status_code == 302


def test_the_session_cookie_is_httponly_samesite_lax(web: Web) -> None:
    client = web.client()
    token = _form(client, "/login")
    answer = client.post("/login", data={"name": EDITOR, "password": PASSWORD,
                                         "csrf_token": token})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(web: Web) -> None:
    client = web.app.test_client()
    page = client.get("/login", base_url="https://journals.example")
    assert "Secure" in page.headers["Set-Cookie"]


def test_sign_in_never_redirects_to_another_site(web: Web) -> None:
    client = web.client()
    token = _form(client, "/login")
    answer = client.post("/login", data={"name": EDITOR, "password": PASSWORD,
                                         "csrf_token": token, "next": "https://evil.example/"})
    assert answer.headers["Location"] == "/"


def test_signing_out_ends_the_session(web: Web) -> None:
    client = web.client()
    web.login(client)
    token = _form(client, "/deposit")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/deposit").status_code == 302


def test_an_api_token_is_shown_once_stored_hashed_and_acts_for_its_editor(
    web: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _token(web, monkeypatch, capsys)
    assert token.startswith("jo_") and len(token) > 40
    assert web.store.user_for_token(token) is None
    assert web.store.user_for_token(hash_token(token)) == EDITOR
    client = web.client()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/jats+xml"}
    created = client.post("/api/articles", data=variant("9003"), headers=auth)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["identifier"] == "history/9003"
    replaced = client.put("/api/articles/history/9003", data=variant("9003", lpage="99"),
                          headers=auth)
    assert replaced.status_code == 200 and replaced.get_json()["changed"] is True
    gone = client.delete("/api/articles/history/9003", headers=auth)
    assert gone.status_code == 200 and gone.get_json()["deleted"] is True
    assert [c.actor for c in web.store.history("history/9003")] == [EDITOR] * 3


def test_users_add_reads_the_password_from_stdin(
    web: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(web.settings.instance_dir))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", web.settings.database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("another good password\n"))
    assert cli_main(["users", "add", "librarian", "--password-stdin"]) == 0
    assert verify_password("another good password", web.store.user("librarian").password_hash)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli_main(["users", "add", "second", "--password-stdin"]) == 1
    assert web.store.user("second") is None
    assert cli_main(["users", "add", "librarian", "--password-stdin"]) == 1
    assert "exists already" in capsys.readouterr().err


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(
    web: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = web.client()
    web.login(client)
    assert client.get("/deposit").status_code == 200
    monkeypatch.setenv("JATS_OAI_INSTANCE_DIR", str(web.settings.instance_dir))
    monkeypatch.setenv("JATS_OAI_DATABASE_URL", web.settings.database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a new long password\n"))
    assert cli_main(["users", "password", EDITOR, "--password-stdin"]) == 0
    assert "sessions opened with the old one are ended" in capsys.readouterr().out
    assert client.get("/deposit").status_code == 302  # signed out
    web.login(client, password="a new long password")
    assert client.get("/deposit").status_code == 200
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli_main(["users", "password", EDITOR, "--password-stdin"]) == 1
    assert cli_main(["users", "password", "nobody", "--password-stdin"]) == 1
    assert "there is no account 'nobody'" in capsys.readouterr().err


def test_revoked_tokens_and_removed_accounts_open_nothing(
    web: Web, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = _token(web, monkeypatch, capsys), _token(web, monkeypatch, capsys)
    client = web.client()
    auth = {"Content-Type": "application/jats+xml"}
    for number, token in (("9004", first), ("9005", second)):
        answer = client.post("/api/articles", data=variant(number),
                             headers={**auth, "Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.get_json()
    assert cli_main(["users", "list"]) == 0
    assert f"{EDITOR}\tcreated " in capsys.readouterr().out
    assert cli_main(["users", "revoke", EDITOR]) == 0
    assert f"revoked 2 API tokens of '{EDITOR}'" in capsys.readouterr().out
    for token in (first, second):
        refused = client.post("/api/articles", data=variant("9006"),
                              headers={**auth, "Authorization": f"Bearer {token}"})
        assert refused.status_code == 401
    third = _token(web, monkeypatch, capsys)
    signed_in = web.client()
    web.login(signed_in)
    assert cli_main(["users", "remove", EDITOR]) == 0
    assert web.store.user(EDITOR) is None
    assert web.store.user_for_token(hash_token(third)) is None
    assert signed_in.get("/deposit").status_code == 302
    assert [c.actor for c in web.store.history("history/9004")][:1] == [EDITOR]
    assert cli_main(["users", "remove", EDITOR]) == 1
    assert cli_main(["users", "remove", ADMIN]) == 0
    assert cli_main(["users", "list"]) == 0
    assert "no editor accounts" in capsys.readouterr().out


# --- upload limits and content types --------------------------------------------------------

def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(web: Web) -> None:
    client = web.client()
    token = _form(client)
    big = seed_bytes() + b"<!--" + b"x" * LIMIT + b"-->"
    answer = client.post("/validate", data={"csrf_token": token, "file": _file(big)})
    assert answer.status_code == 413
    assert "the limit is 0.2 MB" in answer.get_data(as_text=True)


def test_a_request_far_over_the_limit_is_cut_off_before_it_is_read(web: Web) -> None:
    client = web.client()
    token = _form(client)
    huge = b"<a>" + b"x" * (LIMIT + 200 * 1024) + b"</a>"
    answer = client.post("/validate", data={"csrf_token": token, "file": _file(huge)})
    assert answer.status_code == 413
    assert "the limit is" in answer.get_data(as_text=True)
    api = client.post("/api/validate", data=huge, headers={"Content-Type": "application/xml"})
    assert api.status_code == 413 and "the limit is" in api.get_json()["error"]


def test_only_xml_content_types_are_accepted(web: Web) -> None:
    client = web.client()
    token = _form(client)
    pdf = client.post("/validate", data={
        "csrf_token": token, "file": _file(b"%PDF-1.7", "paper.pdf", "application/pdf")})
    assert pdf.status_code == 415
    assert "only JATS XML files are accepted" in pdf.get_data(as_text=True)
    nxml = client.post("/validate", data={
        "csrf_token": token, "file": _file(seed_bytes(), "5763.nxml", "application/octet-stream")})
    assert nxml.status_code == 200
    text = client.post("/api/validate", data=seed_bytes(), headers={"Content-Type": "text/plain"})
    assert text.status_code == 415 and "Content-Type text/plain" in text.get_json()["error"]


def test_an_empty_form_says_what_to_send(web: Web) -> None:
    client = web.client()
    answer = client.post("/validate", data={"csrf_token": _form(client)})
    assert answer.status_code == 400
    assert "choose a file or paste the XML" in answer.get_data(as_text=True)


# --- hostile XML through the upload form ----------------------------------------------------

@pytest.mark.parametrize("hostile", [XXE_SYSTEM, XXE_PUBLIC, LAUGHS],
                         ids=["xxe-system", "xxe-public", "billion-laughs"])
def test_hostile_xml_is_reported_and_reads_no_local_file(web: Web, hostile: bytes) -> None:
    client = web.client()
    answer = client.post("/validate", data={"csrf_token": _form(client),
                                            "file": _file(hostile)})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Not valid" in page or "Not usable" in page
    assert "root:x:0:0" not in page and "lollollollollollollollollollollollol" not in page
    report = client.post("/api/validate", data=hostile,
                         headers={"Content-Type": "application/xml"}).get_json()
    assert report["valid"] is False and report["errors"]
    assert "root:x:0:0" not in str(report)


def test_hostile_xml_cannot_be_deposited(web: Web) -> None:
    client = web.client()
    web.login(client)
    token = _form(client, "/deposit")
    answer = client.post("/deposit", data={"csrf_token": token, "file": _file(XXE_SYSTEM)})
    assert answer.status_code == 422
    assert "root:x:0:0" not in answer.get_data(as_text=True)
    assert [ident for ident, _ in web.store.iter_identifiers()] == [SEED_ID]
