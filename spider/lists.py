"""Saved lists: a query's prospects kept under a name, frozen (static) or evaluated again
after every refresh (dynamic), with who entered and who left, and why.

A member is kept by its company and the company's first record (`anchor`), so a list still
names the same firm after a merge renumbers it. Exporting a list writes the call list as
`spider expand` does, with each member's contact details as they are now, and never a
company excluded since the list was saved.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spider.db import Database, insert_rows, rows_in, transaction
from spider.errors import InputError, SpiderError
from spider.exclusions import excluded_companies
from spider.export import CALL_LIST_COLUMNS, call_list_rows, safe_cell, safe_phone
from spider.prospects import Expansion
from spider.settings import Settings
from spider.text import now_iso


def ensure_list_schema(db: Database) -> None:
    db.execute("create table if not exists saved_lists (name text primary key, query text not "
               "null, static integer not null, size integer not null, created_at text, "
               "evaluated_at text)")
    db.execute("create table if not exists saved_list_members (list text not null, company_id "
               "integer not null, anchor integer, rank integer, row text, primary key (list, "
               "company_id))")
    db.execute("create table if not exists saved_list_changes (list text not null, at text not "
               "null, company_id integer not null, name text, change text not null, why text)")
    db.execute("create index if not exists idx_saved_list_changes_list on saved_list_changes "
               "(list, at)")
    # A list of a company's lookalikes keeps the company by its first record (as members are
    # kept), not by the name typed: renamed in its list, it is still the list's company.
    if "seed_anchor" not in {row[1] for row in db.execute("pragma table_info(saved_lists)")}:
        db.execute("alter table saved_lists add column seed_anchor integer")


@dataclass
class ListChange:
    company_id: int
    name: str
    change: str  # entered, left
    why: str


def _anchors(db: Database, company_ids: Sequence[int]) -> dict[int, int]:
    return dict(rows_in(db, "select company_id, min(record_id) from record_links where "
                        "company_id in ({marks}) group by company_id", sorted(set(company_ids))))


def _evaluate(db: Database, settings: Settings, query: str, size: int,
              seed_anchor: int | None = None) -> Expansion:
    from spider.expand import expand

    if seed_anchor is not None:
        held = db.execute("select company_id from record_links where record_id = ?",
                          [seed_anchor]).fetchone()
        if held:
            return expand(db, settings, f"#{held[0]}", limit=size, save=False)
    return expand(db, settings, query, limit=size, save=False)


def save_list(db: Database, settings: Settings, name: str, query: str, *, static: bool,
              size: int) -> Expansion:
    """Keep QUERY's prospects as list NAME (replacing a list of that name)."""
    ensure_list_schema(db)
    if not name.strip():
        raise InputError("a list needs a name")
    expansion = _evaluate(db, settings, query, size)
    seed = expansion.query.company_id if expansion.query.kind == "company" else None
    with transaction(db):
        db.execute("delete from saved_lists where name = ?", [name])
        db.execute("delete from saved_list_members where list = ?", [name])
        db.execute("delete from saved_list_changes where list = ?", [name])
        now = now_iso()
        insert_rows(db, "saved_lists", [{
            "name": name, "query": query, "static": int(static), "size": size,
            "created_at": now, "evaluated_at": now,
            "seed_anchor": _anchors(db, [seed]).get(seed) if seed is not None else None}])
        _write_members(db, name, expansion)
        insert_rows(db, "saved_list_changes", (
            {"list": name, "at": now, "company_id": p.company_id, "name": p.name,
             "change": "entered", "why": _why_in(p)} for p in expansion.prospects))
    return expansion


def _why_in(prospect: Any) -> str:
    return "; ".join(r.text() for r in prospect.reasons[:3]) or f"rank {prospect.rank}"


def _write_members(db: Database, name: str, expansion: Expansion) -> None:
    anchors = _anchors(db, [p.company_id for p in expansion.prospects])
    rows = call_list_rows(expansion)
    insert_rows(db, "saved_list_members", (
        {"list": name, "company_id": p.company_id, "anchor": anchors.get(p.company_id),
         "rank": p.rank, "row": json.dumps(row, ensure_ascii=False)}
        for p, row in zip(expansion.prospects, rows, strict=True)))


def get_list(db: Database, name: str) -> dict[str, Any]:
    ensure_list_schema(db)
    found = list(db.query("select * from saved_lists where name = ?", [name]))
    if not found:
        names = [n for n, in db.execute("select name from saved_lists order by name")]
        hint = f" (saved: {', '.join(names)})" if names else " (none saved yet)"
        raise InputError(f"no list named {name!r}{hint}; `spider list save NAME QUERY` makes one")
    return found[0]


def all_lists(db: Database) -> list[dict[str, Any]]:
    ensure_list_schema(db)
    return list(db.query(
        "select l.*, (select count(*) from saved_list_members m where m.list = l.name) "
        "as members from saved_lists l order by name"))


def members(db: Database, name: str) -> list[dict[str, Any]]:
    """The list's members in rank order, each under its company now (through its anchor)."""
    out = []
    for company_id, anchor, rank, row in db.execute(
            "select company_id, anchor, rank, row from saved_list_members where list = ? "
            "order by rank", [name]):
        now = db.execute("select company_id from record_links where record_id = ?",
                         [anchor]).fetchone() if anchor is not None else None
        out.append({"company_id": now[0] if now else company_id, "rank": rank,
                    "row": json.loads(row)})
    return out


