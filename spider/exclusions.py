"""Companies never to put on a call list: existing clients, and live exclusions (do-not-call,
competitors, partners) until they expire.

Checked in one place: `expand` ranks without them, and every exit (`spider.export`) checks
again as it writes, so a company excluded after a list was made still never reaches a file.
Exclusions are user data: they point at a stable record, so no rebuild loses them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from spider.db import Database, has_table, insert_rows, transaction
from spider.errors import InputError
from spider.text import now_iso

T = TypeVar("T")

EXISTING_CLIENT = "existing client"


RECENT_CALL_DAYS = 30  # the default of the recent_call_days setting
RECENTLY_CALLED = "called recently"


# What a company's latest call says of it, however long ago: in the pipeline (a meeting, a
# proposal), decided (won, lost, not interested, not to be called), or nurtured (not now):
# no new prospect for a cold list. (A callback's outcomes are the day's queue's.)
SETTLED_OUTCOMES = {"meeting-booked": "in the pipeline", "meeting-held": "in the pipeline",
                    "proposal": "in the pipeline", "won": "won", "lost": "lost",
                    "not-interested": "said not interested", "do-not-call": "do not call"}
NURTURED = "nurtured (said not now)"


def excluded_companies(db: Database, recent_days: int = RECENT_CALL_DAYS, *,
                       nurtured: bool = True) -> dict[int, str]:
    """Company id -> why it is never listed (an existing client, the exclusion's kind, a
    call logged in the last RECENT_DAYS days: it is being worked, not a new prospect; or a
    latest call that settled it, `SETTLED_OUTCOMES`, or, with NURTURED, put it in nurture).

    Each list is read first and its records looked up (CROSS JOIN keeps that order): SQLite
    would otherwise walk a million record links to meet a handful of calls."""
    out: dict[int, str] = {}
    for cid, in db.execute(
        "select l.company_id from won_clients w cross join record_links l on l.record_id = w.record_id"
    ):
        out[cid] = EXISTING_CLIENT
    for cid, kind in db.execute(
        "select l.company_id, e.kind from exclusions e cross join record_links l on l.record_id = e.record_id "
        "where e.expires_at is null or e.expires_at > ?", [now_iso()]
    ):
        out.setdefault(cid, kind)
    barred = [cid for cid, kind in out.items() if kind == "do_not_call"]
    if barred:
        # "Do not call" is said of a number: the same phone listed under another company
        # (a clinic's English and Japanese rows the resolver kept apart) is not rung either.
        for cid in same_phone(db, barred):
            out.setdefault(cid, "do_not_call")
    if has_table(db, "call_log"):
        from spider.calls import LATEST_CALL

        # (each company's latest call: a "not interested" followed by a meeting is a meeting)
        for cid, outcome in db.execute(
                "select l.company_id, c.outcome from call_log c cross join record_links l on "
                f"l.record_id = c.record_id where {LATEST_CALL}"):
            if outcome in SETTLED_OUTCOMES:
                out.setdefault(cid, SETTLED_OUTCOMES[outcome])
            elif outcome == "not-now" and nurtured:
                out.setdefault(cid, NURTURED)
    if recent_days > 0 and has_table(db, "call_log"):
        since = (datetime.now(UTC) - timedelta(days=recent_days)).isoformat(timespec="seconds")
        for cid, in db.execute("select distinct l.company_id from call_log c cross join record_links "
                               "l on l.record_id = c.record_id where c.logged_at >= ?", [since]):
            out.setdefault(cid, RECENTLY_CALLED)
    return out


def same_phone(db: Database, company_ids: Sequence[int]) -> set[int]:
    """The other companies with a phone number one of COMPANY_IDS has, found through the
    block keys the last resolution kept (an index lookup a number; `resolve_keys`)."""
    from spider.resolve.block import rule_key
    from spider.resolve.keys import normalize_phone

    if not has_table(db, "resolve_keys"):
        return set()
    marks = ",".join("?" * len(company_ids))
    phones = {normalize_phone(raw) for raw, in db.execute(
        f"select r.phone from record_links l join records r on r.id = l.record_id where "
        f"l.company_id in ({marks}) and coalesce(r.phone, '') != ''", list(company_ids))}
    phones.discard("")
    if not phones:
        return set()
    keys = [rule_key("phone", phone) for phone in sorted(phones)]
    found: set[int] = set()
    for cid, raw in db.execute(
            f"select l.company_id, r.phone from resolve_keys k join records r on r.id = "
            f"k.record_id join record_links l on l.record_id = r.id where k.key in "
            f"({','.join('?' * len(keys))}) and r.status = 'active'", keys):
        if normalize_phone(raw) in phones:  # (a hash shared by another number: not it)
            found.add(cid)
    return found - set(company_ids)


def without_excluded(db: Database, items: Sequence[T], company_id: str = "company_id",
                     ) -> list[T]:
    """The items (anything with a company id attribute) whose company may be listed now."""
    excluded = excluded_companies(db)
    return [item for item in items if getattr(item, company_id) not in excluded]


# What a person may exclude a company as, by the words they may use for it.
KINDS = {"do-not-call": "do_not_call", "dnc": "do_not_call", "do_not_call": "do_not_call",
         "competitor": "competitor", "partner": "partner", "customer": "customer",
         "existing-customer": "customer", "client": "customer"}  # fmt: skip
KIND_WORDS = {"do_not_call": "do-not-call", "competitor": "competitor", "partner": "partner",
              "customer": "existing customer"}  # fmt: skip


def exclusion_kind(text: str) -> str:
    kind = KINDS.get(text.strip().lower().replace(" ", "-"))
    if kind is None:
        raise InputError(f"{text!r}: not a kind of exclusion; say do-not-call, competitor, "
                         "partner or customer")
    return kind


class PassedExpiry(InputError):
    """An expiry whose date has gone by (a file's row may say one: it is then skipped)."""


def expiry(text: str | None, *, now: datetime | None = None) -> str | None:
    """An expiry as stored (ISO date-time), from "2027-03-31", "90d", "12w", "6m" or None."""
    if not text:
        return None
    value = text.strip().lower()
    now = now or datetime.now(UTC)
    match = re.fullmatch(r"(\d+)\s*([dwm])", value)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        days = count * {"d": 1, "w": 7, "m": 30}[unit]
        if not 1 <= days <= 36600:
            raise InputError(f"{text!r}: an expiry between a day and a hundred years")
        return (now + timedelta(days=days)).isoformat(timespec="seconds")
    written = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", value)
    if written:  # 31.03.2027, 31/03/2027: day first, as Europe writes it
        value = f"{written.group(3)}-{int(written.group(2)):02d}-{int(written.group(1)):02d}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{text!r}: not a date; say 2027-03-31, 31.03.2027 or 90d (12w, 6m)"
                         ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment <= now:
        raise PassedExpiry(f"{text!r} has passed; give a later date")
    return moment.isoformat(timespec="seconds")


def add_exclusion(db: Database, name: str, kind: str, *, reason: str | None = None,
                  until: str | None = None, company_id: int | None = None) -> dict[str, Any]:
    """Exclude the company NAME (#id or a name, as `expand` finds it; COMPANY_ID where the
    caller has found it) from every call list, until UNTIL (stored on the record its name
    names, so no rebuild loses it)."""
    from spider.clients import named_record, resolve_company

    if company_id is None:
        company_id = resolve_company(db, name, command="spider exclude add")
    row = {"record_id": named_record(db, company_id, name), "kind": exclusion_kind(kind),
           "reason": reason, "expires_at": expiry(until), "created_at": now_iso()}
    with transaction(db):
        insert_rows(db, "exclusions", [row])
        row["id"] = db.execute("select max(id) from exclusions").fetchone()[0]
    company = db.execute("select name from companies where id = ?", [company_id]).fetchone()
    return {"company_id": company_id, "name": company[0] if company else name, **row}


def list_exclusions(db: Database, *, include_expired: bool = False) -> list[dict[str, Any]]:
    """The exclusions (live ones unless asked), each with the company it holds now."""
    now = now_iso()
    rows = []
    for row in db.query(
            "select e.*, l.company_id, c.name from exclusions e left join record_links l on "
            "l.record_id = e.record_id left join companies c on c.id = l.company_id order by e.id"):
        live = row["expires_at"] is None or row["expires_at"] > now
        if live or include_expired:
            rows.append({**row, "live": live})
    return rows


def expire_exclusion(db: Database, exclusion_id: int) -> None:
    with transaction(db):
        changed = db.execute("update exclusions set expires_at = ? where id = ?",
                             [now_iso(), exclusion_id]).rowcount
    if not changed:
        raise InputError(f"no exclusion {exclusion_id}; `spider exclude list` shows their ids")


def import_exclusions(db: Database, path: Path, *, kind: str | None = None,
                      ) -> tuple[int, list[str]]:
    """Exclusions from a CSV (a column naming the company: company, name or id; optional
    kind, reason, expires): how many were added, and a line for each row left out."""
    from spider.errors import QueryError

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    from spider.clients import resolve_company
    from spider.fields import map_headers
    from spider.ingest import sniff_delimiter

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # (a list saved by Excel in Europe)
    # (a do-not-call list saved as "Teléfono;Motivo", as ingest reads it)
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=sniff_delimiter(text[:20000], ","))
        fields = {f.strip().lower(): f for f in reader.fieldnames or []}
        read = map_headers(list(reader.fieldnames or []))  # "Company Name", 会社名 ...
        name_col = next((fields[c] for c in ("company", "name", "company_name", "id", "#id")
                         if c in fields), None) or \
            next((c for c, f in read.items() if f == "name"), None)
        phone_col = next((c for c, f in read.items() if f == "phone"), None)
        if name_col is None and phone_col is None:
            raise InputError(f"{path}: needs a column naming the company (company, name or id) "
                             f"or its phone; it has {', '.join(reader.fieldnames or []) or 'none'}")
        expires_col = fields.get("expires") or fields.get("expiry") or fields.get("until") or ""
        rows = list(reader)
    added, skipped = 0, []
    phones: dict[str, set[int]] | None = None  # read once, where a row gives a phone alone
    # (a list that names a company twice, or one already excluded so: excluded once)
    done: set[tuple[int, str]] = {
        (cid, k) for cid, k in db.execute(
            "select l.company_id, e.kind from exclusions e join record_links l on "
            "l.record_id = e.record_id where e.expires_at is null or e.expires_at > ?",
            [now_iso()])}
    with transaction(db):
        for number, row in enumerate(rows, start=2):
            name = (row.get(name_col) or "").strip() if name_col else ""
            if not name and phone_col and (row.get(phone_col) or "").strip():
                # A do-not-call list may give the number alone: the company that has it.
                phones = phones if phones is not None else _phone_book(db)
                found = _company_by_phone(phones, str(row[phone_col]))
                name = f"#{found}" if found is not None else ""
                if not name:
                    skipped.append(f"row {number}: no company has the phone {row[phone_col]!r}")
                    continue
            if not name:
                skipped.append(f"row {number}: no company named")
                continue
            if name_col and name_col.strip().lower() in ("id", "#id") and name.isdigit():
                name = f"#{name}"
            until = _read_date(row.get(expires_col) or "") if expires_col else None
            if until == _PASSED:
                skipped.append(f"row {number}: its expiry {row[expires_col]!r} has passed")
                continue
            if expires_col and (row.get(expires_col) or "").strip() and until is None:
                # Never a do-not-call row dropped for its date: kept, without the expiry.
                skipped.append(f"row {number}: expiry {row[expires_col]!r} not read as a date; "
                               "excluded without one")
            said = row.get(fields.get("kind", ""), "") or kind or "do-not-call"
            try:
                company_id = resolve_company(db, name, command="spider exclude import")
                excluded = (company_id, exclusion_kind(said))
                if excluded in done:
                    skipped.append(f"row {number}: {name} is already excluded ({said})")
                    continue
                add_exclusion(db, name, said, reason=row.get(fields.get("reason", "")) or None,
                              until=until, company_id=company_id)
            except (QueryError, InputError) as exc:
                skipped.append(f"row {number}: {exc}")
                continue
            done.add(excluded)
            added += 1
    return added, skipped


