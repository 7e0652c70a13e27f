"""``jats-oai config``: the instance settings file every command reads, shown and changed.

Changing the public URL is a step of its own, reported, never a side effect of starting a
server on another port: the rendered records carry it, so they must be re-rendered after.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields

from app.config import (
    Settings,
    SettingsError,
    configured_names,
    instance_file,
    load_settings,
    readiness,
    set_instance_values,
)

#: Settings baked into rendered records: changing one means re-rendering them.
RENDERED = {"public_url", "repository_identifier"}
SECRET = {"secret_key"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="show or change the instance settings")
    sub = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = sub.add_parser("show", help="every setting, its value and whether it is set")
    show.set_defaults(func=_show)
    change = sub.add_parser("set", help="change a setting in the instance file")
    change.add_argument("name", help="a setting name, as in the README (e.g. public_url)")
    change.add_argument("value")
    change.set_defaults(func=_set)


def _show(args: argparse.Namespace) -> int:
    settings = load_settings()
    given = configured_names(settings.instance_dir)
    print(f"# {instance_file(settings)}")
    for f in fields(Settings):
        value = "(hidden)" if f.name in SECRET else getattr(settings, f.name)
        origin = "" if f.name in given else "  # default"
        print(f"{f.name} = {value}{origin}")
    for note in readiness(settings):
        print(f"not ready for harvesters: {note}")
    return 0


def _set(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        old = set_instance_values(settings, {args.name: args.value})
        load_settings()
    except SettingsError as exc:
        print(f"jats-oai config: {exc}", file=sys.stderr)
        return 2
    print(f"{args.name}: {old[args.name]} -> {args.value} (in {instance_file(settings)})")
    if args.name in RENDERED:
        print("the stored records carry the old value: run 'jats-oai records load --full' "
              "to re-render them (records whose payloads change get a new datestamp), then "
              "restart the server")
    elif args.name not in SECRET:
        print("restart the server for it to take effect")
    return 0
