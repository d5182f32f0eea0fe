"""The crawler against real and realistic pages served from 127.0.0.1 (never the internet).

Delays, back-off and Retry-After run on a fake clock: the server stamps each request with the
fake time, so spacing is checked from request timestamps without anyone waiting.
"""

from __future__ import annotations

import html
import io
import json
import re
import socket
import sqlite3
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from spider.cli.output import crawl_progress as show_progress
from spider.crawl.crawler import CrawlReport, crawl_directory, ingest_directory
from spider.crawl.fetch import Clock, retry_after
from spider.crawl.robots import Robots, parse_robots
from spider.crawl.urls import normalize_url
from spider.db import open_db
from spider.errors import FetchError, InputError
from spider.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
JP_SITE = FIXTURES / "jp_site"
FDIC = FIXTURES / "fdic_failed_banklist_2014.html"


class FakeClock(Clock):
    """Time that moves only when the crawler sleeps."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:  # November 2026
        self.t = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)


@dataclass
class Hit:
    time: float
    path: str
    status: int
    headers: dict[str, str]
    sent: int = 0


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    etag: bool = True
    last_modified: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Route = Page | Callable[["Handler"], Any]


class Site:
    """Routes served by the test server, and a log of every request it saw."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.clock: FakeClock | None = None
        self.base = ""
        self.down_after: int | None = None  # drop every connection after this many requests

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self, *, status: int | None = None) -> list[str]:
        return [h.path for h in self.hits if status is None or h.status == status]

    def add_dir(self, root: Path, prefix: str = "/") -> None:
        types_ = json.loads((root / "headers.json").read_text(encoding="utf-8"))
        for rel, ctype in types_.items():
            self.routes[prefix + rel] = Page((root / rel).read_bytes(), content_type=ctype)


class Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.site
        hit = Hit(site.clock.now() if site.clock else 0.0, self.path, 0, dict(self.headers))
        site.hits.append(hit)
        if site.down_after is not None and len(site.hits) > site.down_after:
            self.close_connection = True  # no response at all: the client sees a dropped connection
            return
        route = site.routes.get(self.path)
        if route is None:
            hit.status = 404
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"not found")
            return
        if callable(route):
            hit.status, hit.sent = route(self) or (200, 0)
            return
        etag = f'"{abs(hash(route.body))}"' if route.etag else None
        if (etag and self.headers.get("If-None-Match") == etag) or (
            route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified
        ):
            hit.status = 304
            self.send_response(304)
            self.end_headers()
            return
        hit.status = route.status
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        if etag:
            self.send_header("ETag", etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        for key, value in route.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(route.body)
        hit.sent = len(route.body)


@pytest.fixture
def site():
    s = Site()
    handler = type("BoundHandler", (Handler,), {"site": s})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    s.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield s
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock(site: Site) -> FakeClock:
    site.clock = FakeClock()
    return site.clock


@pytest.fixture
def db(tmp_path: Path):
    return open_db(tmp_path / "spider.db")


def settings(**overrides: Any) -> Settings:
    base = {
        "delay": 1.0,
        "retries": 2,
        "timeout": 5.0,
        "max_pages": 60,
        "max_depth": 3,
        "contact": "ops@example.com",
    }
    base.update(overrides)
    return Settings(**base)


def html_page(title: str, body: str) -> bytes:
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>".encode()


def records(db, source_prefix: str = "") -> list[dict]:
    rows = db.execute_returning_dicts(
        "select * from records where source like ?", [source_prefix + "%"]
    )
    return [{**r, "extra": json.loads(r["extra"] or "{}")} for r in rows]


def crawl(db, site: Site, path: str, clock: FakeClock, **kwargs: Any) -> CrawlReport:
    opts = kwargs.pop("settings", None) or settings()
    return ingest_directory(db, site.url(path), opts, clock=clock, **kwargs)


# --------------------------------------------------------------------------- real pages


FDIC_COLUMNS = (
    "Bank Name",
    "City",
    "ST",
    "CERT",
    "Acquiring Institution",
    "Closing Date",
    "Updated Date",
    "Loss Share Type",
    "Agreement Terminated",
    "Termination Date",
)


def _fdic_truth() -> dict[str, dict[str, str]]:
    """Ground truth read independently of the extractor, by regex over the page's rows and cells."""
    text = FDIC.read_text(encoding="utf-8")

    def lines(v: str) -> list[str]:
        v = re.sub(r"<br\s*/?>", "\x1f", v)
        v = html.unescape(re.sub(r"<[^>]+>", "", v)).replace("\xa0", " ")
        return [" ".join(line.split()) for line in v.split("\x1f") if line.strip()]

    truth: dict[str, dict[str, str]] = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", text, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if len(cells) < 8:  # not a bank row (one real row lacks its last two cells)
            continue
        values = {
            col: "; ".join(lines(cell)) for col, cell in zip(FDIC_COLUMNS, cells, strict=False)
        }
        values.update({col: "" for col in FDIC_COLUMNS[len(cells) :]})
        values["Bank Name"] = lines(cells[0])[0]  # the second line is an "En Espanol" link
        truth[values["CERT"]] = values
    return truth


def test_fdic_banklist_all_524_banks_with_every_column(db, site: Site, clock: FakeClock):
    site.routes["/banks/banklist.html"] = Page(FDIC.read_bytes())
    report = crawl(db, site, "/banks/banklist.html", clock)
    truth = _fdic_truth()
    assert len(truth) == 524
    got = {r["source_row"]: r for r in records(db)}
    assert set(got) == set(truth)  # CERT is the key
    assert report.records == 524 and report.ingest.added == 524
    for cert, cells in truth.items():
        rec = got[cert]
        as_read = {
            "Bank Name": rec["name"],
            "City": rec["city"],
            "ST": rec["region"],
            **rec["extra"],
        }
        assert {col: as_read.get(col, "") for col in FDIC_COLUMNS} == cells
        assert rec["list_title"] == "FDIC: Failed Bank List"
        assert rec["list_url"] == rec["source"] == site.url("/banks/banklist.html")
    assert sum(1 for c in truth.values() if c["Termination Date"]) == 19  # sparse columns kept too
    # Their detail links point at fdic.gov: out of scope, so never requested.
    assert all(p.startswith(("/banks/", "/robots.txt")) for p in site.paths())


def test_fdic_with_shipped_recipe(db, site: Site, clock: FakeClock):
    site.routes["/banks/banklist.html"] = Page(FDIC.read_bytes())
    crawl(db, site, "/banks/banklist.html", clock, recipe="fdic_failed_banks")
    got = {r["source_row"]: r for r in records(db)}
    assert set(got) == set(_fdic_truth())
    assert got["57866"]["name"] == "AztecAmerica Bank"
    assert got["57866"]["country"] == "US" and got["57866"]["extra"]["acquiring_institution"]


def test_shift_jis_directory_paginated_over_several_pages(db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    report = crawl(db, site, "/hotels/index.html", clock)
    got = records(db)
    names = {r["name"] for r in got}
    assert len(got) == 36 and report.records == 36
    # CP932-only characters (髙, ①) behind a "Shift_JIS" header; EUC-JP in a meta tag; no charset.
    assert {
        "ビジネスホテル髙砂",
        "ホテル①番館池袋",
        "新宿パレスホテル",
        "柊家旅館",
        "旅館 東山荘",
    } <= names
    # One directory is one source, whichever of its pages lists a hotel.
    assert {r["source"] for r in got} == {site.url("/hotels/index.html")}
    # A paginated list is one list: its pages' records carry its first page as the list
    by_url: dict[str, set[str]] = {}
    for r in got:
        by_url.setdefault(r["list_title"], set()).add(r["list_url"])
    assert by_url["池袋のビジネスホテル | 東京ホテルガイド"] == {site.url("/hotels/ikebukuro/index.html")}
    assert by_url["京都の老舗旅館 | 東京ホテルガイド"] == {site.url("/hotels/kyoto/index.html")}
    shinjuku = next(r for r in got if r["name"] == "新宿パレスホテル")
    assert shinjuku["address"] == "東京都新宿区西新宿2-1-1" and shinjuku["phone"] == "03-0000-0201"
    kyoto = next(r for r in got if r["name"] == "柊家旅館")
    assert kyoto["phone"] == "075-000-0301" and kyoto["address"].startswith("京都府京都市中京区")
    # Scope: /about.html (outside /hotels/), the external partner link and the PDF never requested.
    assert "/about.html" not in site.paths() and "/hotels/guide.pdf" not in site.paths()
    # Without --follow-details, detail pages are not fetched.
    assert not [p for p in site.paths() if "/detail/" in p]
    # Every page requested once, and politely spaced on the (fake) clock.
    assert len(site.paths()) == len(set(site.paths()))
    times = [h.time for h in site.hits]
    assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False))
    assert (
        site.hits[1].headers["User-Agent"].startswith("SpiderBot/")
        and "ops@example.com" in site.hits[1].headers["User-Agent"]
    )


