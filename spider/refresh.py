"""Keeping the graph fresh: re-read registered sources, update the graph in place, and say
what changed, company by company.

`refresh` re-reads each source the way it was first read (a file with its mapping and
constants; a directory with its recipe and caps, through the HTTP cache, so an unchanged page
costs a 304), marks what a source no longer gives as stale, updates the graph in place
(spider.pipeline.update) and keeps a diff: companies new, gone stale, back, changed (which
fields), re-tiered, merged or split, in `refresh_changes` under a `refresh_runs` row.
`retire` takes a source out: its records become stale (never deleted), and the graph is
updated the same way. A source may carry a schedule ("1d", "12h", "weekly"); `due` lists
those whose time has come, for `spider refresh --due` from cron.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from spider.db import Database, has_table, insert_rows, rows_in, transaction, update_row
from spider.errors import InputError, SpiderError
from spider.settings import Settings
from spider.text import now_iso, strip_accents

# The company fields a diff compares (what a rep sees on a call list).
DIFF_FIELDS = ("name", "name_en", "legal_name", "phone", "website", "address", "city", "region",
               "country", "postal_code", "category", "brand")  # fmt: skip
_EVERY = re.compile(r"^(\d+)\s*([hdw])$")
_NAMED = {"hourly": "1h", "daily": "1d", "weekly": "1w", "monthly": "30d"}


def parse_schedule(text: str) -> str | None:
    """A schedule as stored ("12h", "1d", "2w"), from "12h", "daily", "weekly"...; None for
    "off"; a one-line error otherwise."""
    value = text.strip().lower()
    if value in ("off", "none", "never", ""):
        return None
    value = _NAMED.get(value, value)
    match = _EVERY.match(value)
    if not match:
        raise InputError(f"{text!r}: not a schedule; say 12h, 1d, 7d, 2w, daily, weekly or off")
    try:
        sensible = timedelta(hours=1) <= _interval(value) <= timedelta(days=3660)
    except OverflowError:
        sensible = False
    if not sensible:
        raise InputError(f"{text!r}: a schedule runs between every hour and every ten years")
    return value


def _interval(schedule: str) -> timedelta:
    match = _EVERY.match(schedule)
    assert match is not None
    count, unit = int(match.group(1)), match.group(2)
    return {"h": timedelta(hours=count), "d": timedelta(days=count),
            "w": timedelta(weeks=count)}[unit]  # fmt: skip


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# The registry


def list_sources(db: Database, *, include_retired: bool = True) -> list[dict[str, Any]]:
    """Every registered source with its live record counts and when it is next due."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for source, status, count in db.execute(
            "select source, coalesce(status, 'active'), count(*) from records group by 1, 2"):
        counts[source][status] = count
    directory_pages = _directory_pages(db)
    out = []
    for row in db.query("select * from sources order by id"):
        if row.get("kind") == "won":
            continue
        if not include_retired and row.get("status") == "retired":
            continue
        places = directory_pages.get(row["location"], {row["location"]})
        row["active"] = sum(counts.get(p, {}).get("active", 0) for p in places)
        row["stale"] = sum(counts.get(p, {}).get("stale", 0) for p in places)
        row["due_at"] = next_due(row)
        out.append(row)
    return out


def _directory_pages(db: Database) -> dict[str, set[str]]:
    """For each crawled directory, the page URLs its records name as their source."""
    if not has_table(db, "crawl_frontier"):
        return {}
    pages: dict[str, set[str]] = defaultdict(set)
    for start, url in db.execute(
            "select distinct r.start_url, f.url from crawl_frontier f join crawl_runs r on "
            "r.id = f.run_id where f.kind = 'list'"):
        pages[start].add(url)
    for start in pages:
        pages[start].add(start)
    return pages


def next_due(source: dict[str, Any]) -> str | None:
    """When a scheduled source is next due (ISO time), or None if it has no schedule."""
    schedule = source.get("schedule")
    if not schedule or source.get("status") == "retired":
        return None
    last = _parse_time(source.get("last_read_at")) or datetime.now(UTC)
    return (last + _interval(schedule)).isoformat(timespec="seconds")


