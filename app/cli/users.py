"""``jats-oai users``: editor accounts and API tokens, managed from the command line only.

There is no sign-up page on purpose: whoever runs the server decides who may change the
collection.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys

from app.cli.database import open_configured_store
from app.config import load_settings
from app.web.passwords import hash_password, hash_token, new_token

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 8


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="manage editor accounts and API tokens")
    sub = parser.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="create an editor account (the password is prompted)")
    add.add_argument("name", help="the sign-in name: letters, digits, . _ @ -")
    add.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    add.set_defaults(func=_add)
    token = sub.add_parser("token", help="create an API token for scripts; it is shown once")
    token.add_argument("name", help="the editor the token acts for")
    token.set_defaults(func=_token)
    password = sub.add_parser(
        "password", help="set a new password (the editor's open sessions end with the old one)"
    )
    password.add_argument("name", help="the editor")
    password.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    password.set_defaults(func=_password)
    revoke = sub.add_parser("revoke", help="revoke every API token of an editor")
    revoke.add_argument("name", help="the editor")
    revoke.set_defaults(func=_revoke)
    remove = sub.add_parser(
        "remove", help="delete an editor account and its tokens (the history keeps the name)"
    )
    remove.add_argument("name", help="the editor")
    remove.set_defaults(func=_remove)
    listing = sub.add_parser("list", help="the editor accounts and how many tokens each has")
    listing.set_defaults(func=_list)


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        print("error: no terminal to ask for the password; use --password-stdin",
              file=sys.stderr)
        return None
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        print("error: the two passwords differ; nothing was changed", file=sys.stderr)
        return None
    return first


def _new_password(from_stdin: bool) -> str | None:
    """A password that passes the length rule, or None after saying what is wrong."""
    password = _read_password(from_stdin)
    if password is None:
        return None
    if len(password) < MIN_PASSWORD:
        print(f"error: the password must have at least {MIN_PASSWORD} characters",
              file=sys.stderr)
        return None
    return password


def _no_account(name: str) -> int:
    print(f"error: there is no account {name!r} (see 'jats-oai users list')", file=sys.stderr)
    return 1


def _add(args: argparse.Namespace) -> int:
    if not NAME_PATTERN.fullmatch(args.name):
        print(f"error: {args.name!r} is not a usable name (1-64 letters, digits, . _ @ -, "
              "starting with a letter or digit)", file=sys.stderr)
        return 1
    store = open_configured_store(load_settings())
    try:
        if store.user(args.name) is not None:
            print(f"error: the account {args.name!r} exists already", file=sys.stderr)
            return 1
        password = _new_password(args.password_stdin)
        if password is None:
            return 1
        store.add_user(args.name, hash_password(password))
    finally:
        store.close()
    print(f"created the editor account {args.name!r}")
    return 0


def _token(args: argparse.Namespace) -> int:
    store = open_configured_store(load_settings())
    try:
        if store.user(args.name) is None:
            print(f"error: there is no account {args.name!r} "
                  "(create it with 'jats-oai users add')", file=sys.stderr)
            return 1
        token = new_token()
        store.add_token(args.name, hash_token(token))
    finally:
        store.close()
    print(token)
    print("This token is shown only now; keep it secret. Scripts send it as "
          "'Authorization: Bearer <token>'.", file=sys.stderr)
    return 0


def _password(args: argparse.Namespace) -> int:
    store = open_configured_store(load_settings())
    try:
        if store.user(args.name) is None:
            return _no_account(args.name)
        password = _new_password(args.password_stdin)
        if password is None:
            return 1
        store.add_user(args.name, hash_password(password))
    finally:
        store.close()
    print(f"changed the password of {args.name!r}; sessions opened with the old one are ended")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    store = open_configured_store(load_settings())
    try:
        if store.user(args.name) is None:
            return _no_account(args.name)
        count = store.remove_tokens(args.name)
    finally:
        store.close()
    print(f"revoked {count} API token{'s' if count != 1 else ''} of {args.name!r}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    store = open_configured_store(load_settings())
    try:
        if not store.remove_user(args.name):
            return _no_account(args.name)
    finally:
        store.close()
    print(f"removed the editor account {args.name!r} and its API tokens")
    return 0


def _list(args: argparse.Namespace) -> int:
    store = open_configured_store(load_settings())
    try:
        accounts = store.users()
    finally:
        store.close()
    if not accounts:
        print("no editor accounts (create one with 'jats-oai users add NAME')")
    for user, tokens in accounts:
        print(f"{user.name}\tcreated {user.created:%Y-%m-%d}\t{tokens} API token"
              f"{'s' if tokens != 1 else ''}")
    return 0
