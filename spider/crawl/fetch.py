"""Polite fetching: one HTTP client that honours robots.txt, spaces requests per host by
max(delay, Crawl-delay), retries with back-off (honouring Retry-After), caps the size while
streaming, follows redirects within scope, and asks the server only what the cache does not
already hold (ETag, Last-Modified). Fetching never parses pages and never saves records.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from spider.crawl.cache import HttpCache, RobotsCache
from spider.crawl.robots import (
    ROBOTS_MAX_AGE,
    ROBOTS_MAX_BYTES,
    ROBOTS_SKIP,
    Robots,
    parse_robots,
    product_token,
)
from spider.crawl.urls import Scope, normalize_url, origin
from spider.db import Database
from spider.errors import FetchError
from spider.settings import Settings

MAX_REDIRECTS = 10
MAX_WAIT = 120.0  # a Retry-After or Crawl-delay longer than this gives up on the host, loudly
RETRY_STATUSES = (429, 500, 502, 503, 504)
HTML_TYPES = ("text/html", "application/xhtml+xml")


class Clock:
    """Time as the crawler sees it; tests pass a fake one so delays cost nothing."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")


_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.I)
_NO_REUSE = re.compile(r"(?:^|,)\s*(no-cache|no-store)\b", re.I)


def fresh_until(headers: Any, now: float) -> str | None:
    """Until when a response may be used again without asking the server (ISO time), by its
    Cache-Control max-age less its Age (RFC 9111 4.2) or else its Expires; None when it must be
    revalidated every time (no-cache, no-store, or no lifetime given)."""
    control = headers.get("Cache-Control") or ""
    if _NO_REUSE.search(control):
        return None
    match = _MAX_AGE.search(control)  # s-maxage is for shared caches: this one is private
    if match:
        age = headers.get("Age") or ""
        seconds = int(match.group(1)) - (int(age) if age.strip().isdigit() else 0)
        return iso(now + seconds) if seconds > 0 else None
    expires = headers.get("Expires")
    if expires:
        try:
            when = parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError, IndexError):
            return None  # "0", "-1" or garbage: already expired
        return iso(when) if when > now else None
    return None


def _epoch(text: str | None) -> float:
    return datetime.fromisoformat(text).timestamp() if text else 0.0


class NetworkError(FetchError):
    """The host could not be reached (refused, reset, timed out): the page stays to be retried."""


class HostDeadline(FetchError):
    """The crawl has spent its time on this host (host_deadline): stop, to be resumed later."""


def _socket_of(resp: requests.Response) -> socket.socket | None:
    """The socket under a streamed response, where urllib3 lets it be found."""
    raw = resp.raw
    for path in (("_connection", "sock"), ("_fp", "fp", "raw", "_sock")):
        node: Any = raw
        for name in path:
            node = getattr(node, name, None)
            if node is None:
                break
        if isinstance(node, socket.socket):
            return node
    return None


class _Watchdog:
    """Cut a response off at its deadline: a server that trickles a byte every few seconds
    never trips a socket timeout, so the socket is shut down from another thread instead."""

    def __init__(self, resp: requests.Response, seconds: float) -> None:
        self.resp, self.fired = resp, False
        self.timer = threading.Timer(max(0.0, seconds), self._fire)
        self.timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = _socket_of(self.resp)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()


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