def due_sources(db: Database, now: datetime | None = None) -> list[dict[str, Any]]:
    """The active sources whose schedule has come round."""
    now = now or datetime.now(UTC)
    return [s for s in list_sources(db, include_retired=False)
            if s["due_at"] and (_parse_time(s["due_at"]) or now) <= now]


def find_source(db: Database, ref: str) -> dict[str, Any]:
    """A source by its id (as `spider sources` lists it) or its location; one-line error."""
    row = None
    if ref.isdigit():
        row = db.execute("select id from sources where id = ?", [int(ref)]).fetchone()
    if row is None:
        candidates = [ref] if "://" in ref else [str(Path(ref).resolve()), ref]
        for location in candidates:
            row = db.execute("select id from sources where location = ?", [location]).fetchone()
            if row:
                break
    if row is None and "://" not in ref:  # a file named from elsewhere, or moved away
        named = db.execute("select id from sources where kind = 'file' and (location = ? or "
                           "location like ?)", [ref, f"%/{Path(ref).name}"]).fetchall()
        if len(named) == 1:
            row = named[0]
    if row is None:
        raise InputError(f"{ref}: no such source; `spider sources` lists them with their ids")
    return next(iter(db.query("select * from sources where id = ?", [row[0]])))


def set_schedule(db: Database, source: dict[str, Any], schedule: str | None) -> None:
    with transaction(db):
        update_row(db, "sources", "id", source["id"], {"schedule": schedule})


# ---------------------------------------------------------------------------------------------
# What changed, company by company


