"""Enrich prospects from their own public pages: who to ask for, and how to reach them.

`enrich` visits each company's own website (from its records, or the "official site" link on
its directory detail page) through the crawler's polite `Fetcher` (robots.txt, per-host
delay, the HTTP cache, size caps, deadlines), within that one host, and reads the pages a
person would open: the home page, then the company profile, contact, access, about, team,
message and press pages found by their links (`spider.crawl.contacts.link_kind`), at most
`enrich_pages` of them. It keeps in `contact_facts` the switchboard phone, the address, the
postal code and the people named with their role, each with the URL and date of the page it
came from, pinned to a record of the company (so a rebuild, a merge or a split keeps each
fact with the business it was read for).

A run is a crawl run (`crawl_runs`): interrupted, the next `spider enrich` on the same
companies resumes it, and a page fetched in it is read again from the cache without a
request; a company visited within `enrich_days` is not visited again unless asked.

`spider.contact_facts.best_contacts` says, per company, the person nearest the buyer (the
`buyer` setting) and the phone, for call lists, `spider today` and the opener.
`forget_person` removes a person from everything Spider keeps and stops them from being read
again.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape as html_unescape
from typing import Any
from urllib.parse import urlsplit

import requests

from spider.crawl.contacts import PageContacts, Person, read_page, telling
from spider.crawl.fetch import Clock, Fetcher, HostDeadline, iso
from spider.crawl.frontier import Frontier
from spider.crawl.urls import Scope, normalize_url
from spider.db import Database, has_table, insert_rows, rows_in, transaction
from spider.errors import FetchError, InputError
from spider.people import drop_bare_family_names, name_key
from spider.resolve.keys import SHARED_HOSTS, normalize_domain, normalize_phone
from spider.settings import Settings

# Facts a visit keeps, and how much each way of finding a phone or an address is trusted.
KINDS = ("phone", "address", "postal_code", "person")
_PAGE_ORDER = {"profile": 0, "contact": 1, "access": 2, "team": 3, "message": 4, "about": 5,
               "home": 6, "press": 7, "directory": 8}  # fmt: skip


def ensure_enrich_schema(db: Database) -> None:
    """`contact_facts`, `enrich_sites` and `forgotten_people`. Idempotent."""
    db.execute("create table if not exists contact_facts (id integer primary key, record_id "
               "integer not null, kind text not null, value text not null, role text, "
               "role_kind text, role_rank integer, how text, url text, fetched_at text, "
               "first_seen text, seen_at text)")
    db.execute("create index if not exists idx_contact_facts_record on contact_facts "
               "(record_id, kind)")
    db.execute("create table if not exists enrich_sites (record_id integer primary key, website "
               "text, status text, pages integer, visited_at text, reason text)")
    # A forgotten person is kept only as a salted-free hash of their name's key: enough to
    # never read them again, not enough to say who they were.
    db.execute("create table if not exists forgotten_people (key_hash text primary key, "
               "forgotten_at text)")


class SiteScope(Scope):
    """One company's site: its host, with or without 'www.', and the paths under the one its
    website starts at (a hotel's pages on its chain's site, not the chain's own)."""

    @classmethod
    def of(cls, url: str) -> SiteScope:
        path = urlsplit(url).path or "/"
        last = path.rsplit("/", 1)[-1]
        prefix = path[: len(path) - len(last)] if "." in last or not last else path
        return cls(_host(url), prefix)

    def allows(self, url: str, *, detail: bool = False) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        return _bare(parts.netloc.lower()) == _bare(self.host) and (
            (parts.path or "/").startswith(self.prefix) or self.prefix.rstrip("/") == parts.path)


def _bare(host: str) -> str:
    return host.removeprefix("www.")


@dataclass
class SiteReport:
    company_id: int
    name: str
    website: str = ""
    status: str = ""  # done, no website, skipped (visited recently), error
    pages: int = 0
    facts: dict[str, int] = field(default_factory=dict)
    reason: str = ""
    best: str = ""  # who to ask for, as found


@dataclass
class EnrichReport:
    sites: list[SiteReport] = field(default_factory=list)
    requests: int = 0
    resumed: bool = False
    stopped: str = ""

    def summary(self) -> str:
        by = Counter(s.status for s in self.sites)
        people = sum(s.facts.get("person", 0) for s in self.sites)
        phones = sum(1 for s in self.sites if s.facts.get("phone"))
        line = (f"{len(self.sites)} companies: {by.get('done', 0)} visited, "
                f"{by.get('skipped', 0)} visited recently (skipped), "
                f"{by.get('no website', 0)} without a website, {by.get('error', 0)} failed; "
                f"{phones} phones, {people} people found; {self.requests} requests")
        if self.resumed:
            line += "; resumed"
        if self.stopped:
            line += f"; {self.stopped}"
        return line


def _now(clock: Clock) -> str:
    return iso(clock.now())


def _site_of(db: Database, company_id: int) -> tuple[int | None, str, str]:
    """(record id, website, directory detail page) of a company: its own website from the
    company or one of its records, else a detail page that may link to it."""
    rows = []
    for record_id, site, row, extra in db.execute(
            "select r.id, r.website, r.source_row, r.extra from records r join record_links l "
            "on l.record_id = r.id where l.company_id = ? and coalesce(r.status, 'active') = "
            "'active' order by r.id", [company_id]):
        # A crawled record's detail page: kept as its row's identity, or among its extras.
        detail = row if re.match(r"https?://", row or "") else ""
        if not detail and extra and "detail_url" in extra:
            detail = str(json.loads(extra).get("detail_url") or "")
        rows.append((record_id, site, detail))
    if not rows:
        return None, "", ""
    company = db.execute("select website from companies where id = ?", [company_id]).fetchone()
    website = (company[0] if company else "") or ""
    if _shared(website):
        website = ""  # the company's page on a social network: any record's own site first
    own = [(rid, site) for rid, site, _ in rows if site and not _shared(site)]
    for record_id, site in own:
        if not website or _bare(_host(site)) == _bare(_host(website)):
            return record_id, _as_url(site), ""
    shared = next(((rid, site) for rid, site, _ in rows if site), None)
    detail = next(((rid, d) for rid, _, d in rows if d), None)
    if detail:
        return detail[0], "", detail[1]
    if shared:
        return shared[0], _as_url(shared[1]), ""  # said so: on a shared host, no own site
    return rows[0][0], "", ""


def _shared(url: str) -> bool:
    """A page on a shared host (a social network, a review or blog platform), found by path:
    the host itself is in SHARED_HOSTS ('facebook.com/acme'; not 'acme.wixsite.com')."""
    return normalize_domain(url) in SHARED_HOSTS


def _host(url: str) -> str:
    return urlsplit(_as_url(url)).netloc.lower()


def _as_url(site: str) -> str:
    site = site.strip()
    return site if re.match(r"https?://", site, re.I) else "http://" + site.lstrip("/")


# How much a number found on each kind of page counts towards being the switchboard: the
# company profile states it, a contact or access page gives it; a store, news or team page
# gives some other line.
_PHONE_PAGE = {"profile": 1.0, "contact": 0.5, "access": 0.5, "about": 0.25, "home": 0.0}


def _phone_pick(pages: list[tuple[str, PageContacts]]) -> tuple[str, str, str] | None:
    """The switchboard: the number the site gives most plainly (labelled, linked, marked up),
    on the pages that describe the company, and most often; a fax, recruiting or direct line
    never. '+81 3-3211-5211' and '03-3211-5211' are one number, kept as the page prints it
    for dialling at home ('03-3211-5211')."""
    best: dict[str, tuple[float, str, str]] = {}
    shown: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for kind, page in pages:
        for phone in page.phones:
            number = normalize_phone(phone.number)
            if len(number) < 9:
                continue
            seen[number] += 1
            score = phone.score + _PHONE_PAGE.get(kind, -1.0)
            if number not in best or score > best[number][0]:
                best[number] = (score, page.url, phone.how)
            if number not in shown or _dialled(phone.number) > _dialled(shown[number]):
                shown[number] = phone.number
    if not best:
        return None
    total = {n: best[n][0] + 0.25 * min(seen[n] - 1, 3) for n in best}
    number = max(total, key=lambda n: total[n])
    if total[number] < -2.5:
        return None  # only faxes, recruiting lines and the like
    _, url, how = best[number]
    return shown[number], url, how


def _dialled(printed: str) -> int:
    """How readable a printed number is to dial at home: grouped and national first."""
    return (2 if re.search(r"[\s\-.()]", printed.strip()) else 0) + \
        (1 if not printed.strip().startswith("+") else 0)


def _first(pages: list[tuple[str, PageContacts]], attr: str) -> tuple[str, str, str] | None:
    """The most trusted address or postal code: labelled or marked up first, from the pages
    that state it (profile, contact, access) before the rest."""
    rank = {"labelled": 0, "schema.org": 1, "text after 〒": 2, "<address>": 3, "text": 4,
            "street line": 5}
    found = []
    for kind, page in pages:
        for position, (value, how) in enumerate(getattr(page, attr)):
            value = value.strip()
            if value:
                trust = next((r for k, r in rank.items() if how.startswith(k)), 6)
                found.append((trust, _PAGE_ORDER.get(kind, 9), position, value, page.url, how))
    if not found:
        return None
    counts = Counter(f[3] for f in found)
    found.sort(key=lambda f: (f[0], -counts[f[3]], f[1], f[2]))
    _, _, _, value, url, how = found[0]
    return value, url, how


def _people(pages: list[tuple[str, PageContacts]], forgotten: set[str], record_id: int = 0,
            ) -> list[tuple[Person, str]]:
    best: dict[str, tuple[Person, str]] = {}
    for _, page in pages:
        for person in page.people:
            key = name_key(person.name)
            if not key or _hash(key) in forgotten or _hash(f"{key}|{record_id}") in forgotten:
                continue
            held = best.get(key)
            if held is None or telling(person) > telling(held[0]):
                best[key] = (person, page.url)
    kept = {id(p) for p in drop_bare_family_names([p for p, _ in best.values()])}
    return [(p, url) for p, url in best.values() if id(p) in kept]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class _Visit:
    """One enrich run: the fetcher and the frontier shared by every company's site."""

    def __init__(self, db: Database, settings: Settings, frontier: Frontier,
                 fetcher: Fetcher, people: bool) -> None:
        self.db, self.settings, self.frontier, self.fetcher = db, settings, frontier, fetcher
        self.people = people
        self.own: list[str] = []  # the names of the company being visited

    def page(self, url: str, scope: Scope, kind: str, found_on: str,
             ) -> tuple[PageContacts | None, str]:
        """Fetch and read one page; (None, why) when there is nothing to read."""
        self.frontier.enqueue(url, 0, kind, found_on)
        result = self.fetcher.fetch(url, scope, detail=True)
        if result.body is None:
            self.frontier.finish(url, "skipped", result.skipped)
            return None, result.skipped or "no page"
        self.frontier.finish(url, "done")
        return read_page(result.body, result.final_url or url, result.content_type,
                         people=self.people, own=self.own), result.fetched_at

    def site(self, home: str) -> tuple[list[tuple[str, PageContacts]], dict[str, str], str]:
        """The pages read on one site, kind first, with the date each was fetched."""
        scope = SiteScope(_host(home), "/")  # the redirect to the home page may go anywhere on it
        pages: list[tuple[str, PageContacts]] = []
        dates: dict[str, str] = {}
        first, when = self.page(home, scope, "home", "")
        if first is None:
            return [], {}, when
        pages.append(("home", first))
        dates[first.url] = when
        # The host the home page settled on, under the path the company's website gives (its
        # own pages on a chain's site; a redirect from / to /top narrows nothing).
        scope = SiteScope(_host(first.url), SiteScope.of(home).prefix)
        seen = {normalize_url(home), normalize_url(first.url)}
        queue = sorted(first.links, key=lambda link: -link[2])
        cap = self.settings.enrich_pages
        tries, failures = 1, 0
        # Every request counts: links that fail (404s, files) cost at most as many again.
        while queue and len(pages) < cap and tries < 2 * cap and failures < 3:
            url, kind, _ = queue.pop(0)
            url = normalize_url(url)
            if url in seen or not scope.allows(url):
                continue
            seen.add(url)
            tries += 1
            try:
                page, when = self.page(url, scope, kind, first.url)
            except HostDeadline:
                break  # the host's time is up: keep what was read
            except FetchError:  # a broken page loses only itself (three in a row: stop)
                self.frontier.finish(url, "error")
                failures += 1
                continue
            failures = 0
            if page is None:
                continue
            pages.append((kind, page))
            dates[page.url] = when
            if kind in ("profile", "about", "team", "contact"):  # one level further down
                more = [link for link in page.links if normalize_url(link[0]) not in seen
                        and link[1] not in ("press", "other")]
                queue = sorted(queue + more, key=lambda link: -link[2])
        return pages, dates, ""


def enrich(db: Database, settings: Settings, company_ids: Sequence[int], *,
           people: bool | None = None, again: bool = False,
           session: requests.Session | None = None, clock: Clock | None = None,
           progress: Callable[[SiteReport, int, int], None] | None = None) -> EnrichReport:
    """Visit the companies' own websites and keep what they say about reaching them."""
    ensure_enrich_schema(db)
    clock = clock or Clock()
    people = settings.enrich_people if people is None else people
    ids = list(dict.fromkeys(company_ids))
    label = "enrich:" + hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()[:16]
    frontier = Frontier.start(db, label, scope="own sites", recipe=None,
                              options={"enrich_pages": settings.enrich_pages, "people": people},
                              now=_now(clock), resume=True)
    fetcher = Fetcher(db, settings, session=session, clock=clock, run_id=frontier.run_id)
    visit = _Visit(db, settings, frontier, fetcher, people)
    report = EnrichReport(resumed=frontier.resumed)
    forgotten = {h for h, in db.execute("select key_hash from forgotten_people")}
    recent = (datetime.fromtimestamp(clock.now(), UTC)
              - timedelta(days=settings.enrich_days)).isoformat(timespec="seconds")
    names = dict(rows_in(db, "select id, coalesce(name_local, name) from companies where id in "
                         "({marks})", ids))
    for number, company_id in enumerate(ids, 1):
        site = SiteReport(company_id, names.get(company_id) or f"#{company_id}")
        report.sites.append(site)
        _visit_company(db, visit, site, forgotten, recent, again, clock)
        if progress is not None:
            progress(site, number, len(ids))
    frontier.close("finished", _now(clock))
    report.requests = fetcher.requests
    return report


def _visit_company(db: Database, visit: _Visit, site: SiteReport, forgotten: set[str],
                   recent: str, again: bool, clock: Clock) -> None:
    record_id, website, detail = _site_of(db, site.company_id)
    if record_id is None:
        site.status, site.reason = "no website", "the company has no active records"
        return
    records = [r for r, in db.execute("select record_id from record_links where company_id = ?",
                                      [site.company_id])]
    visit.own = [n for n, in db.execute(
        "select name from company_names where company_id = ?", [site.company_id]) if n]
    visit.own += [n for n in db.execute(
        "select name, name_local, name_en, legal_name from companies where id = ?",
        [site.company_id]).fetchone() or () if n]
    try:
        _read_site(db, visit, site, forgotten, recent, again, clock, record_id, records,
                   website, detail)
    except FetchError as exc:  # the home page (or the directory page) failed: say so, keep
        site.status, site.reason = "error", str(exc)  # what was read before
        _save(db, record_id, records, site.website or website, "error", 0, [], {}, clock,
              reason=str(exc))


def _read_site(db: Database, visit: _Visit, site: SiteReport, forgotten: set[str],
               recent: str, again: bool, clock: Clock, record_id: int, records: list[int],
               website: str, detail: str) -> None:
    held = db.execute("select status, visited_at, website from enrich_sites where record_id = ?",
                      [record_id]).fetchone()
    # Visited recently, and at the address it still has (one found through its directory
    # page counts as still there); a new or removed website is visited now.
    same_site = held is not None and bool(held[2]) and (
        _bare(_host(held[2])) == _bare(_host(website)) if website else bool(detail))
    if held and not again and held[0] == "done" and (held[1] or "") >= recent and same_site:
        site.status, site.website = "skipped", held[2] or ""
        site.reason = f"visited {held[1][:10]}; --again visits it anyway"
        return
    pages: list[tuple[str, PageContacts]] = []
    dates: dict[str, str] = {}
    if not website and detail:
        # The directory's own page for the company often links to its official site.
        page, when = visit.page(detail, SiteScope(_host(detail), "/"), "directory", "")
        if page is not None:
            pages.append(("directory", page))
            dates[page.url] = when
            own = [u for u in page.websites if _bare(_host(u)) != _bare(_host(detail))
                   and not _shared(u)]
            website = own[0] if own else ""
    if website and _shared(website):
        # A page on a social network or a review site is not the company's own site: its
        # people and numbers are the platform's to publish, not the company's.
        site.status, site.website = "no website", website
        site.reason = f"its web address is on {normalize_domain(website)}, not a site of its own"
        _save(db, record_id, records, website, "no website", 0, [], {}, clock,
              reason=site.reason)
        return
    if not website:
        site.status = "no website"
        site.reason = "no website on its records or its directory page"
        _save(db, record_id, records, "", "no website", 0, [], {}, clock)
        return
    site.website = website
    found, more, why = visit.site(website)
    if not found:
        site.status, site.reason = "error", why
        _save(db, record_id, records, website, "error", 0, [], {}, clock, reason=why)
        return
    pages = found  # only the company's own pages speak for it
    dates.update(more)
    facts = _facts(pages, dates, forgotten, visit.people, visit.own, record_id)
    site.pages = len(found)
    site.status = "done"
    site.facts = dict(Counter(f["kind"] for f in facts))
    _save(db, record_id, records, website, "done", len(found), facts, dates, clock)


def _facts(pages: list[tuple[str, PageContacts]], dates: dict[str, str], forgotten: set[str],
           people: bool, own: Sequence[str] = (), record_id: int = 0) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = []
    phone = _phone_pick(pages)
    if phone:
        facts.append({"kind": "phone", "value": phone[0], "url": phone[1], "how": phone[2]})
    for kind, attr in (("address", "addresses"), ("postal_code", "postal_codes")):
        found = _first(pages, attr)
        if found:
            facts.append({"kind": kind, "value": found[0], "url": found[1], "how": found[2]})
    if people:
        own_keys = {name_key(n) for n in own}
        for person, url in _people(pages, forgotten, record_id):
            if name_key(person.name) in own_keys or any(
                    name_key(person.name) in k for k in own_keys if len(k) > 6):
                continue  # the company's own name on a signature line, not a person
            facts.append({"kind": "person", "value": person.name, "role": person.role,
                          "role_kind": person.kind, "role_rank": person.rank, "url": url,
                          "how": person.how})
    for fact in facts:
        fact["fetched_at"] = dates.get(fact["url"], "")
    return facts


def _save(db: Database, record_id: int, records: list[int], website: str, status: str,
          pages: int, facts: list[dict[str, Any]], dates: dict[str, str], clock: Clock, *,
          reason: str = "") -> None:
    """Keep one visit: done, its facts replace whatever the company's records held (a fact
    seen before keeps its first date; read with --no-people, no person is kept); no website,
    the facts go (the site is gone); an error keeps the last visit's facts."""
    now = _now(clock)
    marks = ",".join("?" * len(records))
    with transaction(db):
        first = {(k, v, r or ""): f for k, v, r, f in db.execute(
            f"select kind, value, role, first_seen from contact_facts where record_id in "
            f"({marks})", records)}
        if status in ("done", "no website"):
            db.execute(f"delete from contact_facts where record_id in ({marks})", records)
            insert_rows(db, "contact_facts", [
                {"record_id": record_id, "kind": f["kind"], "value": f["value"],
                 "role": f.get("role"), "role_kind": f.get("role_kind"),
                 "role_rank": f.get("role_rank"), "how": f["how"], "url": f["url"],
                 "fetched_at": f["fetched_at"],
                 "first_seen": first.get((f["kind"], f["value"], f.get("role") or ""), now),
                 "seen_at": now} for f in facts],
                columns=("record_id", "kind", "value", "role", "role_kind", "role_rank", "how",
                         "url", "fetched_at", "first_seen", "seen_at"))
        db.execute("insert or replace into enrich_sites (record_id, website, status, pages, "
                   "visited_at, reason) values (?, ?, ?, ?, ?, ?)",
                   [record_id, website, status, pages, now, reason or None])


# -- forgetting a person ---------------------------------------------------------------------


def name_pattern(name: str) -> re.Pattern[str]:
    """The name as it may be written in text Spider keeps: any case, any width, with or
    without spaces between its parts (or between every character of a Japanese name given
    without one), an honorific after it; never inside a longer word ('林 誠' is not in
    '小林誠')."""
    base = unicodedata.normalize("NFKC", name).strip()
    parts = base.split()
    if len(parts) == 1 and re.fullmatch(r"[\u3040-\u30ff\u3400-\u9fff\u3005]+", base):
        parts = list(base)
    gap = r"[\s\u3000]*"
    body = gap.join(re.escape(p) for p in parts)
    return re.compile(rf"(?<![\w]){body}(?=$|[^\w]|様|氏|さん|さま|殿|先生)", re.IGNORECASE)


def _scrub(text: str | None, pattern: re.Pattern[str]) -> str | None:
    if not text:
        return text
    return pattern.sub("[forgotten]", unicodedata.normalize("NFKC", text)) if pattern.search(
        unicodedata.normalize("NFKC", text)) else text


def forget_person(db: Database, settings: Settings, name: str, *,
                  company_id: int | None = None, clock: Clock | None = None) -> dict[str, int]:
    """Remove the person NAME from everything Spider keeps (the facts read from company
    pages, the call log's contact names and notes, saved openers, saved lists' rows, the
    cached pages that name them) and never read them again; with `company_id`, only as named
    at that company. Returns how many of each were changed."""
    ensure_enrich_schema(db)
    clock = clock or Clock()
    key = name_key(name)
    if len(key) < 2:
        raise InputError("say whose name to forget (two characters or more)")
    pattern = name_pattern(name)
    records: set[int] | None = None
    if company_id is not None:
        records = {r for r, in db.execute("select record_id from record_links where "
                                          "company_id = ?", [company_id])}
    counts: dict[str, int] = {}
    with transaction(db):
        facts = [(fid, rid) for fid, rid, value in db.execute(
            "select id, record_id, value from contact_facts where kind = 'person'")
            if name_key(value) == key and (records is None or rid in records)]
        for fid, _ in facts:
            db.execute("delete from contact_facts where id = ?", [fid])
        counts["facts"] = len(facts)
        counts["calls"] = _forget_calls(db, pattern, records)
        counts["saved prospects"] = _forget_prospects(db, settings, pattern, records)
        counts["saved list rows"] = _forget_list_rows(db, settings, pattern, records)
        counts["cached pages"] = _forget_pages(db, pattern, records)
        hashes = [_hash(key)] if records is None else [_hash(f"{key}|{r}") for r in records]
        for hashed in hashes:
            db.execute("insert or ignore into forgotten_people (key_hash, forgotten_at) "
                       "values (?, ?)", [hashed, _now(clock)])
    return counts


def _in(records: set[int] | None, record_id: int | None) -> bool:
    return records is None or record_id in records


def _forget_calls(db: Database, pattern: re.Pattern[str], records: set[int] | None) -> int:
    if not has_table(db, "call_log"):
        return 0
    changed = 0
    for call_id, record_id, contact, note in db.execute(
            "select id, record_id, contact, note from call_log").fetchall():
        if not _in(records, record_id):
            continue
        new_contact, new_note = _scrub(contact, pattern), _scrub(note, pattern)
        if (new_contact, new_note) != (contact, note):
            db.execute("update call_log set contact = ?, note = ? where id = ?",
                       [new_contact, new_note, call_id])
            changed += 1
    return changed


def _generic_ask(settings: Settings) -> str:
    """Who to ask for when nobody is named: the opener templates' default."""
    from spider.angles import load_templates

    templates = load_templates(settings)
    ask = templates.get("ask_for", {}).get("default", "")
    return str(templates.get("gatekeeper", {}).get("text", "{ask_for}")).replace("{ask_for}", ask)


def _forget_prospects(db: Database, settings: Settings, pattern: re.Pattern[str],
                      records: set[int] | None) -> int:
    """Saved expansions: the opener keeps its words, the ask goes back to the role."""
    if not has_table(db, "prospects"):
        return 0
    changed = 0
    for run_id, rank, company_id, ask, opener in db.execute(
            "select run_id, rank, company_id, ask_for, opening_line from prospects").fetchall():
        if not (pattern.search(unicodedata.normalize("NFKC", ask or "")) or pattern.search(
                unicodedata.normalize("NFKC", opener or ""))):
            continue
        if records is not None and not _company_in(db, company_id, records):
            continue
        new_ask = _generic_ask(settings) if pattern.search(
            unicodedata.normalize("NFKC", ask or "")) else ask
        db.execute("update prospects set ask_for = ?, opening_line = ? where run_id = ? and "
                   "rank = ?", [new_ask, _scrub(opener, pattern), run_id, rank])
        changed += 1
    return changed


def _company_in(db: Database, company_id: int, records: set[int]) -> bool:
    return any(r in records for r, in db.execute(
        "select record_id from record_links where company_id = ?", [company_id]))


def _forget_list_rows(db: Database, settings: Settings, pattern: re.Pattern[str],
                      records: set[int] | None) -> int:
    """Saved lists keep each member's row as it was exported: the person leaves it."""
    if not has_table(db, "saved_list_members"):
        return 0
    changed = 0
    for list_name, company_id, anchor, row in db.execute(
            "select list, company_id, anchor, row from saved_list_members").fetchall():
        data = json.loads(row or "{}")
        text = json.dumps(data, ensure_ascii=False)
        if not pattern.search(unicodedata.normalize("NFKC", text)) or not _in(records, anchor):
            continue
        for field_name in ("contact", "contact_role", "contact_source"):
            if field_name in data and pattern.search(unicodedata.normalize(
                    "NFKC", str(data.get("contact") or ""))):
                data[field_name] = ""
        for field_name, value in list(data.items()):
            if isinstance(value, str) and pattern.search(unicodedata.normalize("NFKC", value)):
                data[field_name] = (_generic_ask(settings) if field_name == "ask_for"
                                    else _scrub(value, pattern))
        db.execute("update saved_list_members set row = ? where list = ? and company_id = ?",
                   [json.dumps(data, ensure_ascii=False), list_name, company_id])
        changed += 1
    if has_table(db, "saved_list_changes"):
        for rowid, why, name in db.execute(
                "select rowid, why, name from saved_list_changes").fetchall():
            if (_scrub(why, pattern), _scrub(name, pattern)) != (why, name):
                db.execute("update saved_list_changes set why = ?, name = ? where rowid = ?",
                           [_scrub(why, pattern), _scrub(name, pattern), rowid])
    return changed


def _forget_pages(db: Database, pattern: re.Pattern[str], records: set[int] | None) -> int:
    """Cached pages whose text names the person (read as a browser would: decompressed,
    decoded from any encoding, entities resolved, tags dropped): dropped, so no copy of the
    page is kept; the next visit fetches it again. With `records`, only that company's site."""
    if not has_table(db, "http_cache"):
        return 0
    from spider.crawl.cache import HttpCache
    from spider.crawl.decode import decode_html

    hosts: set[str] | None = None
    if records is not None:
        hosts = {_bare(_host(w)) for w, in rows_in(
            db, "select website from enrich_sites where record_id in ({marks})", list(records))
            if w}
    cache = HttpCache(db)
    dropped = []
    for url, in db.execute("select url from http_cache where body is not null").fetchall():
        if hosts is not None and _bare(_host(url)) not in hosts:
            continue
        page = cache.get(url)
        if page is None:
            continue
        text, _ = decode_html(page.body, page.content_type)
        text = unicodedata.normalize("NFKC", html_unescape(re.sub(r"<[^>]+>", " ", text)))
        text = re.sub(r"[\s\u3000]+", " ", text)
        if pattern.search(text):
            dropped.append(url)
    for url in dropped:
        db.execute("delete from http_cache where url = ?", [url])
    return len(dropped)

