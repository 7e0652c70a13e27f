"""The command-line tests' material."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import jats_records, oai_response


@pytest.fixture
def response_folder(tmp_path: Path, harvested: list[tuple[str, str, bytes]]) -> Path:
    """A records folder holding five generated articles as files and, in ``harvest.xml``, a
    ListRecords response another service gave with three more."""
    root = tmp_path / "records"
    for rel, data in list(jats_records(8, seed=11))[3:]:  # not the ids of the three
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "harvest.xml").write_bytes(
        oai_response([(oai, payload) for oai, _, payload in harvested]))
    return root