@dataclass
class Snapshot:
    """Some companies as they stand: their fields, tiers and records."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    tiers: dict[int, set[str]] = field(default_factory=dict)
    members: dict[int, set[int]] = field(default_factory=dict)
    active: set[int] = field(default_factory=set)  # active record ids among the members
    closed: set[int] = field(default_factory=set)  # companies marked closed or not yet open

    @classmethod
    def of(cls, db: Database, company_ids: Iterable[int] | None) -> Snapshot:
        """The given companies, or every company (None)."""
        snap = cls()
        columns = ", ".join(f'"{c}"' for c in ("id", *DIFF_FIELDS, "status"))
        rows: Iterable[tuple[Any, ...]]
        tiers: Iterable[tuple[Any, ...]]
        links: Iterable[tuple[Any, ...]]
        from spider.signals import STATUS_CLOSED, STATUS_PLANNED

        shut = "select company_id from company_signals where signal in (?, ?)"
        if company_ids is None:
            snap.closed = {cid for cid, in db.execute(shut, [STATUS_CLOSED, STATUS_PLANNED])}
            rows = db.execute(f"select {columns} from companies")
            tiers = db.execute("select cs.company_id, s.label from company_signals cs join "
                               "signals s on s.signal = cs.signal where s.kind = 'tier'")
            links = db.execute("select l.company_id, l.record_id, coalesce(r.status, 'active') "
                               "from record_links l join records r on r.id = l.record_id")
        else:
            ids = sorted(set(company_ids))
            snap.closed = {cid for cid, in rows_in(
                db, "select company_id from company_signals where signal in ('"
                f"{STATUS_CLOSED}', '{STATUS_PLANNED}') and company_id in ({{marks}})", ids)}
            rows = rows_in(db, f"select {columns} from companies where id in ({{marks}})", ids)
            tiers = rows_in(db, "select cs.company_id, s.label from company_signals cs join "
                            "signals s on s.signal = cs.signal where s.kind = 'tier' and "
                            "cs.company_id in ({marks})", ids)
            links = rows_in(db, "select l.company_id, l.record_id, coalesce(r.status, 'active') "
                            "from record_links l join records r on r.id = l.record_id where "
                            "l.company_id in ({marks})", ids)
        names = ("id", *DIFF_FIELDS, "status")
        for values in rows:
            row = dict(zip(names, values, strict=True))
            snap.rows[row.pop("id")] = row
        for company_id, label in tiers:
            snap.tiers.setdefault(company_id, set()).add(label)
        for company_id, record_id, status in links:
            snap.members.setdefault(company_id, set()).add(record_id)
            if status == "active":
                snap.active.add(record_id)
        return snap


@dataclass
class Change:
    company_id: int
    change: str  # new, gone, back, changed, closed, reopened, re-tiered, merged, split
    name: str
    fields: list[str] = field(default_factory=list)
    detail: str = ""

    def as_row(self) -> dict[str, Any]:
        return {"company_id": self.company_id, "change": self.change, "name": self.name,
                "fields": ", ".join(self.fields), "detail": self.detail}


def diff(before: Snapshot, after: Snapshot) -> list[Change]:
    """What happened to each company between two snapshots of the same companies."""
    owner_before = {r: c for c, members in before.members.items() for r in members}
    owner_after = {r: c for c, members in after.members.items() for r in members}
    out: list[Change] = []

    def name(company_id: int, snap: Snapshot) -> str:
        row = snap.rows.get(company_id) or {}
        return str(row.get("name") or row.get("name_en") or f"#{company_id}")

    for company_id in sorted(set(before.rows) | set(after.rows)):
        old, new = before.rows.get(company_id), after.rows.get(company_id)
        if new is None:
            assert old is not None
            went = {owner_after[r] for r in before.members.get(company_id, ())
                    if r in owner_after and owner_after[r] != company_id}
            if went:
                into = ", ".join(f"#{c} {name(c, after)}" for c in sorted(went))
                out.append(Change(company_id, "merged", name(company_id, before),
                                  detail=f"into {into}"))
            else:
                out.append(Change(company_id, "gone", name(company_id, before),
                                  detail="no record left"))
            continue
        members = after.members.get(company_id, set())
        came = {owner_before[r] for r in members
                if r in owner_before and owner_before[r] != company_id}
        if old is None:
            if came:
                origin = ", ".join(f"#{c} {name(c, before)}" for c in sorted(came))
                out.append(Change(company_id, "split", name(company_id, after),
                                  detail=f"out of {origin}"))
            else:
                out.append(Change(company_id, "new", name(company_id, after),
                                  detail=f"{len(members)} record(s)"))
            continue
        if old.get("status") == "active" and new.get("status") == "gone":
            out.append(Change(company_id, "gone", name(company_id, after),
                              detail="every record gone stale from its sources"))
            continue
        if old.get("status") == "gone" and new.get("status") == "active":
            out.append(Change(company_id, "back", name(company_id, after)))
        left = {owner_after[r] for r in before.members.get(company_id, ())
                if r in owner_after and owner_after[r] != company_id
                and r in after.active}
        if left:
            into = ", ".join(f"#{c}" for c in sorted(left))
            out.append(Change(company_id, "split", name(company_id, after),
                              detail=f"records moved to {into}"))
        if came:
            origin = ", ".join(f"#{c} {name(c, before)}" for c in sorted(came))
            out.append(Change(company_id, "merged", name(company_id, after),
                              detail=f"took in {origin}"))
        # A prospect that closed (BAIXADA, 廃止, "Permanently closed") is what a rep most
        # needs told: its callbacks are dropped and its lists leave it.
        if company_id in after.closed and company_id not in before.closed:
            out.append(Change(company_id, "closed", name(company_id, after),
                              detail="its list now marks it closed or not yet open"))
        elif company_id in before.closed and company_id not in after.closed:
            out.append(Change(company_id, "reopened", name(company_id, after),
                              detail="its list no longer marks it closed"))
        # (a value written anew with other capitals or without its accents, SÃO PAULO and
        # SAO PAULO, is no change to tell a rep of)
        fields = [f for f in DIFF_FIELDS if _said(old.get(f)) != _said(new.get(f))]
        if fields:
            detail = "; ".join(f"{f}: {old.get(f) or '-'} -> {new.get(f) or '-'}" for f in fields)
            out.append(Change(company_id, "changed", name(company_id, after), fields, detail))
        tiers_old, tiers_new = before.tiers.get(company_id, set()), after.tiers.get(company_id, set())
        if tiers_old != tiers_new:
            out.append(Change(company_id, "re-tiered", name(company_id, after),
                              detail=f"{', '.join(sorted(tiers_old)) or '-'} -> "
                                     f"{', '.join(sorted(tiers_new)) or '-'}"))
    return out


def _said(value: Any) -> str | None:
    """A field's value as a diff compares it: case, accents and spacing aside."""
    if value in (None, ""):
        return None
    return " ".join(strip_accents(str(value)).casefold().split())


