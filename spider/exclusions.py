"""Companies never to put on a call list: existing clients, and live exclusions (do-not-call,
competitors, partners) until they expire.

Checked in one place: `expand` ranks without them, and every exit (`spider.export`) checks
again as it writes, so a company excluded after a list was made still never reaches a file.
Exclusions are user data: they point at a stable record, so no rebuild loses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from spider.db import Database
from spider.text import now_iso

T = TypeVar("T")

EXISTING_CLIENT = "existing client"


def excluded_companies(db: Database) -> dict[int, str]:
    """Company id -> why it is never listed (an existing client, or the exclusion's kind)."""
    out: dict[int, str] = {}
    for cid, in db.execute(
        "select l.company_id from won_clients w join record_links l on l.record_id = w.record_id"
    ):
        out[cid] = EXISTING_CLIENT
    for cid, kind in db.execute(
        "select l.company_id, e.kind from exclusions e join record_links l on l.record_id = e.record_id "
        "where e.expires_at is null or e.expires_at > ?", [now_iso()]
    ):
        out.setdefault(cid, kind)
    return out


def without_excluded(db: Database, items: Sequence[T], company_id: str = "company_id",
                     ) -> list[T]:
    """The items (anything with a company id attribute) whose company may be listed now."""
    excluded = excluded_companies(db)
    return [item for item in items if getattr(item, company_id) not in excluded]
