"""The crawl frontier: one run's queue of list and detail pages in SQLite (`crawl_runs`,
`crawl_frontier`), so an interrupted crawl resumes where it stopped and nothing is fetched twice.

A page's status moves queued -> done | skipped | error | retry; `retry` (the network failed)
is queued again when the run resumes. List pages come off the queue breadth-first.
"""

from __future__ import annotations

import json
from typing import Any

from spider.crawl.robots import ROBOTS_SKIP
from spider.db import Database, insert_rows, register_schema, table, transaction


def ensure_frontier_schema(db: Database) -> None:
    """The `crawl_runs` and `crawl_frontier` tables. Idempotent."""
    table(db, "crawl_runs").create(
        {"id": int, "start_url": str, "scope": str, "recipe": str, "options": str,
         "status": str, "started_at": str, "finished_at": str, "pages": int, "records": int},
        pk="id", if_not_exists=True,
    )
    table(db, "crawl_runs").create_index(["start_url", "status"], if_not_exists=True)
    table(db, "crawl_frontier").create(
        {"run_id": int, "url": str, "depth": int, "kind": str, "seq": int, "status": str,
         "reason": str, "found_on": str},
        pk=("run_id", "url"), if_not_exists=True,
    )
    table(db, "crawl_frontier").create_index(["run_id", "status", "depth", "seq"],
                                             if_not_exists=True)


register_schema(ensure_frontier_schema)


class Frontier:
    """The pages of one crawl run, with their depth, kind (list or detail) and status."""

    def __init__(self, db: Database, run_id: int, *, resumed: bool = False) -> None:
        self.db = db
        self.run_id = run_id
        self.resumed = resumed
        self._seq = db.execute("select coalesce(max(seq), 0) from crawl_frontier where run_id = ?",
                               [run_id]).fetchone()[0]

    @classmethod
    def start(cls, db: Database, start_url: str, *, scope: str, recipe: str | None,
              options: dict[str, Any], now: str, resume: bool) -> Frontier:
        """Resume the newest unfinished run of START_URL (with `resume`), else begin a new one
        (an unfinished older run is marked abandoned)."""
        ensure_frontier_schema(db)
        if resume:
            row = db.execute(
                "select id from crawl_runs where start_url = ? and status = 'running' "
                "order by id desc limit 1", [start_url]).fetchone()
            if row:
                db.execute(  # pages the network failed on are tried again
                    "update crawl_frontier set status = 'queued', reason = null "
                    "where run_id = ? and status = 'retry'", [row[0]])
                return cls(db, row[0], resumed=True)
        db.execute("update crawl_runs set status = 'abandoned' where start_url = ? and "
                   "status = 'running'", [start_url])
        with transaction(db):
            insert_rows(db, "crawl_runs", [
                {"start_url": start_url, "scope": scope, "recipe": recipe,
                 "options": json.dumps(options, sort_keys=True), "status": "running",
                 "started_at": now, "pages": 0, "records": 0}])
            run_id = db.execute("select last_insert_rowid()").fetchone()[0]
            insert_rows(db, "crawl_frontier", [
                {"run_id": run_id, "url": start_url, "depth": 0, "kind": "list", "seq": 0,
                 "status": "queued", "found_on": None}])
        return cls(db, run_id)

    def next_list(self) -> tuple[str, int] | None:
        """The next queued list page (url, depth): shallowest first, then in discovery order."""
        row = self.db.execute(
            "select url, depth from crawl_frontier where run_id = ? and status = 'queued' and "
            "kind = 'list' order by depth, seq limit 1", [self.run_id]).fetchone()
        return (row[0], row[1]) if row else None

    def enqueue(self, url: str, depth: int, kind: str, found_on: str) -> None:
        """Queue URL unless this run knows it already."""
        self._seq += 1
        self.db.execute(
            "insert or ignore into crawl_frontier (run_id, url, depth, kind, seq, status, found_on) "
            "values (?, ?, ?, ?, ?, 'queued', ?)", [self.run_id, url, depth, kind, self._seq, found_on])

    def finish(self, url: str, status: str, reason: str = "") -> None:
        self.db.execute("update crawl_frontier set status = ?, reason = ? where run_id = ? and url = ?",
                        [status, reason or None, self.run_id, url])

    def status(self, url: str) -> str | None:
        row = self.db.execute("select status from crawl_frontier where run_id = ? and url = ?",
                              [self.run_id, url]).fetchone()
        return row[0] if row else None

    def used(self) -> int:
        """Pages that cost a request: every page taken off the queue but those robots.txt kept
        us from."""
        return self.db.execute(
            "select count(*) from crawl_frontier where run_id = ? and status != 'queued' "
            "and coalesce(reason, '') != ?", [self.run_id, ROBOTS_SKIP]).fetchone()[0]

    def page_done(self, url: str, records: int) -> None:
        """A list page's records were taken by the consumer: only now is the page done."""
        with transaction(self.db):
            self.finish(url, "done")
            self.db.execute("update crawl_runs set pages = ?, records = coalesce(records, 0) + ? "
                            "where id = ?", [self.used(), records, self.run_id])

    def close(self, status: str, now: str) -> None:
        """Mark the run finished or stopped (a run left 'running' is one --resume continues)."""
        self.db.execute("update crawl_runs set status = ?, finished_at = ? where id = ?",
                        [status, now, self.run_id])
