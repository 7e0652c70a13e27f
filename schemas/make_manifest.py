"""Write `schemas/manifest.json` from a prepared schema directory (run once, by hand).

    python schemas/make_manifest.py ../shared/schemas

The manifest pins every official file the service needs: where it is published (URL), where
it goes in the schema directory (path) and its SHA-256. Each URL comes from the directory's
`catalog.xml`: an exact `uri`/`system` entry, else a `rewrite*` prefix, else (for a DTD module)
the folder of its driver's official URL. The catalog entries themselves are kept too, so
that `jats-oai schemas fetch` writes the same catalog beside the files it fetched.
`jats4r/` (Schematron, not read by the service), `catalog.xml` and `SOURCES.md` are left out.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from lxml import etree

NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
SKIPPED_TOP = {"jats4r", "catalog.xml", "SOURCES.md", "SHA256SUMS"}
MANIFEST = Path(__file__).resolve().parent / "manifest.json"


def catalog_entries(root: Path) -> list[list[str]]:
    """[kind, key, target] for every entry, in catalog order."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(root / "catalog.xml"), parser)
    entries = []
    for el in tree.getroot().iter(f"{NS}*"):
        kind = etree.QName(el).localname
        key = {
            "public": "publicId", "system": "systemId", "uri": "name",
            "rewriteSystem": "systemIdStartString", "rewriteURI": "uriStartString",
            "systemSuffix": "systemIdSuffix",
        }.get(kind)
        if key is None:
            continue
        target = el.get("rewritePrefix") if kind.startswith("rewrite") else el.get("uri")
        entries.append([kind, el.get(key, "").strip(), target or ""])
    return entries


def official_urls(root: Path, files: list[str], entries: list[list[str]]) -> dict[str, str]:
    """The published URL of each file: the first the catalog gives, https when it has both."""
    exact: dict[str, str] = {}
    rewrites: list[tuple[str, str]] = []
    for kind, key, target in entries:
        if kind in ("uri", "system") and key.startswith("http"):
            known = exact.setdefault(target, key)
            if known.startswith("http:") and key == "https:" + known[5:]:
                exact[target] = key  # the secure address of the same file
        elif kind.startswith("rewrite"):
            rewrites.append((target.rstrip("/") + "/", key))
    folders: dict[str, str] = {}
    for target, url in exact.items():
        if target.startswith("dtd/"):
            folder = target.rsplit("/", 1)[0] + "/"
            folders.setdefault(folder, url.rsplit("/", 1)[0] + "/")
    urls = {}
    for path in files:
        if path in exact:
            urls[path] = exact[path]
            continue
        for prefix, start in rewrites:
            if path.startswith(prefix):
                urls[path] = start + path[len(prefix):]
                break
        else:
            parts = path.split("/")
            folder = "/".join(parts[:2]) + "/"
            if folder not in folders:
                raise SystemExit(f"no published URL for {path}: nothing in catalog.xml maps it")
            urls[path] = folders[folder] + "/".join(parts[2:])
    return urls


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root = Path(argv[0])
    files = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] not in SKIPPED_TOP
    )
    entries = catalog_entries(root)
    urls = official_urls(root, files, entries)
    lines = ['{', '  "files": [']
    rows = []
    for path in files:
        data = (root / path).read_bytes()
        row = {"path": path, "url": urls[path], "sha256": hashlib.sha256(data).hexdigest(),
               "size": len(data)}
        rows.append("    " + json.dumps(row, ensure_ascii=False))
    lines.append(",\n".join(rows))
    lines += ['  ],', '  "catalog": [']
    lines.append(",\n".join("    " + json.dumps(e, ensure_ascii=False) for e in entries))
    lines += ['  ]', '}']
    MANIFEST.write_text("\n".join(lines) + "\n")
    print(f"{MANIFEST.name}: {len(files)} files, {len(entries)} catalog entries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
