"""Build the database: ingest the shipped seeds on first use, then resolve and link.

`rebuild` is the one entry point every command that changes records calls: it re-resolves
companies (spider.dedupe) and rebuilds the signals and the name index (spider.signals).
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from spider.db import get_meta, set_meta
from spider.errors import InputError
from spider.ingest import IngestReport, ingest_file, now_iso
from spider.settings import Settings

Echo = Callable[[str], None]


def seeds_dir() -> Path:
    """The seeds: $SPIDER_SEEDS, else those shipped in the package, or seeds/ in a checkout."""
    here = Path(__file__).resolve().parent
    override = os.environ.get("SPIDER_SEEDS")
    if override:
        if not (Path(override) / "manifest.toml").exists():
            raise InputError(f"SPIDER_SEEDS={override}: no manifest.toml there; unset it or fix the path")
        return Path(override)
    for candidate in (here / "seeds", here.parent / "seeds"):
        if (candidate / "manifest.toml").exists():
            return candidate
    raise InputError(f"no seeds/manifest.toml beside {here}; reinstall the package with `pip install .`")


def read_manifest(folder: Path | None = None) -> dict[str, Any]:
    folder = folder or seeds_dir()
    path = folder / "manifest.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None


def curated_dir() -> Path | None:
    try:
        folder = seeds_dir()
    except InputError:
        return None
    manifest = read_manifest(folder)
    sub = (manifest.get("curated") or {}).get("folder", "curated")
    return folder / sub


def ingest_seeds(db: sqlite_utils.Database, *, progress: Callable | None = None) -> list[IngestReport]:
    """Ingest every seed file named in seeds/manifest.toml (idempotent)."""
    folder = seeds_dir()
    manifest = read_manifest(folder)
    entries = manifest.get("source") or manifest.get("sources") or []
    reports = []
    for entry in progress(entries) if progress else entries:
        path = folder / entry["file"]
        reports.append(ingest_file(
            db, path, constants={k: str(v) for k, v in (entry.get("set") or {}).items()},
            source=f"seeds/{entry['file']}", confidence=float(entry.get("confidence", 0.8)),
        ))
    return reports


def rebuild(db: sqlite_utils.Database, settings: Settings) -> str:
    """Re-resolve companies and rebuild signals; returns a one-line summary."""
    from spider.dedupe import resolve_companies
    from spider.query import build_name_index
    from spider.signals import build_signals

    started = time.perf_counter()
    resolved = resolve_companies(db, settings)
    linked = build_signals(db, settings, curated_dir=curated_dir())
    build_name_index(db)
    set_meta(db, "built_at", now_iso())
    return f"{resolved}; {linked} ({time.perf_counter() - started:.1f} s)"


def ensure_built(db: sqlite_utils.Database, settings: Settings, *,
                 echo: Echo | None = None, force: bool = False) -> bool:
    """On first use, fill an empty database from the shipped seeds. Returns True if it built.

    A database from an older version whose derived tables changed is rebuilt here too.
    """
    if get_meta(db, "needs_rebuild") == "1" and not force:
        if echo:
            echo("Rebuilding the graph for this version of Spider ...")
        if echo:
            echo(rebuild(db, settings))
        else:
            rebuild(db, settings)
        set_meta(db, "needs_rebuild", "0")
    if not force and (get_meta(db, "seeded") or get_meta(db, "empty") == "1"):
        return False
    has_records = db.execute("select exists(select 1 from records)").fetchone()[0]
    if has_records and not force:
        return False
    build_from_seeds(db, settings, echo=echo)
    return True


def build_from_seeds(db: sqlite_utils.Database, settings: Settings, *, echo: Echo | None = None) -> str:
    import sys

    import click

    started = time.perf_counter()
    path = db.conn.execute("pragma database_list").fetchone()[2]
    if echo:
        echo(f"Building the Spider database from the shipped seeds at {path} ...")
    show = echo is not None and sys.stderr.isatty()

    def progress(items):
        if not show:
            return items
        return _iter_bar(items)

    def _iter_bar(items):
        with click.progressbar(items, label="ingesting seeds", file=sys.stderr,
                               item_show_func=lambda e: e["file"] if e else "") as bar:
            yield from bar

    reports = ingest_seeds(db, progress=progress)
    if echo and show:
        echo("resolving companies and linking signals ...")
    summary = rebuild(db, settings)
    set_meta(db, "seeded", now_iso())
    records = sum(r.added + r.updated + r.unchanged for r in reports)
    line = f"Built {path}: {records} seed records; {summary}; {time.perf_counter() - started:.1f} s in all"
    if echo:
        echo(line)
    return line
