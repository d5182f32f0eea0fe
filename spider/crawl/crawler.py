"""Crawl: walk a business directory politely and yield its records, page by page.

`crawl_directory` takes list pages off the frontier breadth-first (pagination at the same
depth, other in-scope links one level deeper), fetches each through the polite `Fetcher`,
extracts its records (and, with `follow_details`, each item's detail page), and yields them;
a page counts as done only after the consumer took its records, so `resume=True` after a
crash re-fetches nothing. It writes only its own state tables; `ingest_directory` saves the
records through `spider.ingest.save_records` and registers the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import urlsplit

import requests

from spider.crawl.extract import PageData, extract_detail, extract_page, merge_detail
from spider.crawl.fetch import Clock, Fetched, Fetcher, HostDeadline, NetworkError, iso
from spider.crawl.frontier import Frontier
from spider.crawl.recipes import Recipe, load_recipe
from spider.crawl.robots import ROBOTS_SKIP
from spider.crawl.urls import Scope, looks_like_page, normalize_url
from spider.db import Database, has_table, rows_in, transaction
from spider.errors import FetchError, InputError
from spider.identity import record_key
from spider.ingest import (
    PARTIAL,
    IngestReport,
    carry_renamed,
    mark_stale,
    rekey_decisions,
    save_records,
    tidy_town,
)
from spider.places import postal_in
from spider.settings import Settings
from spider.sources import register_source

NETWORK_FAILURES = 3  # pages in a row the network fails on before the crawl stops to be resumed


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
    # listing pages read at the last run that answer 404 or 410 now: nothing marked gone
    held_back: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    empty: list[tuple[str, str]] = field(default_factory=list)  # (url, why) pages with no records
    stopped: str = ""
    resumed: bool = False
    run_id: int | None = None
    ingest: IngestReport | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return self.downloaded + self.not_modified + self.from_cache

    def count(self, result: Fetched) -> None:
        """Count one fetch by how its page was got, or why it was not."""
        if result.how == "downloaded":
            self.downloaded += 1
        elif result.how == "not-modified":
            self.not_modified += 1
        elif result.how == "cache":
            self.from_cache += 1
        elif result.robots:
            self.robots_skipped.append(result.url)
        elif result.skipped:
            self.skipped.append((result.url, result.skipped))

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
        if self.held_back:
            url, why = self.held_back[0]
            more = f" (and {len(self.held_back) - 1} more)" if len(self.held_back) > 1 else ""
            line += (f"; nothing marked gone: {url}{more} listed companies at the last read and "
                     f"now answers {why} (if it still does at the next refresh, its companies "
                     "not found on other pages are marked gone then)")
        if self.stopped:
            line += f"; {self.stopped}"
        if self.resumed:
            line += "; resumed"
        return line


@dataclass
class CrawledPage:
    """One list page and the records found on it (detail pages already merged in)."""

    url: str
    depth: int
    title: str
    records: list[dict[str, Any]]
    how: str
    errors: list[str] = field(default_factory=list)


class _StopCrawl(Exception):
    """The network failed too often in a row: stop, leaving the run to be resumed."""


class _Crawl:
    """One crawl run: the frontier, the fetcher, the scope and the report, walked together."""

    def __init__(self, db: Database, start_url: str, settings: Settings, *,
                 recipe: Recipe | None, resume: bool, follow_details: bool, report: CrawlReport,
                 session: requests.Session | None, clock: Clock,
                 progress: Callable[[CrawlReport], None] | None) -> None:
        self.settings, self.recipe, self.report = settings, recipe, report
        self.follow_details, self.progress, self.clock = follow_details, progress, clock
        self.scope = Scope.for_start(start_url, recipe.scope if recipe else None)
        options = {"max_pages": settings.max_pages, "max_depth": settings.max_depth,
                   "delay": settings.delay, "follow_details": follow_details}
        self.frontier = Frontier.start(db, start_url, scope=str(self.scope),
                                       recipe=recipe.path if recipe else None, options=options,
                                       now=iso(clock.now()), resume=resume)
        report.resumed = self.frontier.resumed
        report.run_id = self.frontier.run_id
        self.fetcher = Fetcher(db, settings, session=session, clock=clock,
                               run_id=self.frontier.run_id)
        self.failures = 0
        self.seen_lists: set[frozenset] = set()
        # The first page of each paginated list, by the URL of every later page: its pages are
        # one list (one list signal), not one list a page.
        self.first_page: dict[str, str] = {}
        self.items_shape: dict[str, tuple] = {}  # a list's first page -> its items' shape

    def run(self) -> Iterator[CrawledPage]:
        report, frontier = self.report, self.frontier
        try:
            while (item := frontier.next_list()) is not None:
                url, depth = item
                if frontier.used() >= self.settings.max_pages:
                    report.stopped = f"stopped at --max-pages {self.settings.max_pages}"
                    break
                page = self._list_page(url, depth)
                if page is not None:
                    yield page
                    frontier.page_done(url, len(page.records))
        except _StopCrawl:
            pass  # left 'running', so that --resume picks it up
        else:
            frontier.close("stopped" if report.stopped else "finished", iso(self.clock.now()))
        finally:
            report.requests = self.fetcher.requests
        if report.pages == 0 and report.errors and not report.robots_skipped:
            raise FetchError(report.errors[0][1])

    def _lose(self, url: str, exc: FetchError) -> None:
        """A network failure: keep the page for --resume; stop after a few in a row."""
        self.failures += 1
        self.report.errors.append((url, str(exc)))
        self.frontier.finish(url, "retry", str(exc))
        if self.failures >= NETWORK_FAILURES:
            self.report.stopped = (f"the network failed {self.failures} times in a row; "
                                   "`--resume` continues from here")
            raise _StopCrawl

    def _stop(self, why: str) -> NoReturn:
        """Stop here, leaving the run to be resumed (the host's time is up)."""
        self.report.stopped = why
        raise _StopCrawl

    def _count(self, result: Fetched) -> None:
        self.report.count(result)
        if self.progress is not None:
            self.progress(self.report)

    def _list_page(self, url: str, depth: int) -> CrawledPage | None:
        """Fetch and extract one list page; None when it yields no page to hand over."""
        report = self.report
        try:
            result = self.fetcher.fetch(url, self.scope)
        except HostDeadline as exc:
            self._stop(str(exc))
        except NetworkError as exc:
            self._lose(url, exc)
            return None
        except FetchError as exc:
            report.errors.append((url, str(exc)))
            self.frontier.finish(url, "error", str(exc))
            return None
        self.failures = 0
        self._count(result)
        if result.body is None:
            self.frontier.finish(url, "skipped", result.skipped)
            return None
        first = self.first_page.get(url, url)
        # (a list's later pages hold its items' kind: a last page's one or two members too)
        page = extract_page(result.body, result.final_url or url, recipe=self.recipe,
                            content_type=result.content_type,
                            items_shape=self.items_shape.get(first) if first != url else None)
        if first == url and page.items_shape is not None:
            self.items_shape[url] = page.items_shape
        report.errors.extend((url, message) for message in page.errors)
        if page.why_empty:
            report.empty.append((url, page.why_empty))
        records = page.records
        stamp = result.fetched_at[:19] + "+00:00" if result.fetched_at else None
        for rec in records:
            rec["fetched_at"] = stamp
            if first != url and rec.get("list_url") == url:
                rec["list_url"] = first
        if self.follow_details:
            try:
                records = self._fill_details(records, url, depth)
            except HostDeadline as exc:
                self._stop(str(exc))
            except NetworkError as exc:
                self._lose(url, exc)
                return None
        for rec in records:
            _not_the_directory(rec, url)
        self._follow_links(page, url, depth, records)
        report.records += len(records)
        if self.progress is not None:
            self.progress(report)
        if len(report.sample) < 5:
            report.sample.extend(records[: 5 - len(report.sample)])
        return CrawledPage(url=url, depth=depth, title=page.title, records=records,
                           how=result.how, errors=page.errors)

    def _follow_links(self, page: PageData, url: str, depth: int,
                      records: list[dict[str, Any]]) -> None:
        """Queue pagination at the same depth (unless this page repeats an earlier one or is
        empty), and other in-scope links one level deeper. An index of lists is paginated like
        a list: its next pages stay at its depth, so every list it names is reached."""
        details = {normalize_url(r["detail_url"]) for r in records if r.get("detail_url")}
        # A list page is what it lists; an index of lists (no records of its own) is the
        # lists it links to, and its own pages ("Next »", 2, 3 ...) are followed the same way.
        fingerprint = (frozenset((r.get("name"), r.get("source_row")) for r in records) if records
                       else frozenset(normalize_url(u) for u in page.links))
        fresh = bool(records or page.links) and fingerprint not in self.seen_lists
        self.seen_lists.add(fingerprint)
        next_links = {normalize_url(u) for u in page.next_links}
        if fresh:
            for link in page.next_links:
                link = normalize_url(link)
                if self.scope.allows(link) and looks_like_page(link) and link not in details:
                    if records:  # a list's next page continues that list
                        self.first_page.setdefault(link, self.first_page.get(url, url))
                    self.frontier.enqueue(link, depth, "list", url)
        if depth + 1 > self.settings.max_depth:
            return
        for link in page.links:
            link = normalize_url(link)
            if link in details or link in next_links or not self.scope.allows(link):
                continue
            self.frontier.enqueue(link, depth + 1, "list", url)

    def _fill_details(self, records: list[dict[str, Any]], url: str,
                      depth: int) -> list[dict[str, Any]]:
        """Fetch each item's detail page (same host) and fill the record's missing fields."""
        frontier, report = self.frontier, self.report
        page = normalize_url(url)
        out = []
        for rec in records:
            link = rec.get("detail_url")
            if not link or not self.scope.allows(normalize_url(link), detail=True):
                out.append(rec)
                continue
            link = normalize_url(link)
            done = frontier.status(link) == "done"
            # (the list page this item is on is one of the pages, done or not yet)
            here = frontier.status(page) == "queued"
            if not done and frontier.used() + here >= self.settings.max_pages:
                report.stopped = f"stopped at --max-pages {self.settings.max_pages}"
                out.append(rec)
                continue
            frontier.enqueue(link, depth + 1, "detail", url)
            try:
                result = self.fetcher.fetch(link, self.scope, detail=True)
            except (NetworkError, HostDeadline):
                raise  # the list page is kept for --resume
            except FetchError as exc:
                report.errors.append((link, str(exc)))
                frontier.finish(link, "error", str(exc))
                out.append({**rec, PARTIAL: True})
                continue
            if not done:
                self._count(result)
                report.details += 1 if result.body is not None else 0
            if result.body is None:
                frontier.finish(link, "skipped", result.skipped)
                # (a detail page that answered 404 this once: what it said last time stays,
                # the phone and address a rep dials among it)
                out.append({**rec, PARTIAL: True} if result.skipped else rec)
                continue
            try:
                detail = extract_detail(result.body, result.final_url or link,
                                        recipe=self.recipe, content_type=result.content_type)
            except Exception as exc:  # a broken detail page loses only its own fields
                report.errors.append((link, f"detail page: {type(exc).__name__}: {exc}"))
                detail = {PARTIAL: True}
            frontier.finish(link, "done")
            out.append(merge_detail(rec, detail))
        return out


def crawl_directory(
    db: Database,
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
    start_url = normalize_url(start_url)
    if urlsplit(start_url).scheme not in ("http", "https") or not urlsplit(start_url).netloc:
        raise InputError(f"{start_url}: not an http(s) URL; give the directory's web address")
    crawl = _Crawl(db, start_url, settings, recipe=recipe, resume=resume,
                   follow_details=follow_details,
                   report=report if report is not None else CrawlReport(start_url),
                   session=session, clock=clock or Clock(), progress=progress)
    yield from crawl.run()


def ingest_directory(
    db: Database,
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
    options: dict[str, Any] | None = None,
    schedule: str | None = None,
) -> CrawlReport:
    """Crawl a directory and save its records (page by page, so a crash loses nothing saved).

    With `dry_run` the records are counted and sampled but not saved, and the source is not
    registered; the HTTP cache still fills, so the real run after it is cheap. A crawl that
    went through the whole directory (no page cap reached, no page failed) marks stale the
    records of its pages that it no longer found. OPTIONS (the caps and switches the user
    gave) and SCHEDULE are registered with the source, for `spider refresh`.
    """
    loaded = load_recipe(recipe) if recipe else None
    report = CrawlReport(normalize_url(url))
    ingest = IngestReport(report.url)
    if not dry_run:
        report.ingest = ingest
    read_id = ""
    if not dry_run:
        _adopt_pages(db, report.url)
    last_id = db.execute("select coalesce(max(id), 0) from records").fetchone()[0] \
        if has_table(db, "records") else 0
    fixed = dict((options or {}).get("set") or {})  # `spider crawl --set country=IE`
    for page in crawl_directory(db, url, settings, recipe=loaded, resume=resume,
                                follow_details=follow_details, report=report, session=session,
                                clock=clock, progress=progress):
        ingest.read += len(page.records)
        read_id = f"crawl-{report.run_id}"  # one per run, kept when the run is resumed
        for rec in page.records:
            for fld, value in fixed.items():
                if rec.get(fld) in (None, ""):
                    rec[fld] = value
            # One directory is one source: a member is known by its page (or its place in
            # the list) whichever listing page shows it, so re-paging moves no one.
            rec["source"] = report.url
            if isinstance(rec.get("city"), str):
                tidy_town(rec, rec["city"])  # a page's "Vancouver, BC V6B 2J2"
            elif isinstance(rec.get("address"), str) and rec["address"].count(",") >= 1:
                # (an address line that ends in its town, state and postal code)
                tail: dict[str, Any] = {}
                tidy_town(tail, ", ".join(p.strip() for p in rec["address"].split(",")[-2:]))
                if tail.get("region") and tail.get("postal_code") and "," not in tail["city"]:
                    for key, value in tail.items():
                        rec.setdefault(key, value)
            if not rec.get("postal_code") and isinstance(rec.get("address"), str):
                rec["postal_code"] = postal_in(rec["address"]) or None
        if not dry_run and page.records:
            save_records(db, page.records, ingest, read_id=read_id)
    if not dry_run:
        if read_id and _whole(db, report):
            # A member renamed with a new page (and so a new identity) is still its record
            # where its phone or website says so: what was decided about it stays on it.
            ingest.renamed = carry_renamed(db, report.url, read_id, last_id)
            ingest.added -= ingest.renamed
            ingest.updated += ingest.renamed
            ingest.stale = _mark_gone(db, report.url, read_id)
        known = db.execute("select 1 from sources where location = ?",
                           [report.url]).fetchone() if has_table(db, "sources") else None
        if ingest.read or report.resumed or known:
            # (a URL that gave nothing, a 404 or a page robots.txt forbids, is no source a
            # refresh should visit again)
            register_source(db, report.url, "directory",
                            recipe=loaded.path if loaded else None, records=ingest.kept,
                            skipped=len(ingest.skipped), options=options, schedule=schedule)
    return report


# Platforms a listing links to for booking or reviews: their front page is no business's own
# site (a listing's "Reserve" link to https://www.opentable.com/).
_PLATFORMS = frozenset({"opentable.com", "resy.com", "exploretock.com", "sevenrooms.com",
                        "thefork.com", "quandoo.com", "booking.com", "expedia.com", "hotels.com",
                        "agoda.com", "airbnb.com", "tabelog.com", "hotpepper.jp", "gnavi.co.jp",
                        "r.gnavi.co.jp", "ikyu.com", "jalan.net", "travel.rakuten.co.jp",
                        "yelp.com", "tripadvisor.com", "google.com", "maps.google.com"})


def _not_the_directory(rec: dict[str, Any], page_url: str) -> None:
    """A listing's website that is the directory's own page (its JSON-LD url is the
    listing), or a booking platform's front page, is no site of the business: it would make
    every listing one operator's branch."""
    site = str(rec.get("website") or "")
    if not site:
        return
    parts = urlsplit(site if "//" in site else "//" + site)
    host = parts.hostname or ""
    own = urlsplit(page_url).hostname or ""
    if (host and host == own) or (host.removeprefix("www.") in _PLATFORMS
                                  and not parts.path.strip("/")):
        rec.pop("website")
        if host == own:
            rec.setdefault("detail_url", site)


def why_nothing(report: CrawlReport) -> str:
    """Why a crawl read no records, in the words of its first skip or error."""
    if report.robots_skipped:
        return f"robots.txt disallows {report.robots_skipped[0]}"
    for found in (report.skipped, report.errors, report.empty):
        if found:
            url, why = found[0]
            return f"{why} ({url})"
    return "no page held a list of businesses"


# Skips that say a page is gone for good; any other (a 503 after the retries, a page too
# large, a redirect out of scope) leaves the crawl incomplete.
_GONE_FOR_GOOD = ("HTTP 404", "HTTP 410")


def _whole(db: Database, report: CrawlReport) -> bool:
    """Whether this run went through the whole directory: no page cap reached, no error, no
    page skipped but for being gone (404, 410) or forbidden by robots.txt, and no page of the
    run (resumed or not) left failed or waiting to be tried again."""
    if report.stopped or report.errors:
        return False
    if any(reason not in _GONE_FOR_GOOD for _url, reason in report.skipped):
        return False
    report.held_back = _pages_lost_since(db, report)
    if report.held_back:
        return False
    if report.run_id is not None and db.execute(
            "select 1 from crawl_frontier where run_id = ? and (status in ('error', 'retry', "
            "'queued') or (status = 'skipped' and coalesce(reason, '') not in (?, ?, ?))) "
            "limit 1", [report.run_id, *_GONE_FOR_GOOD, ROBOTS_SKIP]).fetchone():
        return False
    return True


def _pages_lost_since(db: Database, report: CrawlReport) -> list[tuple[str, str]]:
    """The listing pages this run found gone (404, 410) that the directory's last run read:
    a page failing for an hour (a deploy, a mistake) is not its members closing. Gone at two
    runs in a row, it is gone for good."""
    gone = [(url, why) for url, why in report.skipped if why in _GONE_FOR_GOOD]
    if not gone or report.run_id is None:
        return []
    last = db.execute("select max(id) from crawl_runs where start_url = ? and id < ? and "
                      "status = 'finished'", [report.url, report.run_id]).fetchone()[0]
    if last is None:
        return []
    read = {url for url, in rows_in(
        db, "select url from crawl_frontier where run_id = ? and kind = 'list' and status = "
        "'done' and url in ({marks})", [url for url, _ in gone], before=[last])}
    return [(url, why) for url, why in gone if url in read]


def _directory_pages(db: Database, start_url: str) -> list[str]:
    """The listing pages of the directory at START_URL, of any run."""
    if not has_table(db, "crawl_frontier"):
        return []
    return [url for url, in db.execute(
        "select distinct f.url from crawl_frontier f join crawl_runs r on r.id = f.run_id "
        "where r.start_url = ? and f.kind = 'list'", [start_url])]


def _mark_gone(db: Database, start_url: str, read_id: str) -> int:
    """After a whole crawl: mark stale the records of this directory (and of its pages, as
    a crawl before one directory was one source saved them) that this run did not give (an
    item taken off its page, a page gone)."""
    pages = dict.fromkeys([start_url, *_directory_pages(db, start_url)])
    return sum(mark_stale(db, page, read_id) for page in pages)


def _adopt_pages(db: Database, start_url: str) -> int:
    """Records a crawl saved under their listing page's URL (before one directory was one
    source) become the directory's, keyed as a crawl now keys them, so the next read finds
    them whichever page lists them: their ids, and what was decided about them, stay.
    A record whose new key another already holds is left as it was (it goes stale)."""
    pages = [p for p in _directory_pages(db, start_url) if p != start_url]
    if not pages or not has_table(db, "records"):
        return 0
    adopted = 0
    with transaction(db):
        taken = {key for key, in db.execute("select record_key from records where source = ?",
                                            [start_url])}
        for rid, old_key, identity in rows_in(
                db, "select id, record_key, identity from records where source in ({marks})",
                pages):
            key = record_key(start_url, identity)
            if key in taken:
                continue
            taken.add(key)
            db.execute("update records set source = ?, record_key = ? where id = ?",
                       [start_url, key, rid])
            rekey_decisions(db, old_key, key)
            adopted += 1
    return adopted
