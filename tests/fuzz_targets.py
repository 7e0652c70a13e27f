"""What the fuzzer (``python -m bench.fuzz``) runs on each input, and what
``tests/jats/test_fuzz_regressions.py`` replays every crash it found through: the JATS reader
on untrusted XML, and the validator's message builder on any text.
"""

from __future__ import annotations

import contextlib
from pathlib import Path


def run_reader(data: bytes) -> None:
    from app.jats.article import ArticleError, read_article
    from app.jats.parsing import parse
    from app.jats.schemas import schema_directory

    parsed = parse(data, schema_directory(schema_dir()))
    if parsed.root is None:
        return
    with contextlib.suppress(ArticleError):
        read_article(parsed.root)


def run_messages(data: bytes) -> None:
    from app.jats.messages import describe

    text = data.decode("utf-8", errors="replace")
    kind, message = describe(text, declared={"article", "front"}, newest={"article"},
                             newest_attrs=set(), version="JATS 1.3")
    if not isinstance(kind, str) or not isinstance(message, str):
        raise TypeError(f"describe() returned {kind!r}, {message!r}")


TARGETS = {"reader": run_reader, "messages": run_messages}


def schema_dir() -> Path:
    """The configured schema folder: the reader target parses with the official DTDs."""
    from app.config import load_settings

    return load_settings().schema_dir
