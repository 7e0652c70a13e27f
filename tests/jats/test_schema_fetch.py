"""The official schemas fetched from where they are published, pinned by SHA-256 in
`schemas/manifest.json`, through a mirror served over real HTTP: the whole first-use path of a
machine without ../shared (fetch, refusal of a corrupted file, validation, a running service)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

from app.config import REPO_ROOT
from app.jats.fetch import (
    ChecksumMismatch,
    NetworkUnreachable,
    fetch_schemas,
    load_manifest,
    source_url,
    staging_dir,
)
from app.jats.schemas import Catalog, schema_directory
from app.jats.validation import validate_file
from tests.schema_mirror import lay_out_mirror, mirror_path, serve_folder
from tests.server import command, free_port, start_server

SEED = REPO_ROOT / "records" / "history" / "2023" / "04" / "5763.xml"


def test_the_manifest_pins_every_schema_file_the_service_reads(shared_dir: Path) -> None:
    manifest = load_manifest()
    schemas = shared_dir / "schemas"
    for item in manifest.files:
        data = (schemas / item.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item.sha256, item.path
        assert len(data) == item.size, item.path
        assert item.url.startswith(("https://", "http://")), item.path
    pinned = {f.path for f in manifest.files}
    for top in ("dtd", "jats-1.3", "jats-1.4", "oai-pmh", "openaire", "marc21", "w3c"):
        on_disk = {p.relative_to(schemas).as_posix() for p in (schemas / top).rglob("*")
                   if p.is_file()}
        assert on_disk <= pinned, sorted(on_disk - pinned)[:5]


def test_each_file_comes_from_its_official_home() -> None:
    urls = {f.path: f.url for f in load_manifest().files}
    assert urls["oai-pmh/oai_dc.xsd"] == "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
    assert urls["oai-pmh/simpledc20021212.xsd"] == (
        "https://dublincore.org/schemas/xmls/simpledc20021212.xsd")
    assert urls["jats-1.3/publishing/standard-modules/xlink.xsd"] == (
        "https://jats.nlm.nih.gov/publishing/1.3/xsd/standard-modules/xlink.xsd")
    # DTD modules are published relative to their driver
    assert urls["dtd/archiving-1.3/iso8879/isobox.ent"] == (
        "https://jats.nlm.nih.gov/archiving/1.3/iso8879/isobox.ent")
    assert urls["dtd/archiving-2.3/archivearticle.dtd"] == (
        "https://dtd.nlm.nih.gov/archiving/2.3/archivearticle.dtd")
    hosts = {u.split("/")[2] for u in urls.values()}
    assert hosts == {"jats.nlm.nih.gov", "dtd.nlm.nih.gov", "www.openarchives.org",
                     "www.loc.gov", "www.openaire.eu", "dublincore.org", "www.w3.org"}


def test_a_mirror_serves_host_and_path_under_its_base_url() -> None:
    url = "https://jats.nlm.nih.gov/archiving/1.3/JATS-archivearticle1-3.dtd"
    assert source_url(url) == url
    assert source_url(url, "http://mirror.example/schemas/") == (
        "http://mirror.example/schemas/jats.nlm.nih.gov/archiving/1.3/JATS-archivearticle1-3.dtd")


@pytest.fixture(scope="module")
def fetched(schema_mirror: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schemas fetched through the mirror into an empty folder, as on a fresh machine."""
    target = tmp_path_factory.mktemp("fresh") / "instance" / "schemas"
    report = fetch_schemas(target, mirror=schema_mirror)
    assert report.downloaded == report.total == len(load_manifest().files)
    return target


def test_a_fetch_installs_every_pinned_file_and_a_catalog_written_by_the_service(
    fetched: Path,
) -> None:
    for item in load_manifest().files:
        assert hashlib.sha256((fetched / item.path).read_bytes()).hexdigest() == item.sha256
    assert (fetched / "catalog.xml").is_file()
    assert not staging_dir(fetched).exists()
    schema_directory(fetched).check()


