"""Crawl: fetch a business directory politely and yield its records, page by page.

Polite by default: robots.txt per RFC 9309 (cached at most 24 h; 5xx means disallow all, 4xx
allow all), one request at a time per host spaced by max(delay, Crawl-delay), retries with
back-off that honour Retry-After, a size cap enforced while streaming, and a scope (host and
path prefix). Every response goes through an HTTP cache in SQLite with conditional requests,
and a frontier table so an interrupted crawl resumes without fetching anything twice.

Fetching is separate from saving: `crawl_directory` yields `CrawledPage`s and only writes its
own state tables (`http_cache`, `robots_cache`, `crawl_runs`, `crawl_frontier`);
`ingest_directory` saves the records through `spider.ingest.save_records`.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import requests
import sqlite_utils

from spider.db import register_schema
from spider.errors import FetchError, InputError
from spider.extract import (
    PageData,
    Recipe,
    extract_detail,
    extract_page,
    load_recipe,
    looks_like_page,
    merge_detail,
)
from spider.ingest import IngestReport, register_source, save_records
from spider.settings import Settings

ROBOTS_MAX_AGE = 24 * 3600  # RFC 9309 2.4: do not use a cached robots.txt for more than 24 hours
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 2.5: parse at least the first 500 KiB
MAX_REDIRECTS = 10
MAX_WAIT = 120.0  # a Retry-After or Crawl-delay longer than this gives up on the host, loudly
RETRY_STATUSES = (429, 500, 502, 503, 504)
NETWORK_FAILURES = 3  # pages in a row the network fails on before the crawl stops to be resumed
HTML_TYPES = ("text/html", "application/xhtml+xml")


# --------------------------------------------------------------------------- schema


def ensure_crawl_schema(db: sqlite_utils.Database) -> None:
    """The crawler's own tables: HTTP cache, robots cache, runs and their frontier. Idempotent."""
    db["http_cache"].create(
        {
            "url": str,
            "status": int,
            "etag": str,
            "last_modified": str,
            "content_type": str,
            "body": bytes,
            "body_sha1": str,
            "size": int,
            "fetched_at": str,
            "checked_at": str,
            "checked_run": int,
        },
        pk="url",
        if_not_exists=True,
    )
    db["robots_cache"].create(
        {"origin": str, "status": int, "body": str, "fetched_at": str},
        pk="origin",
        if_not_exists=True,
    )
    db["crawl_runs"].create(
        {
            "id": int,
            "start_url": str,
            "scope": str,
            "recipe": str,
            "options": str,
            "status": str,
            "started_at": str,
            "finished_at": str,
            "pages": int,
            "records": int,
        },
        pk="id",
        if_not_exists=True,
    )
    db["crawl_runs"].create_index(["start_url", "status"], if_not_exists=True)
    db["crawl_frontier"].create(
        {
            "run_id": int,
            "url": str,
            "depth": int,
            "kind": str,
            "seq": int,
            "status": str,
            "reason": str,
            "found_on": str,
        },
        pk=("run_id", "url"),
        if_not_exists=True,
    )
    db["crawl_frontier"].create_index(["run_id", "status", "depth", "seq"], if_not_exists=True)


register_schema(ensure_crawl_schema)


# --------------------------------------------------------------------------- clock