_PASSED = "passed"


def _read_date(text: str) -> str | None:
    """An expiry as a file writes it, as an ISO date: 2027-03-31, 31/12/2026 or 12/31/2026
    (the day first where it cannot be a month), 31.12.2026; _PASSED for a date gone by;
    None if it is not one."""
    value = text.strip()
    if not value:
        return None
    found = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", value)
    if found:
        first, second, year = (int(g) for g in found.groups())
        day, month = (second, first) if first <= 12 < second else (first, second)
        value = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        return expiry(value)
    except PassedExpiry:
        return _PASSED
    except InputError:
        return None


def _phone_book(db: Database) -> dict[str, set[int]]:
    """Each phone number (as the resolver compares numbers) with the companies that have it."""
    from spider.resolve.keys import normalize_phone

    book: dict[str, set[int]] = {}
    for cid, number in db.execute("select id, phone from companies where phone is not null"):
        key = normalize_phone(number)
        if key:
            book.setdefault(key, set()).add(cid)
    return book


def _company_by_phone(phones: dict[str, set[int]], phone: str) -> int | None:
    """The one company whose phone is PHONE."""
    from spider.resolve.keys import normalize_phone

    held = phones.get(normalize_phone(phone), set())
    return next(iter(held)) if len(held) == 1 else None