class Watch:
    """Snapshots of the companies an update touches, before and after (pipeline.update says
    which: `see_before` with the companies it is about to rewrite, or None before a full
    rebuild; `see_after` with those it wrote)."""

    def __init__(self) -> None:
        self.before: Snapshot | None = None
        self.ids: set[int] | None = set()  # None: every company (a full rebuild)

    def see_before(self, db: Database, company_ids: Iterable[int] | None) -> None:
        self.before = Snapshot.of(db, company_ids)
        self.ids = None if company_ids is None else set(company_ids)

    def see_after(self, company_ids: Iterable[int]) -> None:
        if self.ids is not None:
            self.ids |= set(company_ids)

    def changes(self, db: Database) -> list[Change]:
        """Every change between the snapshot before and the graph now."""
        if self.before is None:
            return []
        return diff(self.before, Snapshot.of(db, self.ids))


# ---------------------------------------------------------------------------------------------
# Refresh


@dataclass
class RefreshResult:
    run_id: int
    lines: list[str]  # one per source read, then the update's summary, then the lists'
    changes: list[Change]
    errors: list[str]
    dry_run: bool
    summary: str = ""
    lists: list[str] = field(default_factory=list)  # what each dynamic list did


Echo = Callable[[str], None]


def refresh(db: Database, settings: Settings, sources: list[dict[str, Any]], *,
            dry_run: bool = False, echo: Echo | None = None,
            read: Callable[[Database, dict[str, Any], Settings], str] | None = None,
            ) -> RefreshResult:
    """Re-read SOURCES, update the graph in place and keep what changed. `dry_run`: the same
    work, then rolled back (the diff is shown, nothing is kept; a crawl's HTTP cache too)."""
    from spider import pipeline

    say = echo or (lambda line: None)
    reader = read or read_source
    lines: list[str] = []
    errors: list[str] = []
    watch = Watch()
    started = now_iso()

    class _DryRun(Exception):
        pass

    outcome: dict[str, Any] = {}
    try:
        with transaction(db):
            for source in sources:
                try:
                    with transaction(db):
                        line = reader(db, source, settings)
                        update_row(db, "sources", "id", source["id"],
                                   {"last_error": None, "last_read_at": now_iso()})
                except SpiderError as exc:
                    message = f"{source['location']}: {exc}"
                    errors.append(message)
                    update_row(db, "sources", "id", source["id"], {"last_error": str(exc)})
                    say(message)
                    continue
                lines.append(line)
                say(line)
            summary = pipeline.update(db, settings, echo=echo, watch=watch)
            lines.append(summary)
            changes = watch.changes(db)
            from spider.lists import reevaluate_dynamic

            listed = []
            for name, moved in reevaluate_dynamic(db, settings).items():
                if not moved:
                    continue
                entered = sum(c.change == "entered" for c in moved)
                listed.append(f"list {name!r}: {entered} entered, {len(moved) - entered} left "
                              f"(`spider list diff {name}`)")
            lines += listed
            run_id = _keep(db, started, sources, summary, changes, dry_run)
            outcome.update(run_id=run_id, changes=changes, summary=summary, lists=listed)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return RefreshResult(outcome["run_id"], lines, outcome["changes"], errors, dry_run,
                         outcome["summary"], outcome["lists"])


