"""Routing leads to reps: reps with territories (places, industries) and a capacity; each
unassigned prospect goes to a rep whose territory it is in, the least loaded first, else to
any rep with room, in turn; no lead lies unowned and uncontacted in a drawer. Assignments are
user data, pinned to a record of the company.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from spider.db import Database, has_table, insert_rows, rows_in, transaction
from spider.errors import InputError
from spider.places import place_label_ja
from spider.resolve.normalize import fold
from spider.text import now_iso


def ensure_routing_schema(db: Database) -> None:
    db.execute("create table if not exists reps (name text primary key, places text, "
               "industries text, capacity integer not null, added_at text)")
    db.execute("create table if not exists assignments (record_id integer not null, rep text "
               "not null, assigned_at text not null)")
    db.execute("create index if not exists idx_assignments_record on assignments (record_id)")


@dataclass
class Rep:
    name: str
    places: list[str]
    industries: list[str]
    capacity: int


def _words(text: str | None) -> list[str]:
    return [fold(w) for w in (text or "").split(",") if fold(w)]


def add_rep(db: Database, name: str, *, places: str = "", industries: str = "",
            capacity: int = 200) -> Rep:
    ensure_routing_schema(db)
    if not name.strip():
        raise InputError("a rep needs a name")
    if capacity < 1:
        raise InputError("--capacity: at least one open lead")
    rep = Rep(name.strip(), _words(places), _words(industries), capacity)
    with transaction(db):
        db.execute("insert or replace into reps (name, places, industries, capacity, added_at) "
                   "values (?, ?, ?, ?, ?)", [rep.name, json.dumps(rep.places, ensure_ascii=False),
                                              json.dumps(rep.industries, ensure_ascii=False),
                                              rep.capacity, now_iso()])
    return rep


def reps(db: Database) -> list[Rep]:
    if not has_table(db, "reps"):
        return []  # read only: nothing made for a team that has no reps yet
    return [Rep(name, json.loads(places or "[]"), json.loads(industries or "[]"), capacity)
            for name, places, industries, capacity in db.execute(
                "select name, places, industries, capacity from reps order by name")]


_TRADE_KINDS = ("category", "kind", "industry", "concept")  # what a territory's industries meet


def unheld_words(db: Database, rep: Rep) -> list[str]:
    """The words of REP's territory no company here is in ("Travis Cnty" for Travis County, a
    typo): said when the rep is added, as `assign` would leave such a territory empty."""
    from spider.rank import PLACE_KINDS

    if not has_table(db, "signals"):
        return []
    out = []
    for words, held in ((rep.places, PLACE_KINDS), (rep.industries, _TRADE_KINDS)):
        if not words:
            continue
        kinds = ", ".join(f"'{kind}'" for kind in held)
        said = fold(" | ".join(f"{label} {signal.rsplit(':', 1)[-1]} "
                               f"{place_label_ja(signal, label or '')}"
                               for signal, label in db.execute(
                                   f"select signal, label from signals where kind in ({kinds})")))
        out += [word for word in words if not _holds([word], said)]
    return out


def team_rep(db: Database, name: str) -> str:
    """NAME as the team writes it (any case), where there is a team: a name of no rep of it,
    nor in the call log, is an error naming the closest ("Sara Colins" had logged calls no
    report counted and `today` answered "nothing to do"). Without a team, any name."""
    members = [rep.name for rep in reps(db)]
    if not members:
        return name
    same = [member for member in members if member.casefold() == name.strip().casefold()]
    if same:
        return same[0]
    if has_table(db, "call_log") and db.execute("select 1 from call_log where rep = ? limit 1",
                                                [name]).fetchone():
        return name  # (a rep who has left the team keeps their calls)
    from rapidfuzz import fuzz, process

    close = process.extractOne(name, members, scorer=fuzz.WRatio, score_cutoff=70)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise InputError(f"--rep {name!r}: no such rep in the team; {hint}`spider reps` lists "
                     "them, `spider reps add NAME` adds one")


def remove_rep(db: Database, name: str) -> None:
    ensure_routing_schema(db)
    with transaction(db):
        if not db.execute("delete from reps where name = ?", [name]).rowcount:
            raise InputError(f"no rep {name!r}; `spider reps` lists them")


def owners(db: Database, company_ids: Iterable[int]) -> dict[int, str]:
    """Company -> the rep it was last assigned to (read only: nothing assigned yet, none)."""
    out: dict[int, str] = {}
    if not has_table(db, "assignments"):
        return out
    for company_id, rep in rows_in(
            db, "select l.company_id, a.rep from assignments a join record_links l on "
            "l.record_id = a.record_id where l.company_id in ({marks}) order by a.rowid",
            sorted(set(company_ids))):
        out[company_id] = rep
    return out


def assigned_to(db: Database, rep: str) -> set[int]:
    """The companies assigned to REP (none while nothing is assigned)."""
    if not has_table(db, "assignments"):
        return set()
    return {c for c, in db.execute("select l.company_id from assignments a join record_links l "
                                   "on l.record_id = a.record_id where a.rep = ?", [rep])}


def open_leads(db: Database) -> dict[str, int]:
    """Rep -> the companies assigned to them, not called since, still open and still listed."""
    from spider.signals import gone, not_open

    ensure_routing_schema(db)
    shut = not_open(db) | gone(db)
    counts: dict[str, int] = {}
    for rep, cid in db.execute(
            "select a.rep, l.company_id from assignments a join record_links l on l.record_id = "
            "a.record_id where not exists (select 1 from call_log c join record_links l2 on "
            "l2.record_id = c.record_id where l2.company_id = l.company_id and c.logged_at >= "
            "a.assigned_at) group by l.company_id, a.rep"):
        if cid not in shut:
            counts[rep] = counts.get(rep, 0) + 1
    return counts


def assign(db: Database, company_ids: list[int], waiting: list[int] | None = None
           ) -> dict[str, list[int]]:
    """Give each unassigned company among COMPANY_IDS to a rep: one whose territory holds it
    (a place among its city, region, country; an industry among its category and segment
    words), the least loaded first, else a rep with room and no territory, in turn; never a
    rep whose territory leaves it out (a rep of places and industries: never one outside
    its places). A company no rep can take waits (its id in WAITING).
    Returns rep -> ids."""
    team = reps(db)
    if not team:
        raise InputError("no reps yet: `spider reps add NAME --places Tokyo --capacity 200`")
    taken = owners(db, company_ids)
    load = open_leads(db)
    said: dict[int, tuple[list[str], list[str]]] = {}
    for cid, *values in rows_in(db, "select id, city, region, country, category from companies "
                                "where id in ({marks})", company_ids):
        said[cid] = ([str(v) for v in values[:3] if v], [str(values[3])] if values[3] else [])
    # What the build read from addresses and names counts too: a list of names and addresses
    # has no city or category column, yet its rows are in Osaka and are dentists.
    from spider.rank import PLACE_KINDS

    kinds = ", ".join(f"'{kind}'" for kind in (*PLACE_KINDS, *_TRADE_KINDS))
    for cid, kind, signal, label in rows_in(
            db, "select cs.company_id, s.kind, s.signal, s.label from company_signals cs join "
            "signals s on s.signal = cs.signal where cs.company_id in ({marks}) and s.kind in "
            f"({kinds})", company_ids):
        if cid in said:
            where = kind in PLACE_KINDS
            said[cid][0 if where else 1].extend([label or "", signal.rsplit(":", 1)[-1]])
            if where:
                # a place in either script: a rep's 渋谷区 is the graph's Shibuya, Tokyo
                said[cid][0].append(place_label_ja(signal, label or ""))
    about = {cid: (fold(" ".join(where)), fold(" ".join(what)))
             for cid, (where, what) in said.items()}
    out: dict[str, list[int]] = {}
    turn = 0
    rows: list[dict[str, Any]] = []
    for company_id in company_ids:
        if company_id in taken or company_id not in about:
            continue
        place, industry = about[company_id]
        room = [r for r in team if load.get(r.name, 0) < r.capacity]
        if not room:
            if waiting is not None:
                waiting.append(company_id)
            continue
        # A rep whose territory holds it whole; else one whose places hold it (a Hamburg
        # electrician to the Hamburg rep who sells to plumbers, not in turn to Munich's);
        # else one whose industries do; else anyone with room, in turn.
        local = ([r for r in room if _fits(r, place, industry)]
                 or [r for r in room if r.places and _holds(r.places, place)]
                 # (a rep of places takes nothing outside them for its industry: "Germany;
                 # Gears" had been given Chinese and Slovak gear makers)
                 or [r for r in room if r.industries and not r.places
                     and _holds(r.industries, industry)])
        # (never to a rep whose territory leaves it out: a Lyon restaurant of the full
        # Paris-and-Lyon rep's waits for her, not for the Oregon dental rep's room)
        anyone = [r for r in room if not r.places and not r.industries]
        if local:
            chosen = min(local, key=lambda r: (load.get(r.name, 0), r.name))
        elif anyone:
            chosen = anyone[turn % len(anyone)]
            turn += 1
        else:
            if waiting is not None:
                waiting.append(company_id)
            continue
        load[chosen.name] = load.get(chosen.name, 0) + 1
        out.setdefault(chosen.name, []).append(company_id)
        anchor = db.execute("select min(record_id) from record_links where company_id = ?",
                            [company_id]).fetchone()[0]
        rows.append({"record_id": anchor, "rep": chosen.name, "assigned_at": now_iso()})
    with transaction(db):
        insert_rows(db, "assignments", rows)
    return out


def claim(db: Database, rep: str, company_ids: list[int]) -> list[int]:
    """REP takes those of COMPANY_IDS no rep holds yet (a rep working their own search, in
    the web app). Returns the companies taken; one another rep holds stays theirs."""
    ensure_routing_schema(db)
    rep = rep.strip()
    if not rep:
        raise InputError("claiming needs a rep's name")
    taken = owners(db, company_ids)
    rows, out = [], []
    for company_id in dict.fromkeys(company_ids):
        if company_id in taken:
            continue
        anchor = db.execute("select min(record_id) from record_links where company_id = ?",
                            [company_id]).fetchone()[0]
        if anchor is None:
            continue
        rows.append({"record_id": anchor, "rep": rep, "assigned_at": now_iso()})
        out.append(company_id)
    with transaction(db):
        insert_rows(db, "assignments", rows)
    return out


def _fits(rep: Rep, place: str, industry: str) -> bool:
    """Whether a company (its folded place and industry words) is in the rep's territory: a
    rep with no territory takes only what no territory holds."""
    return ((not rep.places or _holds(rep.places, place)) and
            (not rep.industries or _holds(rep.industries, industry)) and
            bool(rep.places or rep.industries))


def _holds(territory: list[str], said: str) -> bool:
    """Whether one of a territory's folded words is in what a company's place or industry
    words say (folded): whole words in Latin letters ("Bury" is not Dewsbury, "Kent" not
    Kentucky; "dentist" is Dentists), anywhere in Japanese script (渋谷区 in 東京都渋谷区)."""
    return any(_whole_word(word).search(said) if word.isascii() else word in said
               for word in territory)


@functools.lru_cache(maxsize=1024)
def _whole_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?:s|es)?(?![a-z0-9])")
