"""Won clients: record them one by one or import a CRM export; they become references.

Won clients are user data: they point at a stable record (not a company id), so no rebuild
or refresh ever loses them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from spider.errors import InputError, QueryError
from spider.fields import fold_header
from spider.ingest import (
    IngestReport,
    now_iso,
    read_seed_file,
    record_key,
    register_source,
    save_records,
)
from spider.query import find_companies

_YES = {"1", "y", "yes", "true", "ok", "consent", "consented", "agreed", "referenceable", "可", "はい", "○", "◯"}
REFERENCEABLE_HEADERS = {"referenceable", "reference", "can name", "can be named", "consent",
                         "named reference", "reference ok", "実名可", "実名紹介"}
STORY_HEADERS = {"story", "result", "results", "outcome", "result story", "notes", "成果", "導入効果"}
WON_AT_HEADERS = {"won_at", "won at", "close date", "closed", "won date", "closed date", "受注日"}


def _anchor_record(db: sqlite_utils.Database, company_id: int) -> int:
    row = db.execute("select min(record_id) from record_links where company_id = ?", [company_id]).fetchone()
    if not row or row[0] is None:
        raise QueryError(f"company #{company_id} has no records; check the id with `spider records`")
    return row[0]


def record_won(db: sqlite_utils.Database, name: str, *, referenceable: bool = False,
               story: str | None = None, won_at: str | None = None, source: str = "cli") -> dict[str, Any]:
    """Mark the company NAME (or #ID) as a won client. Raises QueryError if unknown/ambiguous."""
    text = name.strip()
    if text.lstrip("#").isdigit():
        company_id = int(text.lstrip("#"))
        if not db.execute("select 1 from companies where id = ?", [company_id]).fetchone():
            raise QueryError(f"no company #{company_id}; find ids with `spider records`")
    else:
        found = find_companies(db, text)
        strong = [c for c in found if c["score"] >= 90]
        if not strong:
            closest = "; the closest names are below" if found else ""
            raise QueryError(f"{text!r} is not in the database{closest}. Add it with `spider ingest` "
                             "or `spider won --from crm.csv`, or give its #id", candidates=found[:5])
        exact = [c for c in strong if c["score"] >= 100] or strong
        if len(exact) > 1 and exact[1]["score"] >= exact[0]["score"] - 3:
            raise QueryError(f"{text!r} matches several companies; rerun with the #id of one",
                             candidates=exact[:8])
        company_id = exact[0]["company_id"]
    record_id = _anchor_record(db, company_id)
    row = {"record_id": record_id, "name": text, "referenceable": int(bool(referenceable)),
           "story": story, "won_at": won_at or now_iso()[:10], "source": source}
    existing = db.execute("select id from won_clients where record_id = ?", [record_id]).fetchone()
    if existing:
        db["won_clients"].update(existing[0], {k: v for k, v in row.items() if v is not None})
    else:
        db["won_clients"].insert(row)
    return {"company_id": company_id, **row}


def import_won(db: sqlite_utils.Database, settings, path: str | Path) -> tuple[IngestReport, int]:
    """Import a CRM export: each row becomes a record (so unknown clients join the graph) and is
    marked won; `referenceable`, `story` and close-date columns are read when present."""
    from spider.build import rebuild

    path = Path(path)
    source = str(path.resolve())
    report = IngestReport(source)
    rows = list(read_seed_file(path, report=report, source=source))
    if not rows:
        raise InputError(f"{path}: no usable rows (need a name column such as 'Account Name')")
    save_records(db, rows, report)
    register_source(db, source, "won", report=report)
    rebuild(db, settings)
    marked = 0
    for row in rows:
        extra = _extra_fields(row)
        key = record_key(source, row["source_row"])
        rid = db.execute("select id from records where record_key = ?", [key]).fetchone()[0]
        values = {"record_id": rid, "name": row.get("name") or row.get("name_en") or row.get("legal_name"),
                  "referenceable": int(extra.get("referenceable", "").strip().lower() in _YES),
                  "story": extra.get("story") or None, "won_at": extra.get("won_at") or now_iso()[:10],
                  "source": source}
        db["won_clients"].upsert(values, pk="record_id")
        marked += 1
    return report, marked


def _extra_fields(row: dict[str, Any]) -> dict[str, str]:
    import json

    extra = json.loads(row.get("extra") or "{}")
    out: dict[str, str] = {}
    for column, value in extra.items():
        folded = fold_header(column)
        if folded in REFERENCEABLE_HEADERS:
            out["referenceable"] = str(value)
        elif folded in STORY_HEADERS:
            out["story"] = str(value)
        elif folded in WON_AT_HEADERS:
            out["won_at"] = str(value)
    return out
