"""The day's calls, for `spider today` and the web app: callbacks that are due, prospects back
from nurture, then A and B prospects never called, best first, each with the number, the
person to ask for (by name where the company's own pages give one: spider enrich), the opener
and what happened last time. Handing the new prospects out marks them (`expand --more` never
gives them again).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from spider.db import Database
from spider.settings import Settings


def _dialled(phone: str | None) -> str:
    return unicodedata.normalize("NFKC", phone or "")


@dataclass
class DayQueue:
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    back: list[dict[str, Any]] = field(default_factory=list)
    fresh: list[dict[str, Any]] = field(default_factory=list)


def day_queue(db: Database, settings: Settings, *, rep: str | None = None,
              limit: int | None = None, now: datetime | None = None,
              visible: set[int] | None = None, hand_out: bool = True,
              listed: list[dict[str, Any]] | None = None) -> DayQueue:
    """The day's queue for REP (None: everyone's); `visible`, if given, the companies the
    asker may see at all; LISTED, if given, the only companies new prospects come from (a
    saved list the rep works, `spider.lists.members`, not every query ever run: callbacks
    due stay whatever), as the list ranks them."""
    from spider.calls import OUTCOMES, due_callbacks, mark_handed_out, nurture_list, zone_of
    from spider.contact_facts import best_contacts
    from spider.exclusions import excluded_companies
    from spider.routing import assigned_to, owners
    from spider.signals import gone, not_open

    now = now or datetime.now(UTC)
    out = DayQueue()
    due = due_callbacks(db, now + timedelta(hours=12))
    if rep is not None:  # the rep's own: calls they made, and companies assigned to them
        owned = owners(db, [r["company_id"] for r in due])
        due = [r for r in due if (r.get("rep") or owned.get(r["company_id"])) == rep]
    if visible is not None:
        due = [r for r in due if r["company_id"] in visible]
    # A company excluded since (do-not-call, now a client) is called back no more.
    # So is one closed since: the re-ingested list says so.
    # (a meeting or a proposal asks for its follow-up call; nurture is its own list)
    barred = {cid for cid, why in excluded_companies(db, 0, nurtured=False).items()
              if why != "in the pipeline"} | not_open(db)
    due = [r for r in due if r["company_id"] not in barred]
    known = best_contacts(db, settings, [r["company_id"] for r in due])
    for row in due:
        found = known.get(row["company_id"])
        out.callbacks.append({
            **row, "local": datetime.fromisoformat(row["callback_at"]).astimezone(
                zone_of(row["zone_place"])),
            "last": OUTCOMES.get(row["outcome"], ("", row["outcome"]))[1],
            "ask": row["contact"] or (found.person + (f" ({found.role})" if found.role else "")
                                      if found and found.person else ""),
            "spoke": row.get("spoke_with") or "",
            # (a callback a rep promised stays; a company its lists dropped is said to be)
            "gone": row.get("company_status") == "gone",
            # (a register's full-width ０４５－ as a phone dials it: 045-)
            "phone": _dialled(row["phone"] or (found.phone if found else ""))})
    dropped = gone(db) | {r["company_id"] for r in out.callbacks}  # (a "not now" with a date
    # is its callback that day: served once)
    out.back = [r for r in nurture_list(db, settings, now)
                if r["why"] != "low priority (C)" and r["next_touch"] <= now.isoformat()
                and (visible is None or r["company_id"] in visible)
                and r["company_id"] not in barred and r["company_id"] not in dropped]
    excluded = excluded_companies(db, settings.recent_call_days).keys() | barred
    mine = assigned_to(db, rep) if rep is not None else None  # only this rep's companies
    # Each company as its latest expansion ranks it (a won client's lookalikes list it with
    # that client as the reference, C where an earlier segment query had said A), then the
    # A and B ones, best first, the latest expansion's before older ones.
    # (in SQL: the latest row of each company, only the A and B ones read into Python, and
    # only until the day is full)
    want = limit or settings.calls_per_day
    bands = "'A', 'B', 'C'" if mine else "'A', 'B'"
    rows: list[tuple] = []
    candidates: Any = db.execute(
        "select company_id, name, phone, priority, opening_line, ask_for, score from ("
        "select p.company_id, c.name, c.phone, p.priority, p.opening_line, p.ask_for, "
        "p.score, p.rank, r.created_at, r.rowid as run_row, row_number() over ("
        "partition by p.company_id order by r.created_at desc, r.rowid desc, p.rank) as nth "
        "from prospects p join runs r on r.id = p.run_id join companies c "
        "on c.id = p.company_id where coalesce(c.status, 'active') = 'active') "
        # (a rep's own day takes the C leads a manager assigned them too, after the A and B:
        # "No new prospects" beside 26 leads of theirs had left them idle)
        f"where nth = 1 and priority in ({bands}) "
        "order by priority, created_at desc, run_row desc, rank") if listed is None else [
        (m["company_id"], m["row"].get("company"), m["row"].get("phone"),
         m["row"].get("priority"), m["row"].get("opening_line"), m["row"].get("ask_for"),
         m["row"].get("score")) for m in listed]
    left = gone(db) if listed is not None else set()  # (a list's member its lists dropped)
    for row in candidates:
        if len(rows) >= 2 * want + 10:
            break
        if row[0] not in excluded and (mine is None or row[0] in mine) and \
                (visible is None or row[0] in visible) and row[0] not in left:
            rows.append(tuple(row))
    # A won client's own other site (its branch, one web domain or phone) is reached through
    # the client, never cold: left out, as `expand` cautions.
    from spider.expand import client_sites

    sites = client_sites(db, [row[0] for row in rows])
    rows = [row for row in rows if row[0] not in sites][:want]
    if hand_out:
        mark_handed_out(db, [row[0] for row in rows], "queued", "today")
    known = best_contacts(db, settings, [row[0] for row in rows])
    for company_id, name, phone, priority, opener, ask_for, score in rows:
        found = known.get(company_id)
        out.fresh.append({
            "company_id": company_id, "name": name, "priority": priority, "score": score,
            "phone": _dialled(phone or (found.phone if found else "")), "opener": opener or "",
            "ask": (found.person + (f", {found.role}" if found.role else "")
                    if found and found.person else ask_for or "")})
    return out
