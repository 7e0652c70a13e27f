"""``jats-oai users``: editor accounts and API tokens, managed from the command line only.

There is no sign-up page on purpose: whoever runs the server decides who may change the
collection.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Callable

from app.cli.database import configured_store
from app.web.passwords import hash_password, hash_token, new_token

#: How the audit trail names changes made from the command line.
ACTOR = "command line"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 8


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
    return _set_password(args.name, args.password_stdin, new_account=True, admin=args.admin)


def _password(args: argparse.Namespace) -> int:
    return _set_password(args.name, args.password_stdin, new_account=False)


def _set_password(
    name: str, from_stdin: bool, *, new_account: bool, admin: bool | None = None
) -> int:
    """Create an account, or give an existing one a new password (which ends every session
    of the account, on the server)."""
    with configured_store() as store:
        exists = store.user(name) is not None
        if new_account and exists:
            print(f"error: the account {name!r} exists already", file=sys.stderr)
            return 1
        if not new_account and not exists:
            return _no_account(name)
        password = _new_password(from_stdin)
        if password is None:
            return 1
        store.add_user(name, hash_password(password), admin=admin)
        if new_account:
            store.audit(ACTOR, "add administrator" if admin else "add editor", name)
        else:
            store.audit(ACTOR, "change password (sessions ended)", name)
    if new_account:
        role = "administrator" if admin else "editor"
        print(f"created the {role} account {name!r}")
    else:
        print(f"changed the password of {name!r}; sessions opened with the old one are ended")
    return 0


def _token(args: argparse.Namespace) -> int:
    with configured_store() as store:
        if store.user(args.name) is None:
            return _no_account(args.name)
        token = new_token()
        store.add_token(args.name, hash_token(token))
        store.audit(ACTOR, "create API token", args.name)
    print(token)
    print("This token is shown only now; keep it secret. Scripts send it as "
          "'Authorization: Bearer <token>'.", file=sys.stderr)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with configured_store() as store:
        if store.user(args.name) is None:
            return _no_account(args.name)
        count = store.remove_tokens(args.name)
        store.audit(ACTOR, f"revoke {count} API tokens", args.name)
    print(f"revoked {count} API token{'s' if count != 1 else ''} of {args.name!r}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with configured_store() as store:
        if not store.remove_user(args.name):
            return _no_account(args.name)
        store.audit(ACTOR, "remove account", args.name)
    print(f"removed the editor account {args.name!r} and its API tokens")
    return 0


def _list(args: argparse.Namespace) -> int:
    with configured_store() as store:
        accounts = store.users()
    if not accounts:
        print("no editor accounts (create one with 'jats-oai users add NAME')")
    for user, tokens in accounts:
        role = "\tadministrator" if user.admin else ""
        print(f"{user.name}\tcreated {user.created:%Y-%m-%d}\t{tokens} API token"
              f"{'s' if tokens != 1 else ''}{role}")
    return 0


#: action: (help, what NAME is, reads a password, handler)
_ACTIONS: dict[str, tuple[str, str, bool, Callable[[argparse.Namespace], int]]] = {
    "add": ("create an editor account (the password is prompted)",
            "the sign-in name: letters, digits, . _ @ -", True, _add),
    "token": ("create an API token for scripts; it is shown once",
              "the editor the token acts for", False, _token),
    "password": ("set a new password (the editor's open sessions end with the old one)",
                 "the editor", True, _password),
    "revoke": ("revoke every API token of an editor", "the editor", False, _revoke),
    "remove": ("delete an editor account and its tokens (the history keeps the name)",
               "the editor", False, _remove),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="manage editor accounts and API tokens")
    sub = parser.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    for action, (help_text, name_help, reads_password, handler) in _ACTIONS.items():
        command = sub.add_parser(action, help=help_text)
        command.add_argument("name", help=name_help)
        if reads_password:
            command.add_argument(
                "--password-stdin", action="store_true",
                help="read the password from the first line of standard input (for scripts)",
            )
        if action == "add":
            command.add_argument(
                "--admin", action="store_true",
                help="an administrator, who alone may act on records others deposited",
            )
        command.set_defaults(func=handler)
    listing = sub.add_parser("list", help="the editor accounts and how many tokens each has")
    listing.set_defaults(func=_list)
