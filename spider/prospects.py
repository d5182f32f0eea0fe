"""What `expand` returns and keeps: a ranked `Prospect` per company, the `Expansion` of one
query, and the `runs` and `prospects` tables every expansion is saved to.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from spider.clients import cite
from spider.db import Database, insert_rows, transaction
from spider.explain import Reason
from spider.query import Query
from spider.settings import Settings
from spider.text import now_iso


@dataclass
class Prospect:
    rank: int
    company_id: int
    name: str
    name_local: str
    phone: str
    website: str
    address: str
    city: str
    score: float
    priority: str
    segment: str
    reasons: list[Reason]
    coverage: str = ""
    # The closest won client: company_id, name (as it may be cited: see spider.clients.cite),
    # referenceable, and the labels of the signals it shares with the prospect.
    reference: dict[str, Any] | None = None
    caution: str = ""
    angle: str = ""
    opening_line: str = ""
    ask_for: str = ""
    sources: list[str] = field(default_factory=list)
    region: str = ""  # so a list can be sorted and routed by state or prefecture
    postal_code: str = ""
    owner: str = ""  # the rep the company is assigned to (spider.routing), if any
    # Read from the company's own pages (spider enrich): the person to ask for, their role,
    # and the page that names them.
    contact: str = ""
    contact_role: str = ""
    contact_source: str = ""
    kind: str = ""  # what the prospect is, without where ("five-star hotel"): a CRM's Industry

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["reasons"] = [r.text() for r in self.reasons]
        return row


@dataclass
class Expansion:
    query: Query
    run_id: str
    prospects: list[Prospect]
    seed_label: str
    notes: list[str]
    touched: int = 0


def save_run(db: Database, settings: Settings, expansion: Expansion) -> None:
    """Keep one expansion: the query and its settings in `runs`, its prospects in `prospects`.

    Waits at most a few seconds for another command's write to end (the answer matters more
    than its history): then raises sqlite3.OperationalError.
    """
    query = expansion.query
    timeout = db.execute("pragma busy_timeout").fetchone()[0]
    db.execute("pragma busy_timeout = 3000")
    try:
        _save(db, settings, expansion, query)
    finally:
        db.execute(f"pragma busy_timeout = {int(timeout)}")


def _save(db: Database, settings: Settings, expansion: Expansion, query: Query) -> None:
    with transaction(db):
        insert_rows(db, "runs", [{
            "id": expansion.run_id, "query": query.text,
            "seeds": json.dumps([list(map(str, k)) for k in query.seeds()], ensure_ascii=False),
            "settings": settings.to_json(), "created_at": now_iso()}], conflict="replace")
        insert_rows(db, "prospects", ({
            "run_id": expansion.run_id, "rank": p.rank, "company_id": p.company_id,
            "score": p.score, "priority": p.priority, "segment": p.segment,
            "reasons": json.dumps([r.text() for r in p.reasons], ensure_ascii=False),
            "reference_company_id": (p.reference or {}).get("company_id"),
            "reference": cite(p.reference) if p.reference else None, "angle": p.angle,
            "opening_line": p.opening_line, "ask_for": p.ask_for,
            "sources": json.dumps(p.sources, ensure_ascii=False),
        } for p in expansion.prospects), conflict="replace")