def test_follow_details_fills_phone_address_website(db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    report = crawl(db, site, "/hotels/ikebukuro/index.html", clock, follow_details=True)
    got = {r["name"]: r for r in records(db)}
    assert len(got) == 18 and report.details == 18
    rec = got["ビジネスホテル髙砂"]
    assert rec["phone"] == "03-0000-0103"
    assert rec["address"] == "東京都豊島区南池袋3-1-8" and rec["postal_code"] == "171-0021"
    assert rec["website"] == "https://example.jp/ikb03/"
    assert rec["district"] == "池袋・豊島区"  # what the list said is kept
    assert rec["source_row"] == site.url("/hotels/detail/ikb-03.html")


def test_recipe_with_detail_fields(db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    crawl(db, site, "/hotels/index.html", clock, recipe="hotel_guide_cards", follow_details=True)
    got = {r["name"]: r for r in records(db)}
    assert len(got) == 18  # the recipe reads the card pages only
    rec = got["ホテル①番館池袋"]
    assert rec["phone"] == "03-0000-0106" and rec["postal_code"] == "171-0021"
    assert rec["address"] == "東京都豊島区池袋2-5-5" and rec["category"] == "business hotel"
    assert rec["description"].startswith("駅徒歩")


# --------------------------------------------------------------------------- politeness


def test_robots_disallow_and_crawl_delay_from_request_times(db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    site.routes["/robots.txt"] = Page(
        b"User-agent: *\nDisallow: /hotels/kyoto/\nCrawl-delay: 5\n", content_type="text/plain"
    )
    report = crawl(db, site, "/hotels/index.html", clock)
    assert not [p for p in site.paths() if "/kyoto/" in p]
    assert report.robots_skipped == [site.url("/hotels/kyoto/index.html")]
    times = [h.time for h in site.hits]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps and min(gaps) >= 5.0  # max(delay 1 s, Crawl-delay 5 s)
    assert len(records(db)) == 28
    assert "1 skipped by robots.txt" in report.summary()


def test_robots_group_for_our_token_beats_star(db, site: Site, clock: FakeClock):
    site.routes["/d/index.html"] = Page(
        html_page(
            "D",
            "<table><tr><th>Name</th><th>City</th></tr>"
            "<tr><td>Acme</td><td>Tokyo</td></tr></table>",
        )
    )
    site.routes["/robots.txt"] = Page(
        b"User-agent: *\nDisallow: /\n\nUser-agent: spiderbot\nAllow: /d/\n",
        content_type="text/plain",
    )
    crawl(db, site, "/d/index.html", clock)
    assert [r["name"] for r in records(db)] == ["Acme"]


@pytest.mark.parametrize(
    ("status", "allowed"), [(500, False), (503, False), (404, True), (403, True)]
)
def test_robots_5xx_disallows_all_4xx_allows_all(
    db, site: Site, clock: FakeClock, status: int, allowed: bool
):
    site.routes["/d/index.html"] = Page(
        html_page(
            "D",
            "<table><tr><th>Name</th><th>City</th></tr>"
            "<tr><td>Acme</td><td>Tokyo</td></tr></table>",
        )
    )
    site.routes["/robots.txt"] = Page(b"oops", content_type="text/plain", status=status)
    report = crawl(db, site, "/d/index.html", clock, settings=settings(retries=0))
    assert ("/d/index.html" in site.paths()) is allowed
    assert len(report.robots_skipped) == (0 if allowed else 1)


def test_robots_cached_at_most_24_hours(db, site: Site, clock: FakeClock):
    site.routes["/d/index.html"] = Page(html_page("D", "<p>nothing listed</p>"))
    site.routes["/robots.txt"] = Page(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    crawl(db, site, "/d/index.html", clock)
    crawl(db, site, "/d/index.html", clock)
    assert site.paths().count("/robots.txt") == 1
    clock.t += 24 * 3600 + 1
    crawl(db, site, "/d/index.html", clock)
    assert site.paths().count("/robots.txt") == 2


def test_429_with_retry_after_is_honoured(db, site: Site, clock: FakeClock):
    calls = {"n": 0}
    body = html_page(
        "List",
        "<table><tr><th>Name</th><th>City</th></tr><tr><td>Acme</td><td>Osaka</td></tr></table>",
    )

    def throttled(h: Handler):
        calls["n"] += 1
        if calls["n"] == 1:
            h.send_response(429)
            h.send_header("Retry-After", "7")
            h.end_headers()
            return 429, 0
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        h.wfile.write(body)
        return 200, len(body)

    site.routes["/d/list.html"] = throttled
    report = crawl(db, site, "/d/list.html", clock)
    hits = [h for h in site.hits if h.path == "/d/list.html"]
    assert [h.status for h in hits] == [429, 200]
    assert hits[1].time - hits[0].time >= 7.0 and 7.0 in clock.sleeps
    assert report.records == 1 and not report.errors


def test_503_retry_after_http_date_then_gives_up(db, site: Site, clock: FakeClock):
    when = formatdate(clock.now() + 30, usegmt=True)
    site.routes["/d/list.html"] = Page(b"busy", status=503, headers={"Retry-After": when})
    report = crawl(db, site, "/d/list.html", clock, settings=settings(retries=2))
    assert [h.status for h in site.hits if h.path == "/d/list.html"] == [503, 503, 503]
    assert any(29 <= s <= 31 for s in clock.sleeps)
    assert report.skipped == [(site.url("/d/list.html"), "HTTP 503")]
    assert retry_after("12", 0) == 12.0 and retry_after("soon", 0) is None


def test_redirect_loop_is_detected(db, site: Site, clock: FakeClock):
    def redirect(to: str):
        def handler(h: Handler):
            h.send_response(302)
            h.send_header("Location", to)
            h.end_headers()
            return 302, 0

        return handler

    site.routes["/d/index.html"] = Page(
        html_page("Index", '<a href="a.html">A</a> <a href="ok.html">OK</a>')
    )
    site.routes["/d/a.html"] = redirect("/d/b.html")
    site.routes["/d/b.html"] = redirect(site.url("/d/a.html"))
    site.routes["/d/ok.html"] = Page(
        html_page(
            "OK",
            "<table><tr><th>Name</th><th>City</th></tr><tr><td>Acme</td><td>Kobe</td></tr></table>",
        )
    )
    report = crawl(db, site, "/d/index.html", clock)
    reasons = dict(report.skipped)
    assert reasons[site.url("/d/a.html")].startswith("redirect loop")
    assert site.paths().count("/d/a.html") == 1 and site.paths().count("/d/b.html") == 1
    assert [r["name"] for r in records(db)] == ["Acme"]


def _endless(new_items: bool):
    def handler(h: Handler):
        n = int(h.path.rsplit("=", 1)[1])
        names = [f"Company {n}-{i}" if new_items else f"Company {i}" for i in range(3)]
        items = "".join(f"<li><h3>{x}</h3><p>Tel: 03-0000-{n:04d}</p></li>" for x in names)
        body = html_page(
            f"Members page {n}",
            f'<h1>Members</h1><ul>{items}</ul><a rel="next" href="/d/list?page={n + 1}">Next</a>',
        )
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        h.wfile.write(body)
        return 200, len(body)

    return handler


def test_endless_next_chain_repeating_stops_early(db, site: Site, clock: FakeClock):
    site.routes.update({f"/d/list?page={n}": _endless(False) for n in range(1, 1000)})
    report = crawl(db, site, "/d/list?page=1", clock)
    assert site.paths(status=200) == ["/d/list?page=1", "/d/list?page=2"]
    assert report.records == 6


def test_endless_next_chain_new_items_stops_at_max_pages(db, site: Site, clock: FakeClock):
    site.routes.update({f"/d/list?page={n}": _endless(True) for n in range(1, 1000)})
    report = crawl(db, site, "/d/list?page=1", clock, settings=settings(max_pages=7))
    assert len(site.paths(status=200)) == 7 and report.stopped == "stopped at --max-pages 7"
    assert (
        len({r["list_title"] for r in records(db)}) == 1
    )  # "Members page N" minus the page number


def test_50mb_response_is_capped_while_streaming(db, site: Site, clock: FakeClock):
    def huge(h: Handler, declare: bool):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        if declare:
            h.send_header("Content-Length", str(50 * 1024 * 1024))
        h.end_headers()
        chunk, sent = b"<p>" + b"x" * (64 * 1024 - 3), 0
        try:
            while sent < 50 * 1024 * 1024:
                h.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return 200, sent

    site.routes["/d/index.html"] = Page(
        html_page("I", '<a href="big.html">big</a> <a href="declared.html">d</a>')
    )
    site.routes["/d/big.html"] = lambda h: huge(h, False)
    site.routes["/d/declared.html"] = lambda h: huge(h, True)
    tracemalloc.start()
    try:
        report = crawl(db, site, "/d/index.html", clock, settings=settings(max_bytes=1_000_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    reasons = dict(report.skipped)
    assert reasons[site.url("/d/big.html")].startswith("too large (more than max_bytes")
    assert reasons[site.url("/d/declared.html")].startswith("too large (52,428,800 bytes")
    assert peak < 12_000_000  # never anywhere near 50 MB in memory
    assert db.execute("select count(*) from http_cache where url like '%big%'").fetchone()[0] == 0


def test_non_html_response_is_skipped(db, site: Site, clock: FakeClock):
    site.routes["/d/index.html"] = Page(
        html_page("I", '<a href="export">members (PDF)</a> <a href="x.pdf">pdf</a>')
    )
    site.routes["/d/export"] = Page(b"%PDF-1.4 " + b"0" * 10000, content_type="application/pdf")
    report = crawl(db, site, "/d/index.html", clock)
    assert (site.url("/d/export"), "not HTML (application/pdf)") in report.skipped
    assert "/d/x.pdf" not in site.paths()  # obviously not HTML: not even requested


def test_progress_counter_only_on_a_terminal(db, site: Site, clock: FakeClock):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert show_progress(io.StringIO()) is None
    out = Terminal()
    site.add_dir(JP_SITE)
    ingest_directory(
        db,
        site.url("/hotels/kyoto/index.html"),
        settings(),
        clock=clock,
        progress=show_progress(out),
    )
    assert out.getvalue().endswith("\r  2 pages, 8 records, 0 errors ")


# --------------------------------------------------------------------------- cache and resume


def test_conditional_recrawl_gets_only_304s(db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    for path, page in list(site.routes.items()):
        if "shinjuku" in path:  # these answer Last-Modified only, the rest ETag
            page.etag, page.last_modified = False, formatdate(clock.now() - 86400, usegmt=True)
    first = crawl(db, site, "/hotels/index.html", clock, follow_details=True)
    site.hits.clear()
    second = crawl(db, site, "/hotels/index.html", clock, follow_details=True)
    assert first.downloaded == second.not_modified == 8 + 18  # list pages + detail pages
    assert second.downloaded == 0 and {h.status for h in site.hits} == {304}
    assert sum(h.sent for h in site.hits) == 0  # no bodies at all (robots.txt cached too)
    assert second.ingest.unchanged == 36 and second.ingest.added == second.ingest.updated == 0
    assert "not modified (304)" in second.summary()


def test_resume_after_a_crash_fetches_nothing_twice(db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    expected = {p for p in site.routes if "/detail/" in p or p.endswith(".html")}

    class Crash(Exception):
        pass

    crashing = FakeClock()
    site.clock = crashing
    original = crashing.sleep

    def sleep(seconds: float) -> None:
        if (
            len(crashing.sleeps) == 12 and not crashed
        ):  # mid-crawl, among the Ikebukuro detail pages
            crashed.append(True)
            raise Crash
        original(seconds)

    crashed: list[bool] = []

    crashing.sleep = sleep  # type: ignore[method-assign]
    with pytest.raises(Crash):
        crawl(db, site, "/hotels/index.html", crashing, follow_details=True)
    before = site.paths()
    saved = len(records(db))
    assert 0 < len(before) < len(expected)
    report = crawl(db, site, "/hotels/index.html", crashing, follow_details=True, resume=True)
    paths = site.paths()
    assert report.resumed and report.from_cache >= 1
    assert len(paths) == len(set(paths))  # nothing fetched twice
    assert {p for p in paths if p != "/robots.txt"} == expected
    got = records(db)
    assert len(got) == 36 > saved
    assert sum(1 for r in got if r.get("phone", "").startswith("03-0000-01")) == 18
    # Resuming a finished crawl starts a fresh one (conditional requests: all 304).
    site.hits.clear()
    again = crawl(db, site, "/hotels/index.html", crashing, follow_details=True, resume=True)
    assert not again.resumed and {h.status for h in site.hits} == {304}


def test_lost_network_stops_the_crawl_and_resume_continues(db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    site.down_after = 6
    report = crawl(db, site, "/hotels/index.html", clock)
    assert report.stopped.startswith("the network failed 3 times in a row")
    assert db.execute("select status from crawl_runs").fetchone()[0] == "running"
    served = site.paths(status=200)
    site.down_after = None
    resumed = crawl(db, site, "/hotels/index.html", clock, resume=True)
    assert resumed.resumed and not resumed.stopped
    all_served = site.paths(status=200)
    assert len(all_served) == len(set(all_served)) == 8  # the 8 list pages, each served once
    assert set(served) < set(all_served)
    assert len(records(db)) == 36


def test_crawl_directory_only_yields_pages_and_never_saves(db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    pages = list(
        crawl_directory(db, site.url("/hotels/shinjuku/index.html"), settings(), clock=clock)
    )
    assert [len(p.records) for p in pages] == [5, 5]
    assert db.execute("select count(*) from records").fetchone()[0] == 0
    assert all(r["fetched_at"].endswith("+00:00") for p in pages for r in p.records)


def test_depth_and_max_pages_bound_the_walk(db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    report = crawl(db, site, "/hotels/index.html", clock, settings=settings(max_depth=0))
    assert site.paths() == ["/robots.txt", "/hotels/index.html"] and report.pages == 1
    site.hits.clear()
    report = crawl(db, site, "/hotels/index.html", clock, settings=settings(max_pages=2))
    assert report.pages == 2 and report.stopped


def test_start_url_that_cannot_be_fetched_is_one_line_error(db, site: Site, clock: FakeClock):
    with pytest.raises(InputError, match="not an http"):
        crawl_directory(db, "ftp://example.org/x", settings(), clock=clock).__next__()
    with pytest.raises(FetchError, match="could not connect"):
        ingest_directory(db, "http://127.0.0.1:9/list.html", settings(retries=1), clock=clock)


# --------------------------------------------------------------------------- robots.txt parser (RFC 9309)

ROBOTS = """
# comment
User-agent: SpiderBot
User-agent: otherbot
Disallow: /private/
Allow: /private/public*
Disallow: /*.php$
Allow: /page
Disallow: /*.html
Crawl-delay: 3

User-agent: *
Disallow: /
"""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/", True),
        ("/private/x", False),
        ("/private/public/x", True),  # longer allow wins
        ("/index.php", False),
        ("/index.php?x=1", True),  # $ anchors the end
        ("/page.html", False),  # "/*.html" (7 octets) is longer than "/page" (5)
        ("/page", True),
        ("/robots.txt", True),
        ("/caf%C3%A9/", True),
    ],
)
def test_robots_longest_match(path: str, allowed: bool):
    robots = parse_robots(ROBOTS, "spiderbot")
    assert robots.allowed("http://h" + path) is allowed
    assert robots.crawl_delay == 3.0


def test_robots_rules():
    tie = parse_robots("User-agent: *\nDisallow: /a\nAllow: /a\n", "spiderbot")
    assert tie.allowed("http://h/a/b")  # equal length: allow wins
    star = parse_robots(ROBOTS, "somebot")
    assert not star.allowed("http://h/anything") and star.allowed("http://h/robots.txt")
    enc = parse_robots("User-agent: *\nDisallow: /café/\nDisallow: /%7Euser\n", "spiderbot")
    assert not enc.allowed("http://h/caf%C3%A9/menu") and not enc.allowed("http://h/~user/x")
    empty = parse_robots("User-agent: *\nDisallow:\n", "spiderbot")
    assert empty.allowed("http://h/x")
    orphan = parse_robots("Disallow: /\nUser-agent: *\nAllow: /\n", "spiderbot")
    assert orphan.allowed("http://h/x")  # rules before any user-agent line belong to no group
    merged = parse_robots(
        "User-agent: spiderbot\nDisallow: /a\n\nUser-agent: SPIDERBOT\nDisallow: /b\n", "spiderbot"
    )
    assert not merged.allowed("http://h/a") and not merged.allowed("http://h/b")
    assert Robots(disallow_all=True).allowed("http://h/robots.txt")


def test_normalize_url():
    assert normalize_url("HTTP://Example.COM:80/a b#frag") == "http://example.com/a%20b"
    assert normalize_url("https://example.com") == "https://example.com/"


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def no_rebuild(monkeypatch):
    """The CLI calls spider.pipeline.update after saving; the crawl tests do not depend on it."""
    import spider.pipeline as pipeline

    calls: list[int] = []
    monkeypatch.setattr(pipeline, "update", lambda db, settings, **k: calls.append(1) or "rebuilt")
    monkeypatch.setattr(pipeline, "ensure_built", lambda *a, **k: False)
    return calls


def test_cli_crawl_saves_records_and_prints_summary(
    tmp_path: Path, site: Site, no_rebuild, monkeypatch
):
    from click.testing import CliRunner

    from spider.cli import main

    site.add_dir(JP_SITE)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spider.toml").write_text("[spider]\ndelay = 0.0\n", encoding="utf-8")
    runner = CliRunner()
    path = str(tmp_path / "cli.db")
    result = runner.invoke(
        main,
        [
            "--db",
            path,
            "crawl",
            site.url("/hotels/shinjuku/index.html"),
            "--max-pages",
            "5",
            "--depth",
            "1",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "2 pages (2 downloaded" in result.output and "10 records (10 added" in result.output
    assert "rebuilt" in result.output and no_rebuild == [1]
    db = open_db(path)
    assert db.execute("select count(*) from records").fetchone()[0] == 10
    assert db.execute("select kind from sources").fetchone()[0] == "directory"

    again = runner.invoke(
        main,
        ["--db", path, "crawl", site.url("/hotels/shinjuku/index.html")],
        catch_exceptions=False,
    )
    assert "2 not modified (304)" in again.output and "No record changed" in again.output
    assert no_rebuild == [1]

    result = runner.invoke(
        main,
        ["--db", path, "crawl", site.url("/hotels/kyoto/index.html"), "--dry-run"],
        catch_exceptions=False,
    )
    assert (
        result.exit_code == 0
        and "Sample records (dry run" in result.output
        and "柊家旅館" in result.output
    )
    assert db.execute("select count(*) from records").fetchone()[0] == 10

    result = runner.invoke(main, ["--db", path, "crawl", site.url("/x/"), "--recipe", "nope.toml"])
    assert result.exit_code == 1 and "no such recipe file" in result.output


def test_resume_after_kill_9_fetches_nothing_twice(tmp_path: Path, site: Site):
    """A real crash: the crawling process is killed (SIGKILL) mid-crawl, then resumed."""
    import os
    import subprocess
    import time

    import spider

    site.add_dir(JP_SITE)
    path = tmp_path / "killed.db"
    script = (
        "import sys; from spider.db import open_db; from spider.crawl.crawler import ingest_directory;"
        "from spider.settings import Settings;"
        f"ingest_directory(open_db({str(path)!r}), {site.url('/hotels/index.html')!r},"
        " Settings(delay=0.05, max_pages=60), follow_details=True)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(spider.__file__).parent.parent)}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 20
        while len(site.hits) < 10 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.kill()
    finally:
        proc.wait(timeout=10)
    before = site.paths()
    assert 10 <= len(before) < 27  # robots.txt + part of the 26 pages
    db = open_db(path)
    report = ingest_directory(
        db, site.url("/hotels/index.html"), settings(delay=0.0), resume=True, follow_details=True
    )
    paths = site.paths()
    assert report.resumed and set(paths) == set(before) | set(paths[len(before) :])
    # Only a response in flight at the moment of the kill (never stored) may be asked again.
    again = [p for p in paths[len(before) :] if p in before]
    assert again in ([], [before[-1]])
    assert len(set(paths)) == 27
    assert db.execute("select count(*) from records").fetchone()[0] == 36


# --------------------------------------------------------------------------- deadlines


def test_a_trickling_page_is_cut_off_at_its_deadline(db, site: Site, clock: FakeClock):
    """A server that sends a byte at a time never trips a socket timeout: the page's own
    deadline ends it, and the crawl goes on to the next page."""

    def trickle(h: Handler):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        try:
            for _ in range(200):
                h.wfile.write(b"x")
                h.wfile.flush()
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        return 200, 0

    site.routes["/t/index.html"] = Page(html_page(
        "Trickle", '<a href="slow.html">slow</a> <a href="fine.html">fine</a>'))
    site.routes["/t/slow.html"] = trickle
    site.routes["/t/fine.html"] = Page(html_page("Fine", "<ul>" + "".join(
        f"<li><h3>Company {i}</h3><p>TEL 03-1234-56{i:02d}</p></li>" for i in range(5)) + "</ul>"))
    started = time.monotonic()
    report = crawl(db, site, "/t/index.html", clock,
                   settings=settings(page_deadline=1.5, timeout=5.0, retries=1))
    assert time.monotonic() - started < 20  # not the 40 s the trickle would take
    errors = dict(report.errors)
    assert "page_deadline" in errors[site.url("/t/slow.html")]
    assert report.records == 5


def test_an_accept_and_hang_host_fails_within_the_page_deadline(db, clock: FakeClock):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def accept_forever() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)  # never answers

    threading.Thread(target=accept_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/list.html"
    started = time.monotonic()
    try:
        with pytest.raises(FetchError):
            ingest_directory(db, url, settings(page_deadline=2.0, timeout=1.0, retries=3),
                             clock=clock)
    finally:
        server.close()
        for conn in held:
            conn.close()
    assert time.monotonic() - started < 30


def test_a_host_that_has_had_its_time_stops_the_crawl_for_resume(db, site: Site,
                                                                 clock: FakeClock):
    pages = {f"/h/p{i}.html": Page(html_page(f"P{i}", f'<a href="p{i + 1}.html">go on</a>'))
             for i in range(6)}
    site.routes.update(pages)
    report = crawl(db, site, "/h/p0.html", clock, settings=settings(host_deadline=0.0))
    assert "host_deadline" in report.stopped and "--resume" in report.stopped
    assert report.pages == 1
    (status,) = db.execute("select status from crawl_runs").fetchone()
    assert status == "running"  # left for --resume


def test_a_page_without_records_says_why_and_what_might_help(db, site: Site, clock: FakeClock):
    broken = "<table><td>Hotel A<td>Tokyo<tr><td>Hotel B</table><nav>" + "".join(
        f'<a href="/e/item{i}.html">item {i}</a> ' for i in range(12)) + "</nav>"
    site.routes["/e/index.html"] = Page(html_page("Members", broken))
    report = crawl(db, site, "/e/index.html", clock, settings=settings(max_depth=0))
    assert report.records == 0
    (url, why), = report.empty
    assert "no records found" in why and "1 table" in why and "--follow-details" in why
    from spider.cli.output import crawl_lines

    assert any("no records found" in line for line in crawl_lines(report))


def test_a_paginated_index_of_lists_is_followed_to_every_list(db, site: Site, clock: FakeClock):
    """An association's index of member lists spread over pages ("Next »", rel=next, page
    numbers): every list on every index page is crawled, not only those of the first."""
    lists_per_page, pages = 4, 4
    for page in range(1, pages + 1):
        links = "".join(f'<li><a href="/lists/{(page - 1) * lists_per_page + n}.html">Region '
                        f"{(page - 1) * lists_per_page + n}</a></li>"
                        for n in range(1, lists_per_page + 1))
        pager = " ".join(f'<a href="/index-{n}.html">{n}</a>' for n in range(1, pages + 1))
        nxt = f'<a href="/index-{page + 1}.html" rel="next">Next »</a>' if page < pages else ""
        head = f'<link rel="next" href="/index-{page + 1}.html">' if page < pages else ""
        site.routes[f"/index-{page}.html"] = Page(html_page(
            f"Member lists, page {page}", f"{head}<ul>{links}</ul><div class='pager'>{pager} {nxt}</div>"))
    for n in range(1, lists_per_page * pages + 1):
        rows = "".join(f"<tr><td>Clinic {n}-{k}</td><td>City {n}</td><td>0{n:02d}-555-01{k:02d}</td></tr>"
                       for k in range(1, 4))
        site.routes[f"/lists/{n}.html"] = Page(html_page(
            f"Region {n} members", f"<table><tr><th>Name</th><th>City</th><th>Phone</th></tr>{rows}</table>"))
    report = crawl(db, site, "/index-1.html", clock)
    crawled = {p for p in site.paths() if p.startswith("/lists/")}
    assert crawled == {f"/lists/{n}.html" for n in range(1, 17)}
    assert report.records == 48
    assert {f"/index-{n}.html" for n in range(1, 5)} <= set(site.paths())


def test_refresh_of_a_crawled_directory_costs_304s_and_marks_an_item_gone_stale(
        db, site: Site, clock: FakeClock):
    from spider.pipeline import update
    from spider.refresh import find_source, refresh

    site.add_dir(JP_SITE)
    first = crawl(db, site, "/hotels/index.html", clock)
    update(db, settings())
    assert first.ingest.added > 10
    shinjuku = site.routes["/hotels/shinjuku/index.html"]
    assert isinstance(shinjuku, Page)
    # The directory's next edition drops one hotel from the Shinjuku page.
    shinjuku.body = re.sub(rb"<tr><td>[^\n]*03-0000-0205</td></tr>\n", b"", shinjuku.body)
    site.hits.clear()
    source = find_source(db, site.url("/hotels/index.html"))
    assert source["kind"] == "directory"
    result = refresh(db, settings(), [source])
    assert not result.errors
    pages = {h.path: h.status for h in site.hits if h.path.startswith("/hotels/")}
    assert pages.pop("/hotels/shinjuku/index.html") == 200
    assert set(pages.values()) == {304}  # every unchanged page cost a 304, no body
    gone = db.execute("select name, phone from records where status = 'stale'").fetchall()
    assert [phone for _, phone in gone] == ["03-0000-0205"]
    assert [(c.change, c.name) for c in result.changes] == [("gone", gone[0][0])]
    assert "1 gone from the directory (marked stale)" in result.lines[0]


def test_a_page_fresh_by_cache_control_costs_no_request_until_it_expires(
        db, site: Site, clock: FakeClock):
    site.add_dir(JP_SITE)
    for path, page in site.routes.items():
        if isinstance(page, Page) and path.startswith("/hotels/shinjuku/"):
            page.headers["Cache-Control"] = "public, max-age=3600"
        elif isinstance(page, Page) and path.startswith("/hotels/kyoto/"):
            page.headers["Cache-Control"] = "no-cache, max-age=3600"
    crawl(db, site, "/hotels/index.html", clock)
    site.hits.clear()
    clock.t += 600  # ten minutes later: the Shinjuku pages are still fresh
    again = crawl(db, site, "/hotels/index.html", clock)
    asked = {h.path for h in site.hits}
    assert not any(p.startswith("/hotels/shinjuku/") for p in asked)
    assert {"/hotels/kyoto/index.html", "/hotels/index.html"} <= asked  # revalidated: 304
    assert again.from_cache == 2 and again.downloaded == 0
    site.hits.clear()
    clock.t += 7200  # two hours on: stale, so asked again (a 304, no body)
    crawl(db, site, "/hotels/index.html", clock)
    assert {h.status for h in site.hits if h.path.startswith("/hotels/shinjuku/")} == {304}


def test_a_page_that_fails_on_refresh_marks_nothing_gone(db, site: Site, clock: FakeClock):
    """From a review: a 503 after the retries was a skip, the crawl counted as whole, and the
    page's hotels were marked gone."""
    from spider.pipeline import update
    from spider.refresh import find_source, refresh

    site.add_dir(JP_SITE)
    crawl(db, site, "/hotels/index.html", clock)
    update(db, settings())
    page = site.routes["/hotels/shinjuku/page2.html"]
    assert isinstance(page, Page)
    page.status, page.etag = 503, False
    result = refresh(db, settings(), [find_source(db, site.url("/hotels/index.html"))])
    assert not result.errors
    assert db.execute("select count(*) from records where status = 'stale'").fetchone() == (0,)
    assert not [c for c in result.changes if c.change == "gone"]


def test_a_listing_page_gone_at_one_refresh_is_gone_for_good_only_at_the_next(
        db, site: Site, clock: FakeClock):
    """A new user's guide: one listing page answered 404 at a refresh (its members' own pages
    still up) and its 14 restaurants were marked gone, a callback among them, with no page
    named. A page the last run read that is gone now holds its members back once, named in
    the summary; gone at the next refresh too, they are gone."""
    from spider.pipeline import update
    from spider.refresh import find_source, refresh

    site.add_dir(JP_SITE)
    crawl(db, site, "/hotels/index.html", clock)
    update(db, settings())
    page = site.routes["/hotels/shinjuku/page2.html"]
    assert isinstance(page, Page)
    page.status, page.etag = 404, False
    source = find_source(db, site.url("/hotels/index.html"))
    first = refresh(db, settings(), [source])
    assert db.execute("select count(*) from records where status = 'stale'").fetchone() == (0,)
    assert any("page2.html" in line and "nothing marked gone" in line for line in first.lines), \
        first.lines
    refresh(db, settings(), [find_source(db, site.url("/hotels/index.html"))])
    assert db.execute("select count(*) from records where status = 'stale'").fetchone()[0] > 0


def test_freshness_reads_max_age_less_age_and_never_s_maxage():
    from spider.crawl.fetch import fresh_until, iso

    now = 1_795_000_000.0
    assert fresh_until({"Cache-Control": "s-maxage=86400, max-age=0"}, now) is None
    assert fresh_until({"Cache-Control": "max-age=600", "Age": "100"}, now) == iso(now + 500)
    assert fresh_until({"Cache-Control": "max-age=600", "Age": "900"}, now) is None
    assert fresh_until({"Cache-Control": "no-store"}, now) is None


def test_cli_a_crawl_that_reads_nothing_fails_and_leaves_no_source(
    tmp_path: Path, site: Site, no_rebuild, monkeypatch
):
    from click.testing import CliRunner

    from spider.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "spider.toml").write_text("[spider]\ndelay = 0.0\nretries = 1\n",
                                          encoding="utf-8")
    path = str(tmp_path / "cli.db")
    result = CliRunner().invoke(main, ["--db", path, "crawl", site.url("/nope.html")])
    # (it had exited 0 and registered a source every refresh crawled again)
    assert result.exit_code == 1, result.output
    assert "no records read" in result.output and "404" in result.output
    assert "Traceback" not in result.output
    db = open_db(path)
    assert db.execute("select count(*) from sources where kind = 'directory'").fetchone()[0] == 0


def test_a_listings_own_page_or_a_booking_platform_is_no_website(
        db, site: Site, clock: FakeClock) -> None:
    from spider.crawl.crawler import ingest_directory

    def venue(slug: str, name: str, phone: str, reserve: str = "") -> bytes:
        data = {"@context": "https://schema.org", "@type": "Restaurant", "name": name,
                "telephone": phone, "url": site.url(f"/b/venue/{slug}.html"),
                "address": {"@type": "PostalAddress", "streetAddress": "1-11 Yotsuya",
                            "addressLocality": "Tokyo"}}
        if reserve:
            data["sameAs"] = reserve
        return (f'<html><head><script type="application/ld+json">{json.dumps(data)}</script>'
                f"</head><body><h1>{name}</h1></body></html>").encode()

    rows = [("den", "Den", "03-6455-5433"), ("florilege", "Florilège", "03-6440-0878"),
            ("narisawa", "Narisawa", "03-5785-0799")]
    site.routes["/b/index.html"] = Page((
        "<html><body><table><tr><th>Name</th><th>Phone</th></tr>" + "".join(
            f'<tr><td><a href="venue/{slug}.html">{name}</a></td><td>{phone}</td></tr>'
            for slug, name, phone in rows) + "</table></body></html>").encode())
    for slug, name, phone in rows:
        site.routes[f"/b/venue/{slug}.html"] = Page(venue(slug, name, phone))
    ingest_directory(db, site.url("/b/index.html"), settings(delay=0.0), clock=clock,
                     follow_details=True)
    sites = {name: site_ for name, site_ in db.execute("select name, website from records")}
    # (each listing's own page had been its website: every restaurant one operator's branch)
    assert set(sites) == {"Den", "Florilège", "Narisawa"}
    assert not any(sites.values()), sites


def test_max_pages_counts_the_list_page_beside_its_details(db, site: Site, clock: FakeClock):
    site.routes["/g/index.html"] = Page((
        "<html><body><div class='shops'>" + "".join(
            f"<div class='shop-card'><h3><a href='shop/{i}.html'>Shop {i}</a></h3>"
            f"<p class='genre'>Sushi</p></div>" for i in range(1, 6))
        + "</div></body></html>").encode())
    for i in range(1, 6):
        site.routes[f"/g/shop/{i}.html"] = Page(
            f"<html><body><h1>Shop {i}</h1><p>TEL 03-0000-000{i}</p></body></html>".encode())
    from spider.crawl.crawler import ingest_directory

    report = ingest_directory(db, site.url("/g/index.html"), settings(max_pages=4), clock=clock,
                              follow_details=True)
    # (--max-pages 4 had fetched the list and four details: five pages)
    assert report.pages == 4 and report.stopped == "stopped at --max-pages 4"
    assert len([p for p in site.paths(status=200) if p != "/robots.txt"]) == 4


CHAMBER = [  # (slug, name, street, phone, category)
    ("yaletown-dental", "Yaletown Dental Centre", "1088 Mainland St", "604-555-0101", "Dentists"),
    ("gastown-dental", "Gastown Dental Clinic", "210 Carrall St", "604-555-0102", "Dentists"),
    ("kits-dentistry", "Kitsilano Family Dentistry", "2150 W 4th Ave", "604-555-0103", "Dentists"),
    ("oak-dental", "Oak Street Dental", "5720 Oak St", "604-555-0104", "Dentists"),
    ("main-dental", "Main Street Dental", "3302 Main St", "604-555-0105", "Dentists"),
    ("smith-plumbing", "Smith & Sons Plumbing", "77 E 2nd Ave", "604-555-0201", "Plumbers"),
    ("pacific-plumbing", "Pacific Plumbing", "900 Terminal Ave", "604-555-0202", "Plumbers"),
    ("keg-yaletown", "The Keg Yaletown", "1011 Mainland St", "604-555-0301", "Restaurants"),
    ("nammos", "Nammos Estiatorio", "1118 Mainland St", "604-555-0302", "Restaurants"),
]


def _chamber(site: Site, members: list[tuple[str, ...]], per_page: int) -> None:
    """A chamber of commerce's member directory: listing pages of PER_PAGE members, each
    linking to the member's own page."""
    for path in [p for p in site.routes if p.startswith("/chamber/")]:
        del site.routes[path]
    pages = [members[i:i + per_page] for i in range(0, len(members), per_page)]
    for number, chunk in enumerate(pages, 1):
        items = "".join(f'<li class="member"><a href="/chamber/m/{slug}.html">{html.escape(name)}'
                        f'</a> <span class="cat">{cat}</span></li>\n'
                        for slug, name, _, _, cat in chunk)
        nav = (f'<a rel="next" href="/chamber/p{number + 1}.html">Next</a>'
               if number < len(pages) else "")
        site.routes[f"/chamber/p{number}.html"] = Page(html_page(
            f"Members page {number}", f"<ul>{items}</ul>{nav}"))
    for slug, name, street, phone, cat in members:
        site.routes[f"/chamber/m/{slug}.html"] = Page(html_page(name, (
            f'<h1>{html.escape(name)}</h1><p class="category">{cat}</p>'
            f'<p class="address">{street}, Vancouver, BC V6B 1A1</p>'
            f'<p class="phone">Tel: {phone}</p>')))


def test_a_member_moved_to_another_page_or_renamed_keeps_what_was_decided(
        db, site: Site, clock: FakeClock):
    """One directory is one source: re-paged (a member now on page 1 that was on page 2), a
    member is still its record, and so still the won client, still not interested, still
    a competitor; one renamed with a new page (a new slug) is still its record by its phone.
    A database whose crawl keyed members by their page finds them again the same way."""
    from spider.clients import record_won
    from spider.exclusions import add_exclusion
    from spider.pipeline import update

    _chamber(site, CHAMBER, 3)
    crawl(db, site, "/chamber/p1.html", clock, follow_details=True)
    update(db, settings())

    def company(name: str) -> int:
        return db.execute("select l.company_id from records r join record_links l on "
                          "l.record_id = r.id where r.name = ? and r.status = 'active'",
                          [name]).fetchone()[0]

    # A member's page ends its address in its town, province and postal code: Vancouver, BC,
    # in Canada (of the six countries with a region BC), so its callbacks keep Pacific time.
    assert {tuple(r) for r in db.execute("select city, region, postal_code from records")} == {
        ("Vancouver", "BC", "V6B 1A1")}
    assert db.execute("select 1 from signals where signal = 'place:region:CA-BC'").fetchone()
    before = {name: company(name) for _, name, *_ in CHAMBER}
    record_won(db, "Yaletown Dental Centre")
    add_exclusion(db, "Kitsilano Family Dentistry", "competitor")
    # The crawl of an earlier version keyed each record by its listing page: undo the
    # directory-wide keys for half of them, as such a database holds them.
    from spider.identity import record_key

    for rid, identity, page in db.execute(
            "select id, identity, list_url from records where name like '%Dental%'").fetchall():
        db.execute("update records set source = ?, record_key = ? where id = ?",
                   [page, record_key(page, identity), rid])
    renamed = [(("gastown-family-dental", "Gastown Family Dental Clinic", *m[2:])
                if m[0] == "gastown-dental" else m) for m in CHAMBER]
    _chamber(site, list(reversed(renamed)), 3)  # re-paged: page 3's members now on page 1
    clock.t += 3600
    report = crawl(db, site, "/chamber/p1.html", clock, follow_details=True)
    update(db, settings())
    assert report.ingest.stale == 0 and report.ingest.renamed == 1
    after = {name: company(name) for _, name, *_ in renamed}
    assert after.pop("Gastown Family Dental Clinic") == before.pop("Gastown Dental Clinic")
    assert after == before
    from spider.expand import expand

    names = [p.name for p in expand(db, settings(), "Yaletown Dental Centre", limit=10,
                                    save=False).prospects]
    assert "Kitsilano Family Dentistry" not in names
    assert db.execute("select count(*) from records where status = 'active'").fetchone()[0] \
        == len(CHAMBER)


def test_a_last_listing_page_of_one_or_two_members_is_read(db, site: Site, clock: FakeClock):
    """Nine members four to a page: the last page lists one, the one before four; the lone
    member is the list's (its items' kind was read on the pages before), not left out for
    being no "three alike items"."""
    _chamber(site, CHAMBER, 4)
    report = crawl(db, site, "/chamber/p1.html", clock)
    assert report.records == len(CHAMBER)
    assert {r["name"] for r in records(db)} == {name for _, name, *_ in CHAMBER}
    _chamber(site, CHAMBER[:7], 5)  # five, then two
    clock.t += 3600
    again = crawl(db, site, "/chamber/p1.html", clock)
    assert again.records == 7


def test_a_crawl_of_items_linking_to_their_pages_says_to_follow_them(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The list gives names and categories, each member's page its phone: a crawl without
    --follow-details says so (the call list would have no numbers); with it, nothing."""
    from click.testing import CliRunner

    from spider.cli import main

    _chamber(site, CHAMBER, 3)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spider.toml").write_text("[spider]\ndelay = 0.0\n", encoding="utf-8")
    path = str(tmp_path / "cli.db")
    assert CliRunner().invoke(main, ["--db", path, "init", "--empty"]).exit_code == 0
    plain = CliRunner().invoke(main, ["--db", path, "crawl", site.url("/chamber/p1.html")],
                               catch_exceptions=False)
    assert plain.exit_code == 0 and "--follow-details" in plain.output, plain.output
    followed = CliRunner().invoke(main, ["--db", path, "crawl", site.url("/chamber/p1.html"),
                                         "--follow-details"], catch_exceptions=False)
    assert followed.exit_code == 0 and "--follow-details reads" not in followed.output


def test_a_detail_page_that_fails_once_keeps_the_members_phone_and_address(
        db, site: Site, clock: FakeClock):
    """A refresh where one member's own page answers 404: its phone and address, which only
    that page gives, stay as the last crawl read them (they had been wiped: the call list
    showed the ryokan with no number to dial)."""
    _chamber(site, CHAMBER, 3)
    crawl(db, site, "/chamber/p1.html", clock, follow_details=True)

    def held(name: str) -> tuple:
        return db.execute("select phone, address from records where name = ?", [name]).fetchone()

    before = held("Pacific Plumbing")
    assert before[0] == "604-555-0202", before
    site.routes["/chamber/m/pacific-plumbing.html"] = Page(b"Not Found", status=404)
    clock.t += 3600
    crawl(db, site, "/chamber/p1.html", clock, follow_details=True)
    assert held("Pacific Plumbing") == before
    assert db.execute("select status from records where name = 'Pacific Plumbing'").fetchone() \
        == ("active",)


def test_a_member_list_whose_items_are_headed_by_their_names_is_titled_by_its_own_heading():
    """A member list whose items each carry their name as an <h3>: each member's list is the
    page's and its section's ("箱根温泉の会員施設 — 湯本地区"), not the name of the member
    before it ("... — 萬翠楼 福住", which made every record's list a ryokan's name and
    `--source` of the list find nothing)."""
    from bs4 import BeautifulSoup

    from spider.crawl.html import list_title

    page = ("<html><head><title>箱根温泉の会員施設</title></head><body><h1>箱根温泉の会員施設</h1>"
            "<h2>湯本地区</h2><ul>"
            '<li class="member"><h3><a href="/m/1">萬翠楼 福住</a></h3><p>旅館</p></li>'
            '<li class="member"><h3><a href="/m/2">吉池旅館</a></h3><p>旅館</p></li></ul>'
            "<h2>強羅地区</h2><ul>"
            '<li class="member"><h3><a href="/m/3">強羅花壇</a></h3><p>旅館</p></li>'
            '<li class="member"><h3><a href="/m/4">強羅環翠楼</a></h3><p>旅館</p></li></ul>'
            "</body></html>")
    soup = BeautifulSoup(page, "html.parser")
    titles = [list_title(li, "箱根温泉の会員施設") for li in soup.select("li.member")]
    assert titles == ["箱根温泉の会員施設 — 湯本地区"] * 2 + ["箱根温泉の会員施設 — 強羅地区"] * 2


def test_a_crawl_sets_what_its_pages_leave_out_and_a_refresh_keeps_it(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A chamber's pages say each member's town and Eircode, never the country: `crawl --set
    country=IE` says it for every member (crawl had no --set: the members had no country and
    their callbacks were in UTC), an Eircode is the postal code, and `spider refresh` reads
    the directory the same way."""
    from click.testing import CliRunner

    from spider.cli import main

    members = "".join(
        f'<li class="member"><h3>{name}</h3><p class="address">{address}</p></li>'
        for name, address in (("Horgan Coughlan Accountants", "12 South Mall, Cork, T12 X2Y3"),
                              ("Farrell Lynch Accountants", "4 Lapps Quay, Cork, T12 K8N1"),
                              ("McCarthy Murray Accountants", "2 O'Connell St, Limerick, V94 E2T1")))
    site.routes["/members.html"] = Page(html_page("Accountancy members", f"<ul>{members}</ul>"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spider.toml").write_text("[spider]\ndelay = 0.0\n", encoding="utf-8")
    path = str(tmp_path / "cli.db")
    assert CliRunner().invoke(main, ["--db", path, "init", "--empty"]).exit_code == 0
    done = CliRunner().invoke(main, ["--db", path, "crawl", site.url("/members.html"),
                                     "--set", "country=IE"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    conn = sqlite3.connect(path)
    assert conn.execute("select distinct country from records").fetchall() == [("IE",)]
    assert conn.execute("select postal_code from records where name like 'Horgan%'"
                        ).fetchone() == ("T12 X2Y3",)
    site.routes["/members.html"] = Page(html_page("Accountancy members", f"<ul>{members}"
        '<li class="member"><h3>Lee Valley Payroll</h3><p class="address">3 Main St, Ballincollig,'
        ' P31 HX20</p></li></ul>'))
    again = CliRunner().invoke(main, ["--db", path, "refresh"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert conn.execute("select country from records where name = 'Lee Valley Payroll'"
                        ).fetchone() == ("IE",)
    wrong = CliRunner().invoke(main, ["--db", path, "crawl", site.url("/members.html"),
                                      "--set", "nation=IE"])
    assert wrong.exit_code != 0 and "not a field" in wrong.output
