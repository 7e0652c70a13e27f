"""Response times of the web face, in process (Flask test client, SQLite store, schemas warm).

    python -m bench.web_pages [--repeat N]

Prints the median time of: the validation page (POST of a file) and ``POST /api/validate``
for the seed, for the corpus files of at least 500 KB, and for the seed grown to about 1 MB
with copies of its references; then the seed's article page and its JATS download (200 and
304). The issue's target: the validation report within a second for a 1 MB article.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
from pathlib import Path

from app.config import REPO_ROOT, load_settings
from app.factory import create_app, services
from app.ingest import Prepared, commit, prepare
from bench.timing import median_ms

SEED = REPO_ROOT / "records" / "history" / "2023" / "04" / "5763.xml"


def _grown_seed(target: int) -> bytes:
    """The seed with its first reference copied until the file is ``target`` bytes."""
    text = SEED.read_text(encoding="utf-8")
    ref = re.search(r'<ref id="ref1">.*?</ref>\n', text, re.S)
    assert ref is not None
    copies = max(1, (target - len(text)) // len(ref.group(0)))
    extra = "".join(ref.group(0).replace('id="ref1"', f'id="x{i}"') for i in range(copies))
    return text.replace("<ref-list>\n", "<ref-list>\n" + extra).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    settings = load_settings(instance_dir=tmp / "instance",
                             database_url=f"sqlite:///{tmp / 'store.sqlite3'}")
    app = create_app(settings)
    prepared = prepare(SEED.read_bytes(), settings=settings, origin="bench")
    assert isinstance(prepared, Prepared)
    commit(services(app).store, prepared, actor="bench")
    client = app.test_client()
    page = client.get("/validate").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    samples: list[tuple[str, bytes]] = [("seed", SEED.read_bytes())]
    corpus = REPO_ROOT.parent / "shared" / "corpus"
    samples += [(p.name, p.read_bytes()) for p in sorted(corpus.rglob("*.xml"))
                if p.stat().st_size >= 500 * 1024]
    samples.append(("seed grown to 1 MB", _grown_seed(1024 * 1024)))

    print(f"{'document':44} {'KB':>6} {'errors':>6} {'page ms':>8} {'api ms':>8}")
    for name, data in samples:
        def form(data: bytes = data) -> object:
            return client.post("/validate", data={
                "csrf_token": token, "file": (io.BytesIO(data), "a.xml", "text/xml")})

        def api(data: bytes = data) -> object:
            return client.post("/api/validate", data=data,
                               headers={"Content-Type": "application/xml"})

        errors = client.post("/api/validate", data=data,
                             headers={"Content-Type": "application/xml"}).get_json()
        print(f"{name[:44]:44} {len(data) / 1024:6.0f} {errors['error_count']:6d} "
              f"{median_ms(form, args.repeat):8.0f} {median_ms(api, args.repeat):8.0f}")

    etag = client.get("/jats/history/5763").headers["ETag"]
    for label, fn in (
        ("article page", lambda: client.get("/articles/history/5763")),
        ("JATS download (200)", lambda: client.get("/jats/history/5763")),
        ("JATS download (304)", lambda: client.get(
            "/jats/history/5763", headers={"If-None-Match": etag})),
        ("home page", lambda: client.get("/")),
        ("issue page", lambda: client.get("/journals/history/2023-4")),
    ):
        print(f"{label:44} {median_ms(fn, args.repeat * 4):8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