def reevaluate(db: Database, settings: Settings, name: str) -> list[ListChange]:
    """Evaluate a dynamic list again; who entered and who left, and why."""
    saved = get_list(db, name)
    before = {m["company_id"]: m for m in members(db, name)}
    try:
        expansion: Expansion | None = _evaluate(db, settings, saved["query"], int(saved["size"]),
                                                saved.get("seed_anchor"))
    except SpiderError as exc:  # the query no longer names anything: the list empties
        expansion, unmatched = None, str(exc).split(";")[0]
    after = {p.company_id: p for p in expansion.prospects} if expansion else {}
    excluded = excluded_companies(db)
    status = dict(rows_in(db, "select id, coalesce(status, 'active') from companies where id in "
                          "({marks})", sorted(before)))
    changes: list[ListChange] = []
    for company_id, p in after.items():
        if company_id not in before:
            changes.append(ListChange(company_id, p.name, "entered", _why_in(p)))
    for company_id, m in before.items():
        if company_id in after:
            continue
        if expansion is None:
            why = f"the query no longer matches ({unmatched})"
        elif company_id in excluded:
            # (why, as the exclusion or the call log says: a meeting booked, called this
            # week, not now; it had said "do-not-call" of a company only called)
            why = f"left out: {excluded[company_id]}"
        elif company_id not in status:
            why = "merged into another company or split"
        elif status[company_id] == "gone":
            why = "gone from every source"
        else:
            why = f"no longer among the prospects of {saved['query']!r}"
        changes.append(ListChange(company_id, m["row"].get("company", ""), "left", why))
    now = now_iso()
    with transaction(db):
        db.execute("delete from saved_list_members where list = ?", [name])
        if expansion is not None:
            _write_members(db, name, expansion)
        db.execute("update saved_lists set evaluated_at = ? where name = ?", [now, name])
        insert_rows(db, "saved_list_changes", (
            {"list": name, "at": now, "company_id": c.company_id, "name": c.name,
             "change": c.change, "why": c.why} for c in changes))
    return changes


def delete_list(db: Database, name: str) -> None:
    get_list(db, name)
    with transaction(db):
        for table_name, column in (("saved_lists", "name"), ("saved_list_members", "list"),
                                   ("saved_list_changes", "list")):
            db.execute(f"delete from {table_name} where {column} = ?", [name])


def reevaluate_dynamic(db: Database, settings: Settings) -> dict[str, list[ListChange]]:
    """Every dynamic list evaluated again (after a refresh)."""
    ensure_list_schema(db)
    return {name: reevaluate(db, settings, name) for name, in db.execute(
        "select name from saved_lists where static = 0 order by name").fetchall()}


def last_changes(db: Database, name: str) -> tuple[str | None, list[ListChange]]:
    """The changes of the list's latest evaluation (its saving counts as everyone entering)."""
    get_list(db, name)
    at = db.execute("select max(at) from saved_list_changes where list = ?", [name]).fetchone()[0]
    rows = db.execute("select company_id, name, change, why from saved_list_changes where "
                      "list = ? and at = ? order by change, company_id", [name, at]).fetchall()
    return at, [ListChange(*row) for row in rows]


def export_rows(db: Database, name: str, settings: Settings | None = None,
                ) -> list[dict[str, Any]]:
    """The list as a call list: its rows as saved, contact details as they are now, and no
    company excluded since or gone from every source."""
    from spider.angles import ask_for_person, load_templates
    from spider.contact_facts import best_contacts
    from spider.signals import gone as gone_from_every_source

    settings = settings or Settings()
    ask = load_templates(settings).get("gatekeeper_person", {})
    excluded = excluded_companies(db)
    gone = gone_from_every_source(db)
    out = []
    listed = members(db, name)
    # What the companies' own pages say now (spider enrich): the number where none was, and
    # the person to ask for.
    known = best_contacts(db, settings, [m["company_id"] for m in listed])
    for member in listed:
        if member["company_id"] in excluded or member["company_id"] in gone:
            continue
        row = dict(member["row"])
        now = db.execute("select phone, website, address, city, region, postal_code from "
                         "companies where id = ?", [member["company_id"]]).fetchone()
        if now:
            for key, value in zip(("phone", "website", "address", "city", "region",
                                   "postal_code"), now, strict=True):
                if value:
                    row[key] = value
        found = known.get(member["company_id"])
        if found is not None:
            row["phone"] = row.get("phone") or found.phone
            row["address"] = row.get("address") or found.address
            if found.person:
                row.update(contact=found.person, contact_role=found.role,
                           contact_source=found.person_url)
                asked = ask_for_person(ask, found.person, found.role)
                if asked:
                    row["ask_for"] = asked
        out.append(row)
    return out


def write_list(db: Database, name: str, path: Path | None, fmt: str, *, bom: bool = True,
               settings: Settings | None = None) -> str:
    """The list as CSV or JSON text, written to PATH when given."""
    rows = export_rows(db, name, settings)
    if fmt == "json":
        text = json.dumps({"list": name, "prospects": rows}, ensure_ascii=False, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CALL_LIST_COLUMNS, lineterminator="\r\n",
                                extrasaction="ignore",
                                delimiter=settings.csv_delimiter if settings else ",")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_phone(v) if k == "phone" else safe_cell(v)
                             for k, v in row.items()})
        text = ("\ufeff" if bom else "") + buffer.getvalue()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    return text
