"""The pipeline: ingest the shipped seeds on first use, then resolve, link and index.

`rebuild` is the one entry point every command that changes records calls: it re-resolves
companies (spider.resolve.stage), rebuilds the signals (spider.signals), the name index
(spider.names) and the query vocabulary (spider.query). `ensure_built` runs before any command
that reads the graph: it fills a new database from the seeds and rebuilds one written by an
older version of Spider.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from spider import seeds
from spider.db import (
    Database,
    build_needed,
    graph_built,
    graph_is_current,
    set_meta,
    transaction,
)
from spider.ingest import IngestReport, ingest_file
from spider.migrate import upgrade
from spider.names import build_name_index, refresh_names
from spider.query import build_vocabulary
from spider.resolve.decisions import Change
from spider.resolve.normalize import NORMALIZE_VERSION
from spider.runtime import no_cyclic_gc
from spider.settings import Settings
from spider.signals import build_signals, refresh_signals
from spider.text import now_iso, plural

Echo = Callable[[str], None]
Progress = Callable[[Iterable[dict[str, Any]]], Iterable[dict[str, Any]]]


def ingest_seeds(db: Database, *, progress: Progress | None = None) -> list[IngestReport]:
    """Ingest every seed file named in seeds/manifest.toml (idempotent)."""
    entries = seeds.seed_sources()
    reports = []
    for entry in progress(entries) if progress else entries:
        reports.append(ingest_file(db, entry["path"], constants=entry["constants"],
                                   source=entry["source"], confidence=entry["confidence"]))
    return reports


def _stages(echo: Echo | None, started: float) -> Callable[[str], None]:
    """What a long build says as each stage starts (the bench reads these lines)."""

    def stage(what: str) -> None:
        if echo:
            echo(f"  {what} ... ({time.perf_counter() - started:.1f} s so far)")

    return stage


def rebuild(db: Database, settings: Settings, *, echo: Echo | None = None,
            engine: Any = None) -> str:
    """Re-resolve companies and rebuild signals, names and vocabulary; a one-line summary.
    `echo` hears each stage as it starts (for long rebuilds); `engine` prepares, blocks and
    scores elsewhere (spider.resolve.spark.SparkEngine).

    One transaction: a reader sees the old graph or the new one, never half of it, and an
    interrupted rebuild leaves the old graph in place (the next command rebuilds it).
    """
    # Loaded when a rebuild runs, not with this module: the resolution stack (numpy) would
    # cost every command that only reads the graph ~60 ms of start-up.
    from spider.resolve.stage import resolve_companies

    started = time.perf_counter()
    stage = _stages(echo, started)
    with transaction(db), no_cyclic_gc():
        resolved = resolve_companies(db, settings, progress=stage, engine=engine)
        stage("linking signals")
        linked = build_signals(db, settings, curated_dir=seeds.curated_dir(), engine=engine)
        stage("indexing names")
        build_name_index(db, workers=settings.workers)
        build_vocabulary(db)
        # Table sizes for the query planner, sampled (0.07 s at a million records): without
        # them it can scan a million record links to join the few won clients (50 ms a query).
        db.execute("pragma analysis_limit = 400")
        db.execute("analyze")
        set_meta(db, "normalize_version", NORMALIZE_VERSION)
        set_meta(db, "built_at", now_iso())
        set_meta(db, "needs_rebuild", "0")
        graph_built(db)
    return f"{resolved}; {linked} ({time.perf_counter() - started:.1f} s)"


def update(db: Database, settings: Settings, *, echo: Echo | None = None,
           watch: Any = None) -> str:
    """Bring the graph up to the records changed since it was built: in place when few
    changed (only the companies they touch are resolved again, and only their signals and
    names rewritten: spider.resolve.incremental), else by a full `rebuild`. One transaction,
    as a rebuild. `spider dedupe` always rebuilds in full. `watch` (spider.refresh.Watch)
    sees the companies before and after, for a diff."""
    from spider.resolve.stage import update_companies  # see rebuild: numpy loads on demand

    if graph_is_current(db) and not build_needed(db):
        return "No record changed; companies and signals left as they were."
    if build_needed(db) == "upgrade":
        if watch is not None:
            watch.see_before(db, None)
        return rebuild(db, settings, echo=echo)
    started = time.perf_counter()
    stage = _stages(echo, started)
    with transaction(db), no_cyclic_gc():
        done = update_companies(db, settings, progress=stage, watch=watch)
        if done is None:
            if watch is not None:
                watch.see_before(db, None)
            return rebuild(db, settings, echo=echo)
        if watch is not None:
            watch.see_after(done.changed)
        stage("linking signals")
        linked = refresh_signals(db, settings, done.changed, done.removed,
                                 curated_dir=seeds.curated_dir())
        stage("indexing names")
        refresh_names(db, done.changed, done.removed)
        build_vocabulary(db)
        set_meta(db, "built_at", now_iso())
        graph_built(db)
    return f"{done.summary}; {linked} ({time.perf_counter() - started:.1f} s)"


def apply_change(db: Database, settings: Settings, change: Change) -> str:
    """Bring the graph up to a person's decision (a merge, a split, a review answer) in place:
    only the companies it moved records between, their signals and their names are rewritten,
    in one transaction. The graph must have been current before the decision (the CLI makes it
    so when it opens the database); a full rebuild later gives the same companies."""
    from spider.resolve.stage import reform_companies  # see rebuild: numpy loads on demand

    started = time.perf_counter()
    with transaction(db):
        reform_companies(db, settings, change.changed, change.removed)
        linked = refresh_signals(db, settings, change.changed, change.removed,
                                 curated_dir=seeds.curated_dir())
        refresh_names(db, change.changed, change.removed)
        graph_built(db)
    return f"{plural(len(change.changed), 'company', 'companies')} updated in place; {linked} " \
           f"({time.perf_counter() - started:.2f} s)"


def ensure_built(db: Database, settings: Settings, *,
                 echo: Echo | None = None, progress: Progress | None = None) -> bool:
    """Make the graph current before a command reads it: fill a new database from the shipped
    seeds, rebuild one made by an older version or left behind by an interrupted command.
    Returns True if it built. The caller holds the writer lock (spider.locking)."""
    reason = build_needed(db)
    if reason is None:
        return False
    if reason == "seeds":
        build_from_seeds(db, settings, echo=echo, progress=progress)
        return True
    if echo:
        echo("Rebuilding the graph for this version of Spider ..." if reason == "upgrade" else
             "The graph is older than its records (an ingest or a rebuild was interrupted); "
             "rebuilding it ...")
    for done in upgrade(db):
        if echo:
            echo(f"  {done}")
    summary = update(db, settings) if reason == "behind" else rebuild(db, settings)
    if echo:
        echo(summary)
    return True


def build_from_seeds(db: Database, settings: Settings, *, echo: Echo | None = None,
                     progress: Progress | None = None) -> str:
    """Ingest the shipped seeds and build the graph, in one transaction (an interrupted first
    build leaves an empty database, built again on next use); `echo` hears what happens,
    `progress` wraps the seed files as they are read (a progress bar on a terminal)."""
    started = time.perf_counter()
    path = db.conn.execute("pragma database_list").fetchone()[2]
    if echo:
        echo(f"Building the Spider database from the shipped seeds at {path} ...")
    with transaction(db):
        reports = ingest_seeds(db, progress=progress)
        if echo and progress:
            echo("resolving companies and linking signals ...")
        summary = rebuild(db, settings)
        set_meta(db, "seeded", now_iso())
    records = sum(r.kept for r in reports)
    line = f"Built {path}: {records} seed records; {summary}; {time.perf_counter() - started:.1f} s in all"
    if echo:
        echo(line)
    return line
