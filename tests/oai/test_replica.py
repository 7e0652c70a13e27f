"""Read replicas: OAI-PMH answered from a PostgreSQL streaming replica, writes on the primary.

``read_database_url`` names a hot standby of ``database_url``. Resumption tokens (section 3.5)
stay valid on every host, primary or replica; a replica that has not yet replayed the changes
a harvest was fixed at (the token's ``max_seq``) answers HTTP 503 with ``Retry-After``
(section 3.1.2.2), never a page with records missing. The replica is a real one, made with
``pg_basebackup -R`` from the test cluster (tests/pg_replica.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.config import SettingsError, load_settings
from app.factory import services
from app.ingest import Prepared
from app.oai.views import oai_state
from tests.oai_helpers import Repository
from tests.pg_replica import Replica

START = datetime(2024, 3, 4, 10, 0, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class Pair:
    primary: Repository  # the app without a replica: reads and writes on the primary
    replicated: Repository  # the app with read_database_url: reads from the replica
    replica: Replica

    def close(self) -> None:
        self.replicated.close()
        self.primary.close()


@pytest.fixture
def pair(
    pg_store_url: str, pg_replica: Replica, tmp_path: Path, samples: list[Prepared]
) -> Iterator[Pair]:
    """The samples but the last deposited on the primary and replayed by the replica; two
    apps sharing the secret key, as two hosts of one deployment do."""
    settings = load_settings(
        instance_dir=tmp_path / "instance", database_url=pg_store_url, oai_page_size=3
    )
    primary = Repository(settings, samples[:-1])
    primary.put_all(START, timedelta(hours=6))
    pg_replica.wait_replayed()
    replicated = Repository(
        replace(settings, read_database_url=pg_replica.url(pg_store_url)), samples[:-1]
    )
    for repo in (primary, replicated):
        repo.now(NOW)
    found = Pair(primary, replicated, pg_replica)
    try:
        yield found
    finally:
        found.close()


def _bodies(pages: list) -> list[bytes]:
    return [page.body for page in pages]


def test_a_harvest_from_the_replica_is_the_primarys_byte_for_byte(pair: Pair) -> None:
    assert services(pair.replicated.app).harvest is not services(pair.replicated.app).store
    for verb in ("ListRecords", "ListIdentifiers"):
        from_primary = pair.primary.oai.harvest(verb, metadataPrefix="oai_dc")
        from_replica = pair.replicated.oai.harvest(verb, metadataPrefix="oai_dc")
        assert len(from_primary) > 1
        assert _bodies(from_replica) == _bodies(from_primary)


def test_a_token_of_one_host_continues_on_the_other(pair: Pair) -> None:
    """Section 3.5: a harvest started on the primary goes on from the replica, and back."""
    whole = pair.primary.oai.harvest("ListRecords", metadataPrefix="oai_dc")
    pages = [pair.primary.oai.get(verb="ListRecords", metadataPrefix="oai_dc")]
    hosts = [pair.replicated, pair.primary]
    while pages[-1].token is not None and pages[-1].token.text:
        host = hosts[len(pages) % 2]
        pages.append(host.oai.get(verb="ListRecords", resumptionToken=pages[-1].token.text))
    assert _bodies(pages) == _bodies(whole)


def test_writes_go_to_the_primary(pair: Pair, samples: list[Prepared]) -> None:
    svc = services(pair.replicated.app)
    assert oai_state(pair.replicated.app).recorder.store is svc.store  # harvest counters
    with pytest.raises(PermissionError, match="read replica"):
        svc.harvest.put(samples[-1].draft, actor="test")
    pair.replicated.put(samples[-1], START + timedelta(days=30))
    pair.replica.wait_replayed()
    listed = pair.replicated.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc")
    assert pair.replicated.oai_id(samples[-1].draft.identifier) in [
        i for page in listed for i in page.identifiers
    ]


def test_a_lagging_replica_answers_503_for_a_token_beyond_it(
    pair: Pair, samples: list[Prepared]
) -> None:
    """Section 3.1.2.2: a replica whose replay is paused behind the token's change answers
    503 with Retry-After; once replay resumes, the same request gets the primary's page."""
    new = samples[-1]
    pair.replica.pause_replay()
    try:
        pair.primary.put(new, START + timedelta(days=30))
        first = pair.primary.oai.get(verb="ListRecords", metadataPrefix="oai_dc")
        token = first.token.text
        behind = pair.replicated.oai.client.get(
            "/oai", query_string={"verb": "ListRecords", "resumptionToken": token}
        )
        assert behind.status_code == 503
        assert int(behind.headers["Retry-After"]) >= 1
        assert b"catching up" in behind.data

        # A harvest started on the lagging replica is fixed at what the replica has: it
        # lists the records it holds, all of them, and not the new one.
        own = pair.replicated.oai.harvest("ListIdentifiers", metadataPrefix="oai_dc")
        listed = [i for page in own for i in page.identifiers]
        assert pair.primary.oai_id(new.draft.identifier) not in listed
        assert len(listed) == len(samples) - 1
    finally:
        pair.replica.resume_replay()
    pair.replica.wait_replayed()
    caught_up = pair.replicated.oai.get(verb="ListRecords", resumptionToken=token)
    assert caught_up.body == pair.primary.oai.get(verb="ListRecords", resumptionToken=token).body


def test_a_read_replica_must_be_postgresql(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="read_database_url"):
        load_settings(
            instance_dir=tmp_path / "instance",
            database_url=f"sqlite:///{tmp_path / 'store.sqlite3'}",
            read_database_url=f"sqlite:///{tmp_path / 'copy.sqlite3'}",
        )
