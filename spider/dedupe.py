"""Entity resolution: records → companies (canonical) + record_links + review_queue.

First pass: exact clustering on normalized names and hard keys, category-aware.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from spider.normalize import compact, normalize_corporate_number, normalize_name

NAME_FIELDS = ("name", "name_local", "name_en", "legal_name")
COMPANY_FIELDS = (
    "name",
    "name_local",
    "name_en",
    "name_kana",
    "legal_name",
    "corporate_number",
    "category",
    "brand",
    "group",
    "address",
    "district",
    "city",
    "region",
    "country",
    "postal_code",
    "lat",
    "lon",
    "phone",
    "website",
    "description",
    "employees",
)


def category_class(record: dict[str, Any]) -> str:
    """Records of different classes never merge: a hotel property is not its listed operator."""
    category = (record.get("category") or "").casefold()
    if (
        "hotel" in category
        or "ホテル" in category
        or category in ("hostel", "motel", "guest_house")
    ):
        return "hotel"
    return "org"


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def resolve_companies(db: sqlite_utils.Database, settings: Any) -> str:
    """Cluster records into companies and rewrite companies/record_links. Returns a summary line."""
    rows = [
        dict(r)
        for r in db.query(
            "select * from records where coalesce(status, 'active') = 'active' order by id"
        )
    ]
    parent = list(range(len(rows)))
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        klass = category_class(row)
        keys = {("name", compact(normalize_name(row.get(f)))) for f in NAME_FIELDS if row.get(f)}
        number = normalize_corporate_number(row.get("corporate_number"))
        if number:
            keys.add(("jcn", number))
        for key in keys:
            if not key[1]:
                continue
            key = (klass + ":" + key[0], key[1])
            if key in seen:
                a, b = _find(parent, i), _find(parent, seen[key])
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                seen[key] = i
    clusters: dict[int, list[int]] = {}
    for i in range(len(rows)):
        clusters.setdefault(_find(parent, i), []).append(i)
    companies, links = [], []
    for members in clusters.values():
        recs = [rows[i] for i in members]
        company_id = min(r["id"] for r in recs)
        company: dict[str, Any] = {"id": company_id, "record_count": len(recs)}
        for field in COMPANY_FIELDS:
            company[field] = next(
                (r.get(field) for r in recs if r.get(field) not in (None, "")), None
            )
        companies.append(company)
        for r in recs:
            links.append(
                {
                    "record_id": r["id"],
                    "company_id": company_id,
                    "score": 100.0,
                    "rule": "exact" if len(recs) > 1 else "single",
                }
            )
    with db.conn:
        db.execute("delete from record_links")
        db.execute("delete from companies")
        if companies:
            db["companies"].insert_all(companies)
            db["record_links"].insert_all(links)
    return f"{len(rows)} records resolved into {len(companies)} companies"
