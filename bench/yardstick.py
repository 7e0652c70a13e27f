"""The practical limit of an OAI-PMH ListRecords harvest: a framework-free WSGI app.

It answers ``ListRecords`` by concatenating pre-rendered ``<record>`` fragments fetched from
SQLite by keyset, 100 per page, and nothing else: no framework, no argument checking, no
signed tokens, no store abstraction. The benchmark serves it with the same gunicorn settings
as the real service, on the same records, and reports the service's rate as a ratio to it.

``build(store, repository_identifier, prefix, path)`` copies a store's records into the
yardstick's own table; ``application`` serves the file named by ``$YARDSTICK_DB``.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

PAGE_SIZE = 100

_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    b'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
    b'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def record_fragment(
    oai_identifier: str,
    datestamp: datetime,
    sets: tuple[str, ...],
    deleted: bool,
    payload: bytes | None,
) -> bytes:
    """One complete ``<record>`` element, as the yardstick stores it."""
    stamp = datestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = ' status="deleted"' if deleted else ""
    parts = [
        f"<record><header{status}><identifier>{_escape(oai_identifier)}</identifier>"
        f"<datestamp>{stamp}</datestamp>"
    ]
    parts.extend(f"<setSpec>{_escape(s)}</setSpec>" for s in sets)
    parts.append("</header>")
    head = "".join(parts).encode()
    if deleted or payload is None:
        return head + b"</record>"
    return head + b"<metadata>" + payload + b"</metadata></record>"


def build(
    store: object,
    repository_identifier: str,
    prefix: str,
    path: Path,
    page_size: int | None = None,
) -> int:
    """Copy every record of ``store`` listed in ``prefix`` into a fresh yardstick database
    (in key order, so its table lies in order in the file), with SQLite's default page
    size unless ``page_size`` is given."""
    from app.store.base import Window

    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    if page_size is not None:
        db.execute(f"PRAGMA page_size = {int(page_size)}")
    db.executescript(
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE records (datestamp TEXT NOT NULL, identifier TEXT NOT NULL,"
        " fragment BLOB NOT NULL, PRIMARY KEY (datestamp, identifier)) WITHOUT ROWID;"
    )
    window = Window(
        prefix=prefix, set_spec=None, from_=None, until=None, max_seq=store.current_seq()
    )
    after = None
    count = 0
    while True:
        page = store.list_page(window, after, 1000, True)
        if not page:
            break
        rows = []
        for header, payload in page:
            oai_id = f"oai:{repository_identifier}:{header.identifier}"
            stamp = header.datestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            rows.append(
                (
                    stamp,
                    oai_id,
                    record_fragment(oai_id, header.datestamp, header.sets, header.deleted, payload),
                )
            )
        db.executemany("INSERT INTO records VALUES (?, ?, ?)", rows)
        count += len(rows)
        last = page[-1][0]
        after = (last.datestamp, last.identifier)
    db.commit()
    db.close()
    return count


_local = threading.local()


def _db() -> sqlite3.Connection:
    db = getattr(_local, "db", None)
    if db is None:
        db = sqlite3.connect(os.environ["YARDSTICK_DB"], check_same_thread=False)
        _local.db = db
    return db


def _token(cursor: int, total: int, stamp: str, identifier: str) -> str:
    raw = f"{cursor}\n{total}\n{stamp}\n{identifier}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def application(environ: dict, start_response) -> list[bytes]:
    """ListRecords only: the first page by metadataPrefix, the next ones by token."""
    args = parse_qs(environ.get("QUERY_STRING", ""))
    db = _db()
    token = args.get("resumptionToken", [None])[0]
    if token:
        cursor_s, total_s, stamp, identifier = (
            base64.urlsafe_b64decode(token.encode()).decode().split("\n", 3)
        )
        cursor, total = int(cursor_s), int(total_s)
        rows = db.execute(
            "SELECT datestamp, identifier, fragment FROM records"
            " WHERE (datestamp, identifier) > (?, ?) ORDER BY datestamp, identifier LIMIT ?",
            (stamp, identifier, PAGE_SIZE),
        ).fetchall()
        request = f'<request verb="ListRecords" resumptionToken="{token}">'
    else:
        cursor = 0
        total = db.execute("SELECT count(*) FROM records").fetchone()[0]
        rows = db.execute(
            "SELECT datestamp, identifier, fragment FROM records"
            " ORDER BY datestamp, identifier LIMIT ?",
            (PAGE_SIZE,),
        ).fetchall()
        request = '<request verb="ListRecords" metadataPrefix="oai_dc">'
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    base = f"http://{environ.get('HTTP_HOST', 'localhost')}{environ.get('PATH_INFO', '')}"
    parts = [
        _HEAD,
        f"<responseDate>{now}</responseDate>{request}{base}</request><ListRecords>".encode(),
    ]
    parts.extend(row[2] for row in rows)
    following = cursor + len(rows)
    if following < total and rows:
        last = rows[-1]
        next_token = _token(following, total, last[0], last[1])
        parts.append(
            f'<resumptionToken completeListSize="{total}" cursor="{cursor}">'
            f"{next_token}</resumptionToken>".encode()
        )
    elif cursor:
        parts.append(f'<resumptionToken completeListSize="{total}" cursor="{cursor}"/>'.encode())
    parts.append(b"</ListRecords></OAI-PMH>")
    body = b"".join(parts)
    start_response(
        "200 OK",
        [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