class Clock:
    """Time as the crawler sees it; tests pass a fake one so delays cost nothing."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")


def _epoch(iso: str | None) -> float:
    return datetime.fromisoformat(iso).timestamp() if iso else 0.0


# --------------------------------------------------------------------------- URLs and scope


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop the default port and the fragment, '/' for an empty path."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else f"{host}:{port}"
    )
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


@dataclass
class Scope:
    """Where the crawler may go: one host, and list pages under one path prefix."""

    host: str
    prefix: str = "/"

    @classmethod
    def for_start(cls, url: str, prefix: str | None = None) -> Scope:
        parts = urlsplit(url)
        if prefix is None:
            prefix = parts.path[: parts.path.rfind("/") + 1] or "/"
        return cls(parts.netloc.lower(), prefix if prefix.startswith("/") else "/" + prefix)

    def allows(self, url: str, *, detail: bool = False) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != self.host:
            return False
        return detail or (parts.path or "/").startswith(self.prefix)

    def __str__(self) -> str:
        return f"{self.host}{self.prefix}"


# --------------------------------------------------------------------------- robots.txt (RFC 9309)

_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _norm_path(path: str) -> str:
    """RFC 9309 2.2.2: percent-encode non-ASCII, decode escapes of unreserved characters."""

    def unescape(m: re.Match) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()

    path = re.sub(r"%([0-9A-Fa-f]{2})", unescape, path)
    return "".join(c if ord(c) < 128 else quote(c, safe="") for c in path)


@dataclass
class Robots:
    """The rules of the group that applies to our product token (or '*')."""

    rules: list[tuple[bool, str]] = field(default_factory=list)  # (allow, normalized pattern)
    crawl_delay: float | None = None
    disallow_all: bool = False
    status: int = 200
    _compiled: list[tuple[bool, int, re.Pattern]] | None = None

    def allowed(self, url: str) -> bool:
        """Longest matching pattern wins; on a tie, allow wins. /robots.txt is always allowed."""
        parts = urlsplit(url)
        path = parts.path or "/"
        if path == "/robots.txt":
            return True
        if self.disallow_all:
            return False
        if self._compiled is None:
            self._compiled = [(allow, len(p), _pattern_regex(p)) for allow, p in self.rules]
        target = _norm_path(path + (f"?{parts.query}" if parts.query else ""))
        best: tuple[int, bool] | None = None
        for allow, length, regex in self._compiled:
            if regex.match(target) and (best is None or (length, allow) > best):
                best = (length, allow)
        return True if best is None else best[1]


def _pattern_regex(pattern: str) -> re.Pattern:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""), re.S)


def product_token(user_agent: str) -> str:
    """'SpiderBot/0.1 (+https://...)' -> 'spiderbot'."""
    match = re.match(r"[A-Za-z_-]+", user_agent.strip())
    return match.group(0).lower() if match else "*"


def parse_robots(text: str, token: str) -> Robots:
    """Parse robots.txt for one product token: merge every group naming it, else the '*' groups."""
    groups: list[tuple[list[str], list[tuple[bool, str]], list[float]]] = []
    current: tuple[list[str], list[tuple[bool, str]], list[float]] | None = None
    in_agents = False
    for raw in re.split(r"\r\n|\r|\n", text.lstrip("\ufeff")):
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (s.strip() for s in line.split(":", 1))
        key = key.lower().replace(" ", "-").replace("_", "-")
        if key in ("user-agent", "useragent"):
            if not in_agents or current is None:
                current = ([], [], [])
                groups.append(current)
            match = re.match(r"[A-Za-z_*-]+", value)
            current[0].append(match.group(0).lower() if match else value.lower())
            in_agents = True
            continue
        in_agents = False
        if current is None:
            continue  # rules before any user-agent line belong to no group
        if key in ("allow", "disallow") and value:
            pattern = value if value.startswith(("/", "*")) else "/" + value
            current[1].append((key == "allow", _norm_path(pattern)))
        elif key == "crawl-delay":
            try:
                current[2].append(float(value))
            except ValueError:
                pass
    token = token.lower()
    chosen = [g for g in groups if token in g[0]] or [g for g in groups if "*" in g[0]]
    rules = [rule for g in chosen for rule in g[1]]
    delays = [d for g in chosen for d in g[2]]
    return Robots(rules=rules, crawl_delay=max(delays) if delays else None)


# --------------------------------------------------------------------------- fetching


@dataclass
class Fetched:
    """The outcome of fetching one URL (after redirects): a body to parse, or why there is none."""

    url: str
    final_url: str = ""
    status: int = 0
    body: bytes | None = None
    content_type: str = ""
    fetched_at: str = ""
    how: str = ""  # "downloaded", "not-modified", "cache" (fetched earlier in this run), or ""
    skipped: str = ""  # why no body: robots, not HTML, too large, redirect loop, HTTP 404 ...
    robots: bool = False


@dataclass
class CrawlReport:
    """What one crawl did: pages by how they were got, skips and errors with their URLs."""

    url: str
    downloaded: int = 0
    not_modified: int = 0
    from_cache: int = 0
    details: int = 0
    requests: int = 0
    records: int = 0
    robots_skipped: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    stopped: str = ""
    resumed: bool = False
    run_id: int | None = None
    ingest: IngestReport | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return self.downloaded + self.not_modified + self.from_cache

    def summary(self) -> str:
        line = (
            f"{self.url}: {self.pages} pages ({self.downloaded} downloaded, {self.not_modified} "
            f"not modified (304), {self.from_cache} from cache), {len(self.robots_skipped)} skipped "
            f"by robots.txt, {len(self.skipped)} skipped, {self.records} records"
        )
        if self.ingest is not None:
            line += (
                f" ({self.ingest.added} added, {self.ingest.updated} updated, "
                f"{self.ingest.unchanged} unchanged)"
            )
        line += f", {len(self.errors)} errors"
        if self.stopped:
            line += f"; {self.stopped}"
        if self.resumed:
            line += "; resumed"
        return line

    def lines(self, *, sample: bool = False, limit: int = 5) -> list[str]:
        """The summary, then the first few robots skips, other skips and errors (and a sample)."""
        out = [self.summary()]
        out += [f"  robots.txt disallows {url}" for url in self.robots_skipped[:limit]]
        out += [f"  skipped {url}: {reason}" for url, reason in self.skipped[:limit]]
        out += [f"  error {url}: {reason}" for url, reason in self.errors[:limit]]
        for what, items in (
            ("robots skips", self.robots_skipped),
            ("skips", self.skipped),
            ("errors", self.errors),
        ):
            if len(items) > limit:
                out.append(f"  ... and {len(items) - limit} more {what}")
        if sample:
            out.append("Sample records (dry run, nothing saved):")
            for rec in self.sample:
                shown = {
                    k: v for k, v in rec.items() if k not in ("source", "list_url", "fetched_at")
                }
                out.append("  " + json.dumps(shown, ensure_ascii=False))
        return out


def show_progress(stream: Any = None) -> Callable[[CrawlReport], None] | None:
    """A one-line page/record counter on a terminal (None when output is not a terminal)."""
    stream = stream or sys.stderr
    if not getattr(stream, "isatty", lambda: False)():
        return None

    def show(report: CrawlReport) -> None:
        stream.write(
            f"\r  {report.pages} pages, {report.records} records, {len(report.errors)} errors "
        )
        stream.flush()

    return show


class NetworkError(FetchError):
    """The host could not be reached (refused, reset, timed out): the page stays to be retried."""


class Fetcher:
    """One polite HTTP client: robots, per-host spacing, retries, size cap, conditional requests."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        settings: Settings,
        *,
        report: CrawlReport,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        run_id: int | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.report = report
        self.clock = clock or Clock()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent(settings)
        self.session.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
        if "@" in settings.contact:
            self.session.headers["From"] = settings.contact
        self.token = product_token(settings.user_agent)
        self.run_id = run_id  # a page already fetched in this run is reused without a request
        self._last: dict[str, float] = {}
        self._robots: dict[str, Robots] = {}

    # -- politeness

    def delay_for(self, url: str) -> float:
        robots = self._robots.get(_origin(url))
        crawl_delay = robots.crawl_delay if robots and robots.crawl_delay else 0.0
        return max(self.settings.delay, crawl_delay)

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        last = self._last.get(host)
        if last is not None:
            delay = self.delay_for(url)
            if delay > MAX_WAIT:
                raise FetchError(
                    f"{url}: the site asks for {delay:.0f} s between requests (Crawl-delay); "
                    "too slow to crawl, ask the site for a data export"
                )
            wait = last + delay - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)
        self._last[host] = self.clock.monotonic()

    def _request(self, url: str, headers: dict[str, str] | None = None) -> requests.Response:
        """One GET (streamed, no redirects) with retries: back-off, honouring Retry-After."""
        retries = max(0, self.settings.retries)
        for attempt in range(retries + 1):
            self._wait_turn(url)
            self.report.requests += 1
            try:
                resp = self.session.get(
                    url,
                    headers=headers or {},
                    timeout=self.settings.timeout,
                    stream=True,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == retries:
                    kind = "timed out" if isinstance(exc, requests.Timeout) else "could not connect"
                    raise NetworkError(
                        f"{url}: {kind} after {retries + 1} tries; check the URL and "
                        "the network, or try later"
                    ) from None
                self.clock.sleep(self._backoff(attempt))
                continue
            except requests.RequestException as exc:
                raise FetchError(f"{url}: {type(exc).__name__}; check the URL") from None
            if resp.status_code in RETRY_STATUSES and attempt < retries:
                wait = retry_after(resp.headers.get("Retry-After"), self.clock.now())
                resp.close()
                if wait is None:
                    wait = self._backoff(attempt)
                if wait > MAX_WAIT:
                    raise FetchError(
                        f"{url}: HTTP {resp.status_code}, asked to retry after {wait:.0f} s; "
                        "try again later"
                    )
                self.clock.sleep(wait)
                self._last[urlsplit(url).netloc.lower()] = self.clock.monotonic()
                continue
            return resp
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        return min(60.0, max(1.0, self.settings.delay) * 2**attempt)

    # -- robots.txt

    def robots_for(self, url: str) -> Robots:
        origin = _origin(url)
        if origin in self._robots:
            return self._robots[origin]
        row = self.db.execute(
            "select status, body, fetched_at from robots_cache where origin = ?", [origin]
        ).fetchone()
        if row and self.clock.now() - _epoch(row[2]) < ROBOTS_MAX_AGE:
            robots = parse_robots(row[1] or "", self.token) if 200 <= row[0] < 300 else Robots()
            robots.status = row[0]
        else:
            robots = self._fetch_robots(origin)
        self._robots[origin] = robots
        return robots

    def _fetch_robots(self, origin: str) -> Robots:
        url = origin + "/robots.txt"
        status, body = 0, ""
        # A host that cannot be reached raises FetchError here: the page is not fetched either
        # way, and "could not connect" says more than "disallowed".
        for _ in range(5):  # RFC 9309 2.3.1.2: follow at least five redirects
            resp = self._request(url)
            if resp.is_redirect and resp.headers.get("Location"):
                url = urljoin(url, resp.headers["Location"])
                resp.close()
                continue
            status = resp.status_code
            if 200 <= status < 300:
                data = _read_capped(resp, ROBOTS_MAX_BYTES, truncate=True) or b""
                body = data.decode("utf-8", errors="replace")
            resp.close()
            break
        if 200 <= status < 300:
            robots = parse_robots(body, self.token)
        elif 400 <= status < 500 and status != 429:
            robots = Robots()  # "unavailable": crawl freely
        else:
            # Unreachable (5xx, 429, too many redirects): assume complete disallow, and do
            # not store it, so the next crawl asks again.
            robots = Robots(disallow_all=True)
            robots.status = status
            return robots
        robots.status = status
        self.db["robots_cache"].upsert(
            {
                "origin": origin,
                "status": status,
                "body": body,
                "fetched_at": _iso(self.clock.now()),
            },
            pk="origin",
        )
        return robots

    # -- pages

    def fetch(self, url: str, scope: Scope, *, detail: bool = False) -> Fetched:
        """Fetch one page through robots, scope, redirects, the cache and the size cap."""
        out = Fetched(url=url)
        chain: list[str] = []
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if current in chain:
                out.skipped = "redirect loop: " + " -> ".join([*chain, current])
                return out
            if chain and not scope.allows(current, detail=detail):
                out.skipped = f"redirected out of scope to {current}"
                return out
            chain.append(current)
            if not self.robots_for(current).allowed(current):
                out.skipped, out.robots = "disallowed by robots.txt", True
                return out
            cached = self.db.execute(
                "select etag, last_modified, content_type, body, fetched_at, checked_run from http_cache "
                "where url = ?",
                [current],
            ).fetchone()
            if cached and cached[3] is not None:
                cached = (*cached[:3], zlib.decompress(cached[3]), *cached[4:])
            if (
                cached
                and cached[3] is not None
                and self.run_id is not None
                and cached[5] == self.run_id
            ):
                out.final_url, out.status, out.body, out.content_type = (
                    current,
                    200,
                    cached[3],
                    cached[2],
                )
                out.fetched_at, out.how = cached[4], "cache"
                return out
            headers = {}
            if cached and cached[3] is not None:
                if cached[0]:
                    headers["If-None-Match"] = cached[0]
                if cached[1]:
                    headers["If-Modified-Since"] = cached[1]
            resp = self._request(current, headers)
            try:
                if resp.is_redirect and resp.headers.get("Location"):
                    current = normalize_url(urljoin(current, resp.headers["Location"]))
                    continue
                out.final_url, out.status = current, resp.status_code
                now = _iso(self.clock.now())
                if resp.status_code == 304 and cached and cached[3] is not None:
                    self.db["http_cache"].update(
                        current, {"checked_at": now, "checked_run": self.run_id}
                    )
                    out.body, out.content_type, out.fetched_at = cached[3], cached[2], cached[4]
                    out.how = "not-modified"
                    return out
                if resp.status_code >= 400 or resp.status_code < 200 or resp.status_code == 304:
                    out.skipped = f"HTTP {resp.status_code}"
                    return out
                ctype = resp.headers.get("Content-Type", "")
                if ctype and ctype.split(";")[0].strip().lower() not in HTML_TYPES:
                    out.skipped = f"not HTML ({ctype.split(';')[0].strip()})"
                    return out
                limit = self.settings.max_bytes
                length = resp.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > limit:
                    out.skipped = f"too large ({int(length):,} bytes > max_bytes {limit:,})"
                    return out
                body = _read_capped(resp, limit)
                if body is None:
                    out.skipped = f"too large (more than max_bytes {limit:,} bytes)"
                    return out
                if not ctype and not re.search(
                    rb"<(!doctype|html|head|body|table|div)", body[:2048], re.I
                ):
                    out.skipped = "not HTML (no Content-Type, does not look like HTML)"
                    return out
                self.db["http_cache"].upsert(
                    {
                        "url": current,
                        "status": resp.status_code,
                        "etag": resp.headers.get("ETag"),
                        "last_modified": resp.headers.get("Last-Modified"),
                        "content_type": ctype,
                        "body": zlib.compress(body, 6),  # HTML shrinks 5-10x
                        "body_sha1": hashlib.sha1(body).hexdigest(),
                        "size": len(body),
                        "fetched_at": now,
                        "checked_at": now,
                        "checked_run": self.run_id,
                    },
                    pk="url",
                )
                out.body, out.content_type, out.fetched_at, out.how = body, ctype, now, "downloaded"
                return out
            finally:
                resp.close()
        out.skipped = f"more than {MAX_REDIRECTS} redirects"
        return out


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def user_agent(settings: Settings) -> str:
    """The configured User-Agent, with the contact setting added so a webmaster can reach us."""
    ua = settings.user_agent.strip()
    if settings.contact and settings.contact not in ua:
        ua = (
            f"{ua[:-1]}; contact: {settings.contact})"
            if ua.endswith(")")
            else f"{ua} ({settings.contact})"
        )
    return ua


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def _read_capped(resp: requests.Response, limit: int, *, truncate: bool = False) -> bytes | None:
    """Read a streamed body, stopping as soon as it passes `limit` (never holds more in memory)."""
    buf = bytearray()
    for chunk in resp.iter_content(chunk_size=64 * 1024):
        buf += chunk
        if len(buf) > limit:
            if truncate:
                return bytes(buf[:limit])
            return None
    return bytes(buf)


# --------------------------------------------------------------------------- the crawl


@dataclass
class CrawledPage:
    """One list page and the records found on it (detail pages already merged in)."""

    url: str
    depth: int
    title: str
    records: list[dict[str, Any]]
    how: str
    errors: list[str] = field(default_factory=list)


def _start_run(
    db: sqlite_utils.Database,
    start_url: str,
    scope: Scope,
    recipe: Recipe | None,
    options: dict[str, Any],
    now: str,
    resume: bool,
    report: CrawlReport,
) -> dict[str, Any]:
    if resume:
        row = db.execute(
            "select id from crawl_runs where start_url = ? and status = 'running' order by id desc limit 1",
            [start_url],
        ).fetchone()
        if row:
            report.resumed = True
            db.execute(  # pages the network failed on are tried again
                "update crawl_frontier set status = 'queued', reason = null "
                "where run_id = ? and status = 'retry'",
                [row[0]],
            )
            return db["crawl_runs"].get(row[0])
    db.execute(
        "update crawl_runs set status = 'abandoned' where start_url = ? and status = 'running'",
        [start_url],
    )
    run_id = (
        db["crawl_runs"]
        .insert(
            {
                "start_url": start_url,
                "scope": str(scope),
                "recipe": recipe.path if recipe else None,
                "options": json.dumps(options, sort_keys=True),
                "status": "running",
                "started_at": now,
                "pages": 0,
                "records": 0,
            }
        )
        .last_pk
    )
    db["crawl_frontier"].insert(
        {
            "run_id": run_id,
            "url": start_url,
            "depth": 0,
            "kind": "list",
            "seq": 0,
            "status": "queued",
            "found_on": None,
        }
    )
    db.conn.commit()
    return db["crawl_runs"].get(run_id)


def crawl_directory(
    db: sqlite_utils.Database,
    start_url: str,
    settings: Settings,
    *,
    recipe: Recipe | None = None,
    resume: bool = False,
    follow_details: bool = False,
    report: CrawlReport | None = None,
    session: requests.Session | None = None,
    clock: Clock | None = None,
    progress: Callable[[CrawlReport], None] | None = None,
) -> Iterator[CrawledPage]:
    """Walk a directory breadth-first within its scope and yield each list page's records.

    Pagination ("next", rel=next, numbered pages) stays at the same depth; other in-scope links
    go one level deeper, up to `settings.max_depth`. With `follow_details`, each item's detail
    page (same host) fills in its phone, address and website. `settings.max_pages` bounds list
    and detail pages together. A page counts as done only after the consumer took its records,
    so `resume=True` after a crash re-fetches nothing (pages already fetched come from the cache).
    """
    ensure_crawl_schema(db)
    clock = clock or Clock()
    start_url = normalize_url(start_url)
    if urlsplit(start_url).scheme not in ("http", "https") or not urlsplit(start_url).netloc:
        raise InputError(f"{start_url}: not an http(s) URL; give the directory's web address")
    report = report if report is not None else CrawlReport(start_url)
    scope = Scope.for_start(start_url, recipe.scope if recipe else None)
    options = {
        "max_pages": settings.max_pages,
        "max_depth": settings.max_depth,
        "delay": settings.delay,
        "follow_details": follow_details,
    }
    run = _start_run(db, start_url, scope, recipe, options, _iso(clock.now()), resume, report)
    run_id = report.run_id = run["id"]
    fetcher = Fetcher(db, settings, report=report, session=session, clock=clock, run_id=run_id)
    seq = db.execute(
        "select coalesce(max(seq), 0) from crawl_frontier where run_id = ?", [run_id]
    ).fetchone()[0]
    seen_lists: set[frozenset] = set()

    def used() -> int:
        # Every page that cost a request counts; a page robots.txt kept us from does not.
        return db.execute(
            "select count(*) from crawl_frontier where run_id = ? and status != 'queued' "
            "and coalesce(reason, '') != 'disallowed by robots.txt'",
            [run_id],
        ).fetchone()[0]

    def enqueue(url: str, depth: int, kind: str, found_on: str) -> None:
        nonlocal seq
        seq += 1
        db.execute(
            "insert or ignore into crawl_frontier (run_id, url, depth, kind, seq, status, found_on) "
            "values (?, ?, ?, ?, ?, 'queued', ?)",
            [run_id, url, depth, kind, seq, found_on],
        )

    def finish(url: str, status: str, reason: str = "") -> None:
        db.execute(
            "update crawl_frontier set status = ?, reason = ? where run_id = ? and url = ?",
            [status, reason or None, run_id, url],
        )
        db.conn.commit()

    failures = 0

    def lose(url: str, exc: FetchError) -> bool:
        """A network failure: keep the page for --resume; stop after a few in a row."""
        nonlocal failures
        failures += 1
        report.errors.append((url, str(exc)))
        finish(url, "retry", str(exc))
        if failures >= NETWORK_FAILURES:
            report.stopped = (
                f"the network failed {failures} times in a row; `--resume` continues from here"
            )
            return True
        return False

    def account(result: Fetched) -> None:
        if result.how == "downloaded":
            report.downloaded += 1
        elif result.how == "not-modified":
            report.not_modified += 1
        elif result.how == "cache":
            report.from_cache += 1
        elif result.robots:
            report.robots_skipped.append(result.url)
        elif result.skipped:
            report.skipped.append((result.url, result.skipped))
        if progress is not None:
            progress(report)

    while True:
        row = db.execute(
            "select url, depth from crawl_frontier where run_id = ? and status = 'queued' and kind = 'list' "
            "order by depth, seq limit 1",
            [run_id],
        ).fetchone()
        if row is None:
            break
        url, depth = row
        if used() >= settings.max_pages:
            report.stopped = f"stopped at --max-pages {settings.max_pages}"
            break
        try:
            result = fetcher.fetch(url, scope)
        except NetworkError as exc:
            if lose(url, exc):
                break
            continue
        except FetchError as exc:
            report.errors.append((url, str(exc)))
            finish(url, "error", str(exc))
            continue
        failures = 0
        account(result)
        if result.body is None:
            finish(url, "skipped", result.skipped)
            continue
        page = extract_page(
            result.body, result.final_url or url, recipe=recipe, content_type=result.content_type
        )
        for message in page.errors:
            report.errors.append((url, message))
        records = page.records
        stamp = result.fetched_at[:19] + "+00:00" if result.fetched_at else None
        for rec in records:
            rec["fetched_at"] = stamp
        if follow_details:
            try:
                records = _fill_details(
                    records,
                    fetcher,
                    scope,
                    recipe,
                    report,
                    used,
                    enqueue,
                    finish,
                    account,
                    settings,
                    url,
                    depth,
                )
            except NetworkError as exc:
                if lose(url, exc):
                    break
                continue
        _follow_links(
            page, url, depth, records, scope, settings, enqueue, seen_lists, follow_details
        )
        report.records += len(records)
        if progress is not None:
            progress(report)
        if len(report.sample) < 5:
            report.sample.extend(records[: 5 - len(report.sample)])
        yield CrawledPage(
            url=url,
            depth=depth,
            title=page.title,
            records=records,
            how=result.how,
            errors=page.errors,
        )
        finish(url, "done")
        db.execute(
            "update crawl_runs set pages = ?, records = coalesce(records, 0) + ? where id = ?",
            [used(), len(records), run_id],
        )
        db.conn.commit()
    if failures >= NETWORK_FAILURES:
        pass  # left 'running', so that --resume picks it up
    elif not report.stopped:
        db.execute(
            "update crawl_runs set status = 'finished', finished_at = ? where id = ?",
            [_iso(clock.now()), run_id],
        )
    else:
        db.execute(
            "update crawl_runs set status = 'stopped', finished_at = ? where id = ?",
            [_iso(clock.now()), run_id],
        )
    db.conn.commit()
    if report.pages == 0 and report.errors and not report.robots_skipped:
        raise FetchError(report.errors[0][1])


def _follow_links(
    page: PageData,
    url: str,
    depth: int,
    records: list[dict[str, Any]],
    scope: Scope,
    settings: Settings,
    enqueue,
    seen_lists: set[frozenset],
    follow_details: bool,
) -> None:
    """Queue pagination at the same depth (unless this page repeats an earlier one or is empty),
    and other in-scope links one level deeper."""
    details = {normalize_url(r["detail_url"]) for r in records if r.get("detail_url")}
    fingerprint = frozenset((r.get("name"), r.get("source_row")) for r in records)
    fresh = bool(records) and fingerprint not in seen_lists
    seen_lists.add(fingerprint)
    next_links = {normalize_url(u) for u in page.next_links}
    if fresh:
        for link in page.next_links:
            link = normalize_url(link)
            if scope.allows(link) and looks_like_page(link) and link not in details:
                enqueue(link, depth, "list", url)
    if depth + 1 > settings.max_depth:
        return
    for link in page.links:
        link = normalize_url(link)
        if link in details or link in next_links or not scope.allows(link):
            continue
        enqueue(link, depth + 1, "list", url)


def _fill_details(
    records,
    fetcher: Fetcher,
    scope: Scope,
    recipe: Recipe | None,
    report: CrawlReport,
    used,
    enqueue,
    finish,
    account,
    settings: Settings,
    url: str,
    depth: int,
):
    """Fetch each item's detail page (same host) and fill the record's missing fields from it."""
    out = []
    for rec in records:
        link = rec.get("detail_url")
        if not link or not scope.allows(normalize_url(link), detail=True):
            out.append(rec)
            continue
        link = normalize_url(link)
        done = fetcher.db.execute(
            "select status from crawl_frontier where run_id = ? and url = ?", [report.run_id, link]
        ).fetchone()
        if (done is None or done[0] != "done") and used() >= settings.max_pages:
            report.stopped = f"stopped at --max-pages {settings.max_pages}"
            out.append(rec)
            continue
        enqueue(link, depth + 1, "detail", url)
        try:
            result = fetcher.fetch(link, scope, detail=True)
        except NetworkError:
            raise  # the list page is kept for --resume
        except FetchError as exc:
            report.errors.append((link, str(exc)))
            finish(link, "error", str(exc))
            out.append(rec)
            continue
        if done is None or done[0] != "done":
            account(result)
            report.details += 1 if result.body is not None else 0
        if result.body is None:
            finish(link, "skipped", result.skipped)
            out.append(rec)
            continue
        try:
            detail = extract_detail(
                result.body,
                result.final_url or link,
                recipe=recipe,
                content_type=result.content_type,
            )
        except Exception as exc:  # a broken detail page loses only its own fields
            report.errors.append((link, f"detail page: {type(exc).__name__}: {exc}"))
            detail = {}
        finish(link, "done")
        out.append(merge_detail(rec, detail))
    return out


# --------------------------------------------------------------------------- saving


def ingest_directory(
    db: sqlite_utils.Database,
    url: str,
    settings: Settings,
    *,
    recipe: str | None = None,
    resume: bool = False,
    follow_details: bool = False,
    dry_run: bool = False,
    session: requests.Session | None = None,
    clock: Clock | None = None,
    progress: Callable[[CrawlReport], None] | None = None,
) -> CrawlReport:
    """Crawl a directory and save its records (page by page, so a crash loses nothing saved).

    With `dry_run` the records are counted and sampled but not saved, and the source is not
    registered; the HTTP cache still fills, so the real run after it is cheap.
    """
    loaded = load_recipe(recipe) if recipe else None
    report = CrawlReport(normalize_url(url))
    ingest = IngestReport(report.url)
    if not dry_run:
        report.ingest = ingest
    for page in crawl_directory(
        db,
        url,
        settings,
        recipe=loaded,
        resume=resume,
        follow_details=follow_details,
        report=report,
        session=session,
        clock=clock,
        progress=progress,
    ):
        ingest.read += len(page.records)
        if not dry_run and page.records:
            save_records(db, page.records, ingest)
    if not dry_run:
        register_source(
            db, report.url, "directory", recipe=loaded.path if loaded else None, report=ingest
        )
    return report
