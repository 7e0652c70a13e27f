"""Settings: defaults, then ``instance/config.toml``, then ``JATS_OAI_*`` environment variables.

One frozen object is built at start-up and handed to every part of the service, so the
web app, the command line and the tests read configuration the same way.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = REPO_ROOT / "instance"
#: A prepared copy of the official schemas beside the repository is used as is when present;
#: otherwise `jats-oai schemas fetch` downloads them into the instance folder.
SHARED_SCHEMA_DIR = REPO_ROOT.parent / "shared" / "schemas"
FETCHED_SCHEMA_DIR = DEFAULT_INSTANCE_DIR / "schemas"
DEFAULT_SCHEMA_DIR = SHARED_SCHEMA_DIR if SHARED_SCHEMA_DIR.is_dir() else FETCHED_SCHEMA_DIR
ENV_PREFIX = "JATS_OAI_"


def user_cache_base() -> Path:
    """Where files derived at start-up may be cached: ``XDG_CACHE_HOME``, else the temp folder."""
    return Path(os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir())


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it and where it came from."""


@dataclass(frozen=True)
class Settings:
    """Every setting the service reads; each has a default that works on a fresh checkout."""

    repository_name: str = "Journal of the Belarusian State University"
    repository_identifier: str = "journals.bsu.by"
    admin_email: str = "oai-admin@example.org"
    public_url: str = "http://127.0.0.1:5000"
    oai_base_url: str = ""
    schema_dir: Path = DEFAULT_SCHEMA_DIR
    schema_mirror: str = ""
    instance_dir: Path = DEFAULT_INSTANCE_DIR
    database_url: str = ""
    #: A PostgreSQL streaming replica of ``database_url``: OAI-PMH and the pages read from it,
    #: every write (deposits, loads, sessions, harvest counters) goes to ``database_url``.
    read_database_url: str = ""
    records_dir: Path = REPO_ROOT / "records"
    secret_key: str = ""
    max_upload_bytes: int = 20 * 1024 * 1024
    oai_page_size: int = 100
    token_lifetime_days: int = 7
    rate_limit_per_minute: int = 600
    rate_limit_storage_uri: str = "memory://"
    trusted_proxies: int = 0
    max_withdraw_percent: int = 10
    marc_organization_code: str = ""
    harvest_stats_days: int = 400
    harvest_stats_flush_seconds: int = 5
    metrics_allow: str = "127.0.0.1 ::1"
    metrics_token: str = ""

    @property
    def public_url_configured(self) -> bool:
        """Whether ``public_url`` was set rather than left at the fresh-checkout default:
        then every absolute URL (the OAI-PMH baseURL too) is built from it, never from
        the request's ``Host`` header."""
        return self.public_url != Settings.public_url

    @property
    def effective_database_url(self) -> str:
        """The configured database, or the embedded SQLite file under the instance folder."""
        return self.database_url or f"sqlite:///{self.instance_dir / 'jats-oai.sqlite3'}"


PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net", "localhost")
LOOPBACK_HOSTS = ("127.", "localhost", "[::1]", "0.0.0.0")


def readiness(settings: Settings) -> list[str]:
    """What still keeps harvesters (BASE, OpenAIRE) away: placeholders left in the settings."""
    notes = []
    domain = settings.admin_email.rpartition("@")[2].lower()
    if not domain or domain in PLACEHOLDER_DOMAINS or domain.endswith(".example"):
        notes.append(f"admin_email is a placeholder ({settings.admin_email}): set a real address")
    host = urlsplit(settings.public_url).netloc.lower()
    if not host or host.startswith(LOOPBACK_HOSTS):
        notes.append(f"public_url is a loopback address ({settings.public_url}): harvesters "
                     "and readers elsewhere cannot reach it")
    if "repository_name" not in configured_names(settings.instance_dir):
        notes.append(f"repository_name is the built-in default ({settings.repository_name}): "
                     "set this repository's own name")
    return notes


INSTANCE_FILE_HEADER = """\
# The settings of this instance, read by `jats-oai serve` and every other `jats-oai` command
# alike (environment variables JATS_OAI_<NAME> still win). Written on the first start;
# `jats-oai config set NAME VALUE` changes a value and says what else to do.
"""


def instance_file(settings: Settings) -> Path:
    return settings.instance_dir / "config.toml"