def test_the_written_catalog_resolves_as_the_prepared_one(fetched: Path, shared_dir: Path) -> None:
    prepared = Catalog(shared_dir / "schemas" / "catalog.xml")
    written = Catalog(fetched / "catalog.xml")

    def rel(path: Path | None, root: Path) -> str | None:
        return None if path is None else path.relative_to(root).as_posix()

    shared_root = shared_dir / "schemas"
    for public in prepared.public:
        assert rel(written.doctype(public, None), fetched) == rel(
            prepared.doctype(public, None), shared_root), public
    for url in [*prepared.system, *prepared.uri,
                "https://www.openaire.eu/schema/repo-lit/4.0/oaire.xsd"]:
        assert rel(written.remote(url), fetched) == rel(prepared.remote(url), shared_root), url


def test_the_seed_is_valid_against_the_fetched_schemas(fetched: Path) -> None:
    report = validate_file(SEED, schemas=schema_directory(fetched))
    assert report.valid, report.errors


def test_a_second_fetch_downloads_nothing(fetched: Path) -> None:
    report = fetch_schemas(fetched, mirror="http://127.0.0.1:9")  # nothing listens there
    assert report.downloaded == 0 and report.present == report.total


def test_a_corrupted_file_is_refused_by_name_and_nothing_is_installed(
    shared_dir: Path, tmp_path: Path
) -> None:
    mirror = lay_out_mirror(shared_dir / "schemas", tmp_path / "mirror")
    victim = next(f for f in load_manifest().files if f.path == "marc21/MARC21slim.xsd")
    bad = mirror_path(mirror, victim.url)
    bad.write_bytes(bad.read_bytes() + b"<!-- altered -->")
    actual = hashlib.sha256(bad.read_bytes()).hexdigest()
    target = tmp_path / "schemas"
    with serve_folder(mirror) as url, pytest.raises(ChecksumMismatch) as refused:
        fetch_schemas(target, mirror=url)
    message = str(refused.value)
    assert victim.path in message and victim.sha256 in message and actual in message
    assert not target.exists()

    # the next fetch (the file repaired upstream) keeps what was already verified
    shutil.copyfile(shared_dir / "schemas" / victim.path, bad)
    with serve_folder(mirror) as url:
        report = fetch_schemas(target, mirror=url)
    assert report.resumed > 0
    assert report.downloaded + report.resumed == report.total
    schema_directory(target).check()


def test_the_command_names_the_refused_file_and_both_checksums(
    shared_dir: Path, tmp_path: Path
) -> None:
    mirror = lay_out_mirror(shared_dir / "schemas", tmp_path / "mirror")
    victim = next(f for f in load_manifest().files if f.path == "oai-pmh/oai_dc.xsd")
    mirror_path(mirror, victim.url).write_bytes(b"<not-the-official-file/>")
    actual = hashlib.sha256(b"<not-the-official-file/>").hexdigest()
    with serve_folder(mirror) as url:
        done = subprocess.run(
            command("schemas", "fetch"), capture_output=True, text=True, timeout=300,
            env=_env(tmp_path / "schemas", url),
        )
    assert done.returncode == 2
    assert "oai-pmh/oai_dc.xsd" in done.stderr
    assert victim.sha256 in done.stderr and actual in done.stderr
    assert not (tmp_path / "schemas").exists()


def test_an_unreachable_network_says_how_to_use_a_local_copy(tmp_path: Path) -> None:
    with pytest.raises(NetworkUnreachable, match="JATS_OAI_SCHEMA_DIR"):
        fetch_schemas(tmp_path / "schemas", mirror=f"http://127.0.0.1:{free_port()}")
    assert not (tmp_path / "schemas").exists()


@pytest.mark.server
def test_a_service_started_on_the_fetched_schemas_answers_identify(
    fetched: Path, tmp_path: Path
) -> None:
    server = start_server(tmp_path / "instance", f"sqlite:///{tmp_path / 'store.sqlite3'}",
                          schema_dir=fetched)
    try:
        with urllib.request.urlopen(f"{server.oai_url}?verb=Identify", timeout=30) as r:
            assert b"<Identify>" in r.read()
    finally:
        server.stop()


def _env(schema_dir: Path, mirror: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JATS_OAI_")}
    env.update(JATS_OAI_SCHEMA_DIR=str(schema_dir), JATS_OAI_SCHEMA_MIRROR=mirror,
               PYTHONPATH=str(REPO_ROOT))
    return env
