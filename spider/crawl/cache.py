"""The crawler's caches in SQLite: an HTTP cache (bodies compressed, with the validators a
conditional request needs) and a robots.txt cache, so a refresh of a directory costs a 304
per page, or nothing at all for a page already fetched in this run.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

from spider.db import Database, register_schema, table, update_row, upsert_row


def ensure_cache_schema(db: Database) -> None:
    """The `http_cache` and `robots_cache` tables. Idempotent."""
    table(db, "http_cache").create(
        {"url": str, "status": int, "etag": str, "last_modified": str, "content_type": str,
         "body": bytes, "body_sha1": str, "size": int, "fetched_at": str, "checked_at": str,
         "checked_run": int, "fresh_until": str},
        pk="url", if_not_exists=True,
    )
    if "fresh_until" not in table(db, "http_cache").columns_dict:  # a cache made before it
        table(db, "http_cache").add_column("fresh_until", str)
    table(db, "robots_cache").create(
        {"origin": str, "status": int, "body": str, "fetched_at": str},
        pk="origin", if_not_exists=True,
    )


register_schema(ensure_cache_schema)


@dataclass(frozen=True)
class CachedPage:
    """One cached response body with what a conditional request needs."""

    url: str
    etag: str | None
    last_modified: str | None
    content_type: str
    body: bytes
    fetched_at: str
    checked_run: int | None
    # Until when the server said the copy may be used without asking (Cache-Control max-age,
    # Expires), as an ISO time; None: ask every time (with the validators).
    fresh_until: str | None = None

    def validators(self) -> dict[str, str]:
        """The conditional-request headers this copy allows (If-None-Match, If-Modified-Since)."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class HttpCache:
    """Response bodies by URL (zlib: HTML shrinks 5-10x), with their validators and when and in
    which crawl run they were last checked against the server."""

    def __init__(self, db: Database) -> None:
        self.db = db
        ensure_cache_schema(db)

    def get(self, url: str) -> CachedPage | None:
        row = self.db.execute(
            "select etag, last_modified, content_type, body, fetched_at, checked_run, "
            "fresh_until from http_cache where url = ?", [url]).fetchone()
        if row is None or row[3] is None:
            return None
        etag, last_modified, content_type, body, fetched_at, checked_run, fresh_until = row
        return CachedPage(url, etag, last_modified, content_type or "", zlib.decompress(body),
                          fetched_at, checked_run, fresh_until)

    def store(self, url: str, *, status: int, etag: str | None, last_modified: str | None,
              content_type: str, body: bytes, now: str, run_id: int | None,
              fresh_until: str | None = None) -> None:
        upsert_row(self.db, "http_cache",
                   {"url": url, "status": status, "etag": etag, "last_modified": last_modified,
                    "content_type": content_type, "body": zlib.compress(body, 6),
                    "body_sha1": hashlib.sha1(body).hexdigest(), "size": len(body),
                    "fetched_at": now, "checked_at": now, "checked_run": run_id,
                    "fresh_until": fresh_until}, pk="url")

    def checked(self, url: str, *, now: str, run_id: int | None,
                fresh_until: str | None = None) -> None:
        """The server said 304: the copy is current as of `now`, in run `run_id` (and, if
        the 304 said so, fresh until `fresh_until`)."""
        update_row(self.db, "http_cache", "url", url,
                   {"checked_at": now, "checked_run": run_id, "fresh_until": fresh_until})


@dataclass(frozen=True)
class CachedRobots:
    status: int
    body: str
    fetched_at: str


class RobotsCache:
    """robots.txt bodies by origin, as fetched (the age rule is the reader's: RFC 9309 2.4)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        ensure_cache_schema(db)

    def get(self, origin: str) -> CachedRobots | None:
        row = self.db.execute("select status, body, fetched_at from robots_cache where origin = ?",
                              [origin]).fetchone()
        return CachedRobots(row[0], row[1] or "", row[2]) if row else None

    def store(self, origin: str, status: int, body: str, fetched_at: str) -> None:
        upsert_row(self.db, "robots_cache",
                   {"origin": origin, "status": status, "body": body, "fetched_at": fetched_at},
                   pk="origin")