def write_instance_file(settings: Settings, *, public_url: str) -> Path | None:
    """On the first start, pin the public URL and the store in the instance file.

    Then a `records load` run beside the server renders the same links into records, whatever
    port or environment it is started with. Returns the file when it was written now.
    """
    path = instance_file(settings)
    if path.exists():
        return None
    given = configured_names(settings.instance_dir)
    values = {
        "public_url": settings.public_url if "public_url" in given else public_url,
        "database_url": settings.effective_database_url,
    }
    set_instance_values(settings, values)
    return path


def set_instance_values(settings: Settings, values: dict[str, object]) -> dict[str, object]:
    """Write `values` into the instance file, keeping its other lines; returns the old values."""
    names = {f.name for f in fields(Settings)}
    unknown = set(values) - names
    if unknown:
        raise SettingsError(f"unknown settings: {', '.join(sorted(unknown))}")
    path = instance_file(settings)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else \
        INSTANCE_FILE_HEADER.splitlines()
    old: dict[str, object] = {}
    current = {}
    if path.exists():
        with path.open("rb") as fh:
            current = tomllib.load(fh)
    for name, value in values.items():
        old[name] = current.get(name, getattr(settings, name))
        rendered = f"{name} = {_toml_value(value)}"
        for i, line in enumerate(lines):
            if line.split("=", 1)[0].strip() == name:
                lines[i] = rendered
                break
        else:
            lines.append(rendered)
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".config.toml.{os.getpid()}.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return old


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def configured_names(instance_dir: Path) -> set[str]:
    """The settings given in the instance file or the environment (not left to defaults)."""
    names = {f.name for f in fields(Settings)}
    given = {n for n in names if ENV_PREFIX + n.upper() in os.environ}
    try:
        with (instance_dir / "config.toml").open("rb") as fh:
            given |= set(tomllib.load(fh)) & names
    except (OSError, tomllib.TOMLDecodeError):
        pass
    return given


def _coerce(name: str, raw: object) -> object:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if kind in ("Path", Path):
        return Path(str(raw)).expanduser()
    if kind in ("int", int):
        try:
            return int(str(raw))
        except ValueError:
            raise SettingsError(
                f"the setting {name} must be a whole number, not {raw!r} "
                f"(from {ENV_PREFIX}{name.upper()} or config.toml)"
            ) from None
    return str(raw)


def load_settings(**overrides: object) -> Settings:
    """Build the settings; keyword overrides (used by tests) win over everything else."""
    settings = Settings()
    values: dict[str, object] = {}
    instance_dir = Path(
        os.environ.get(ENV_PREFIX + "INSTANCE_DIR", str(overrides.get("instance_dir", "")))
        or DEFAULT_INSTANCE_DIR
    )
    config_file = instance_dir / "config.toml"
    if config_file.is_file():
        try:
            with config_file.open("rb") as fh:
                values.update(tomllib.load(fh))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{config_file} is not valid TOML: {exc}") from None
    names = {f.name for f in fields(Settings)}
    for name in names:
        env = os.environ.get(ENV_PREFIX + name.upper())
        if env is not None:
            values[name] = env
    if "DATABASE_URL" in os.environ and ENV_PREFIX + "DATABASE_URL" not in os.environ:
        values["database_url"] = os.environ["DATABASE_URL"]
    values.update(overrides)
    unknown = set(values) - names
    if unknown:
        raise SettingsError(f"unknown settings: {', '.join(sorted(unknown))}")
    settings = replace(settings, **{k: _coerce(k, v) for k, v in values.items()})
    settings = replace(settings, instance_dir=instance_dir)
    if settings.read_database_url and not (
        settings.read_database_url.startswith(("postgresql://", "postgres://"))
        and settings.database_url.startswith(("postgresql://", "postgres://"))
    ):
        raise SettingsError(
            "read_database_url (from JATS_OAI_READ_DATABASE_URL or config.toml) must be a "
            "PostgreSQL replica (postgresql://...) of a PostgreSQL database_url"
        )
    if not settings.secret_key:
        settings = replace(settings, secret_key=_instance_secret(settings.instance_dir))
    return settings


def _instance_secret(instance_dir: Path) -> str:
    """A random key kept in the instance folder, so every worker signs tokens alike."""
    path = instance_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(key)
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