def _keep(db: Database, started: str, sources: list[dict[str, Any]], summary: str,
          changes: list[Change], dry_run: bool) -> int:
    cursor = db.execute(
        "insert into refresh_runs (started_at, finished_at, sources, summary, dry_run, changes) "
        "values (?, ?, ?, ?, ?, ?)",
        [started, now_iso(), json.dumps([s["location"] for s in sources], ensure_ascii=False),
         summary, int(dry_run), len(changes)])
    run_id = int(cursor.lastrowid or 0)
    insert_rows(db, "refresh_changes", ({"run_id": run_id, **c.as_row()} for c in changes))
    return run_id


def read_source(db: Database, source: dict[str, Any], settings: Settings) -> str:
    """Read one registered source again as it was first read; a line saying what it gave."""
    kind = source.get("kind")
    if kind == "file":
        from spider.ingest import ingest_file

        path = Path(source["location"])
        mapping = json.loads(source.get("mapping") or "null")
        constants = json.loads(source.get("constants") or "null")
        if not path.is_file():
            from spider import seeds

            shipped = {e["source"]: e for e in seeds.seed_sources()}
            entry = shipped.get(source["location"])
            if entry is None:
                raise InputError("the file is not there any more; put it back, or retire the "
                                 "source with `spider sources remove`")
            # A shipped seed is known by its label; it is read from where Spider keeps it.
            path, constants = Path(entry["path"]), entry["constants"]
        read = ingest_file(db, path, mapping=mapping, constants=constants,
                           source=source["location"], confidence=source.get("confidence"),
                           encoding=json.loads(source.get("options") or "{}").get("encoding"))
        return read.summary()
    if kind == "directory":
        from spider.crawl.crawler import ingest_directory

        options = json.loads(source.get("options") or "{}")
        crawl_settings = settings.with_flags(
            max_pages=options.get("max_pages"), max_depth=options.get("depth"),
            delay=options.get("delay"))
        crawled = ingest_directory(db, source["location"], crawl_settings,
                                   recipe=source.get("recipe"), resume=True,
                                   follow_details=bool(options.get("follow_details")),
                                   options=options, schedule=source.get("schedule"))
        stale = crawled.ingest.stale if crawled.ingest else 0
        return crawled.summary() + (f", {stale} gone from the directory (marked stale)"
                                    if stale else "")
    raise InputError(f"a source of kind {kind!r} is not re-read by refresh")


def retire(db: Database, settings: Settings, source: dict[str, Any], *,
           echo: Echo | None = None) -> RefreshResult:
    """Take a source out: its records become stale (never deleted: what a person decided
    about them stays), and the graph is updated in place."""
    from spider.ingest import mark_stale

    def take_out(db: Database, src: dict[str, Any], _settings: Settings) -> str:
        places = _directory_pages(db).get(src["location"], {src["location"]})
        read_id = "retired-" + uuid.uuid4().hex[:8]
        count = sum(mark_stale(db, place, read_id) for place in sorted(places))
        update_row(db, "sources", "id", src["id"], {"status": "retired", "retired_at": now_iso()})
        return f"{src['location']}: retired; {count} records marked stale (kept, not listed)"

    return refresh(db, settings, [source], echo=echo, read=take_out)


def kept_changes(db: Database, run_id: int) -> list[Change]:
    """The changes a refresh kept (`spider refresh --show RUN`)."""
    if not db.execute("select 1 from refresh_runs where id = ?", [run_id]).fetchone():
        raise InputError(f"no refresh run {run_id}; the latest is "
                         f"{db.execute('select max(id) from refresh_runs').fetchone()[0]}")
    return [Change(cid, change, name, [f for f in (fields or "").split(", ") if f], detail or "")
            for cid, change, name, fields, detail in db.execute(
                "select company_id, change, name, fields, detail from refresh_changes where "
                "run_id = ? order by rowid", [run_id])]


def write_changes(changes: list[Change], path: Path) -> None:
    """The diff as CSV or JSON (by the file's suffix); the folder is made if need be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [c.as_row() for c in changes]
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["company_id", "change", "name", "fields",
                                                    "detail"])
        writer.writeheader()
        writer.writerows(rows)