class Fetcher:
    """One polite HTTP client: robots, per-host spacing, retries, size cap, conditional requests."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        run_id: int | None = None,
    ) -> None:
        self.cache = HttpCache(db)
        self.robots_cache = RobotsCache(db)
        self.settings = settings
        self.requests = 0  # requests sent, retries and robots.txt included
        self.clock = clock or Clock()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent(settings)
        self.session.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
        if "@" in settings.contact:
            self.session.headers["From"] = settings.contact
        self.token = product_token(settings.user_agent)
        self.run_id = run_id  # a page already fetched in this run is reused without a request
        self._last: dict[str, float] = {}
        self.host_seconds: dict[str, float] = {}  # time spent on each host, for host_deadline
        self._robots: dict[str, Robots] = {}

    # -- politeness

    def delay_for(self, url: str) -> float:
        robots = self._robots.get(origin(url))
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

    def _request(self, url: str, headers: dict[str, str] | None = None,
                 deadline: float | None = None) -> requests.Response:
        """One GET (streamed, no redirects) with retries: back-off, honouring Retry-After, and
        never past `deadline` (time.monotonic()): each try's timeout is what is left of it."""
        retries = max(0, self.settings.retries)
        for attempt in range(retries + 1):
            self._wait_turn(url)
            left = self._left(url, deadline)
            self.requests += 1
            try:
                resp = self.session.get(
                    url,
                    headers=headers or {},
                    timeout=min(self.settings.timeout, left),
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
                self._sleep(url, self._backoff(attempt), deadline)
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
                self._sleep(url, wait, deadline)
                self._last[urlsplit(url).netloc.lower()] = self.clock.monotonic()
                continue
            return resp
        raise AssertionError("unreachable")

    def _left(self, url: str, deadline: float | None) -> float:
        """Seconds left before the page's deadline (FetchError when there are none)."""
        if deadline is None:
            return self.settings.timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(f"{url}: no complete answer within {self.settings.page_deadline:.0f} s "
                             "(page_deadline); the server is too slow, try later")
        return left

    def _sleep(self, url: str, seconds: float, deadline: float | None) -> None:
        if deadline is not None and time.monotonic() + seconds > deadline:
            self._left(url, time.monotonic())  # raises: waiting would pass the deadline
        self.clock.sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        return min(60.0, max(1.0, self.settings.delay) * 2**attempt)

    # -- robots.txt

    def robots_for(self, url: str) -> Robots:
        """The robots.txt rules for URL's origin: remembered, cached up to 24 h, or fetched."""
        site = origin(url)
        if site in self._robots:
            return self._robots[site]
        cached = self.robots_cache.get(site)
        if cached and self.clock.now() - _epoch(cached.fetched_at) < ROBOTS_MAX_AGE:
            ok = 200 <= cached.status < 300
            robots = parse_robots(cached.body, self.token) if ok else Robots()
            robots.status = cached.status
        else:
            robots = self._fetch_robots(site)
        self._robots[site] = robots
        return robots

    def _fetch_robots(self, site: str) -> Robots:
        url = site + "/robots.txt"
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
        self.robots_cache.store(site, status, body, iso(self.clock.now()))
        return robots

    # -- pages

    def fetch(self, url: str, scope: Scope, *, detail: bool = False) -> Fetched:
        """Fetch one page through robots, scope, redirects, the cache and the size cap, within
        its deadline (page_deadline) and its host's (host_deadline)."""
        host = urlsplit(url).netloc.lower()
        spent = self.host_seconds.get(host, 0.0)
        if spent > self.settings.host_deadline:
            raise HostDeadline(f"{host}: this crawl has spent {spent:.0f} s on it "
                               f"(host_deadline {self.settings.host_deadline:.0f} s); "
                               "`--resume` continues later")
        started = time.monotonic()
        try:
            return self._fetch(url, scope, detail, started + self.settings.page_deadline)
        finally:
            self.host_seconds[host] = spent + time.monotonic() - started

    def _fetch(self, url: str, scope: Scope, detail: bool, deadline: float) -> Fetched:
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
                out.skipped, out.robots = ROBOTS_SKIP, True
                return out
            cached = self.cache.get(current)
            if cached and ((self.run_id is not None and cached.checked_run == self.run_id)
                           or (cached.fresh_until and cached.fresh_until > iso(self.clock.now()))):
                # Fetched earlier in this run (a resumed crawl), or still fresh by the server's
                # Cache-Control or Expires: no request at all.
                out.final_url, out.status, out.body = current, 200, cached.body
                out.content_type, out.fetched_at, out.how = cached.content_type, cached.fetched_at, "cache"
                return out
            resp = self._request(current, cached.validators() if cached else {}, deadline)
            try:
                if resp.is_redirect and resp.headers.get("Location"):
                    current = normalize_url(urljoin(current, resp.headers["Location"]))
                    continue
                out.final_url, out.status = current, resp.status_code
                now = iso(self.clock.now())
                if resp.status_code == 304 and cached:
                    self.cache.checked(current, now=now, run_id=self.run_id,
                                       fresh_until=fresh_until(resp.headers, self.clock.now()))
                    out.body, out.content_type, out.fetched_at = cached.body, cached.content_type, cached.fetched_at
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
                with _Watchdog(resp, self._left(current, deadline)) as watchdog:
                    try:
                        body = _read_capped(resp, limit)
                    except (requests.RequestException, OSError, ValueError):
                        if not watchdog.fired:
                            raise NetworkError(f"{current}: the connection broke while reading; "
                                               "try later") from None
                        body = b""
                if watchdog.fired:
                    raise FetchError(f"{current}: the page took more than "
                                     f"{self.settings.page_deadline:.0f} s to arrive "
                                     "(page_deadline); the server is too slow, try later")
                if body is None:
                    out.skipped = f"too large (more than max_bytes {limit:,} bytes)"
                    return out
                if not ctype and not re.search(
                    rb"<(!doctype|html|head|body|table|div)", body[:2048], re.I
                ):
                    out.skipped = "not HTML (no Content-Type, does not look like HTML)"
                    return out
                self.cache.store(current, status=resp.status_code, etag=resp.headers.get("ETag"),
                                 last_modified=resp.headers.get("Last-Modified"),
                                 content_type=ctype, body=body, now=now, run_id=self.run_id,
                                 fresh_until=fresh_until(resp.headers, self.clock.now()))
                out.body, out.content_type, out.fetched_at, out.how = body, ctype, now, "downloaded"
                return out
            finally:
                resp.close()
        out.skipped = f"more than {MAX_REDIRECTS} redirects"
        return out


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
