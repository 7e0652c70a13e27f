"""The ``jats-oai`` command: one subcommand module per task, registered in :data:`COMMANDS`."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: tuple[str, ...] = (
    "app.cli.validate",
    "app.cli.serve",
    "app.cli.users",
    "app.cli.convert",
    "app.cli.records",
    "app.cli.store",
    "app.cli.importing",
    "app.cli.schemas",
    "app.cli.instance",
    "app.cli.stats",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jats-oai",
        description="JATS articles: validate, load, convert and serve them over OAI-PMH.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand; each returns its exit code (0 ok, 1 invalid input, 2 unusable)."""
    args = build_parser().parse_args(argv)
    from app.cli.database import StoreUnavailable
    from app.config import SettingsError, load_settings
    from app.jats.schemas import SchemaMissingError, schema_directory

    try:
        if getattr(args, "needs_schemas", True):
            schema_directory(load_settings().schema_dir).check()
    except (SettingsError, SchemaMissingError) as exc:
        print(f"jats-oai: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except StoreUnavailable as exc:
        print(f"jats-oai: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
