"""``records load`` of a saved OAI-PMH response holding several JATS articles (issue "JATS for
every record", namespaced JATS in): each article is a record loaded from ``path#identifier``;
an unchanged file costs no validation on a rerun, an article taken out of the file is
withdrawn like a removed file (within the withdrawal limits), a refused article is reported
at its line in the file and keeps its last good version.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import app.cli.records as records
from app.cli.records import LoadReport, MassWithdrawal, export_store, load_folder
from app.config import Settings
from app.store.base import Store
from tests.builders import oai_response
from tests.factories import Clock

Harvested = list[tuple[str, str, bytes]]


def load(root: Path, settings: Settings, store: Store, *,
         allow_withdrawals: bool = True) -> LoadReport:
    return load_folder(root, settings=settings, store=store, jobs=1, out=io.StringIO(),
                       err=io.StringIO(), allow_withdrawals=allow_withdrawals)


def origins(store: Store) -> dict[str, str]:
    return {i: o for i, o, _ in store.iter_loaded()}


def test_each_article_is_a_record_loaded_from_path_and_identifier(
    response_folder: Path, harvested: Harvested, store_settings: Settings, store: Store,
) -> None:
    report = load(response_folder, store_settings, store)
    assert (report.files, report.added, report.rejected) == (6, 8, [])
    path = (response_folder / "harvest.xml").resolve()
    found = origins(store)
    for oai, local, payload in harvested:
        assert found[local] == f"{path}#{oai}"
        # the record is the article alone, still in its namespace
        assert store.source(local).endswith(payload)
        assert {"oai_dc", "jats"} <= set(store.formats_of(local))


def test_an_unchanged_response_is_free_on_a_rerun(
    response_folder: Path, store_settings: Settings, store: Store, clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load(response_folder, store_settings, store)
    seq = store.current_seq()
    clock.now += 3600

    def no_check(*_: object, **__: object) -> None:
        raise AssertionError("an unchanged article was validated again")

    monkeypatch.setattr(records, "check", no_check)
    monkeypatch.setattr(records, "prepare", no_check)
    report = load(response_folder, store_settings, store)
    assert (report.added, report.changed, report.unchanged, report.withdrawn) == (0, 0, 8, 0)
    assert store.current_seq() == seq


def test_an_article_taken_out_of_the_file_is_withdrawn_within_the_limits(
    response_folder: Path, harvested: Harvested, store_settings: Settings, store: Store,
    clock: Clock,
) -> None:
    load(response_folder, store_settings, store)
    clock.now += 3600
    kept = [(oai, payload) for oai, _, payload in harvested[:2]]
    (response_folder / "harvest.xml").write_bytes(oai_response(kept))
    # one record of eight is more than the 10% a load may withdraw unconfirmed
    with pytest.raises(MassWithdrawal):
        load(response_folder, store_settings, store, allow_withdrawals=False)
    assert not store.header(harvested[2][1]).deleted
    report = load(response_folder, store_settings, store)
    assert (report.withdrawn, report.unchanged, report.added) == (1, 7, 0)
    assert store.header(harvested[2][1]).deleted
    assert not store.header(harvested[0][1]).deleted


def test_a_refused_article_is_reported_at_its_line_and_keeps_its_record(
    response_folder: Path, harvested: Harvested, store_settings: Settings, store: Store,
    clock: Clock,
) -> None:
    load(response_folder, store_settings, store)
    before = store.source(harvested[1][1])
    clock.now += 3600
    articles = [(oai, payload) for oai, _, payload in harvested]
    oai, payload = articles[1]
    articles[1] = (oai, payload.replace(b"<front>", b"<front>\n<no-such-element/>", 1))
    data = oai_response(articles)
    (response_folder / "harvest.xml").write_bytes(data)
    report = load(response_folder, store_settings, store)
    assert report.rejected == [f"{(response_folder / 'harvest.xml').resolve()}#{oai}"]
    assert (report.withdrawn, report.changed) == (0, 0)
    problem = next(p for p in report.problems if "no-such-element" in p)
    line = int(problem.removeprefix(report.rejected[0] + ":").split(":")[0])
    # the line of the element or of the one that holds it (DTD validation names that)
    assert any(word in data.decode().splitlines()[line - 1]
               for word in ("no-such-element", "<front>"))
    assert store.source(harvested[1][1]) == before  # the last good version stays live
    assert not store.header(harvested[1][1]).deleted


def test_an_unreadable_response_withdraws_none_of_its_articles(
    response_folder: Path, harvested: Harvested, store_settings: Settings, store: Store,
) -> None:
    load(response_folder, store_settings, store)
    (response_folder / "harvest.xml").write_bytes(b"<OAI-PMH><broken")
    report = load(response_folder, store_settings, store)
    assert len(report.rejected) == 1 and report.withdrawn == 0
    assert all(not store.header(local).deleted for _, local, _ in harvested)


def test_one_file_of_a_response_loads_alone(
    response_folder: Path, harvested: Harvested, store_settings: Settings, store: Store,
) -> None:
    """Given the file itself, the load adds its articles and withdraws nothing else."""
    load(response_folder, store_settings, store)
    report = load(response_folder / "harvest.xml", store_settings, store)
    assert (report.unchanged, report.withdrawn) == (3, 0)


def test_export_writes_each_article_on_its_own_and_loads_back(
    response_folder: Path, harvested: Harvested, store_settings: Settings, store: Store,
    tmp_path: Path,
) -> None:
    load(response_folder, store_settings, store)
    out = tmp_path / "exported"
    assert export_store(store, out, response_folder) == 8
    for _, local, payload in harvested:
        written = [p for p in out.rglob("*.xml") if p.read_bytes().endswith(payload)]
        assert len(written) == 1 and "#" not in str(written[0]), local
    again = load(out, store_settings, store)
    assert (again.added, again.changed, again.rejected) == (0, 0, [])
