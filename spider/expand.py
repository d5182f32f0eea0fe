"""Expand: from a query to ranked prospects, each with reasons, a reference and an opener.

query -> resolve -> seed nodes -> rank (personalized PageRank by local push) -> exclude
-> reasons -> reference -> angle -> prospects (saved in the `prospects` table).
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlite_utils

from spider.ingest import now_iso
from spider.query import Query, resolve_query
from spider.rank import Adjacency, personalized_pagerank, signal_contributions
from spider.settings import Settings
from spider.signals import signals_of

# Signal kinds that make two companies direct competitors (place alone does not).
COMPETITOR_KINDS = frozenset({"list", "tier", "industry", "concept", "category", "brand"})
# Reasons are given one per group of kinds, so three reasons say three different things.
REASON_GROUPS = {"category": "what", "concept": "what", "industry": "what", "sector": "what",
                 "district": "where", "city": "where", "region": "where", "country": "where"}
# The order segment words are written in: "five-star hotel, Marunouchi, Tokyo".
SEGMENT_ORDER = ("tier", "category", "concept", "industry", "district", "city", "region", "country")
REASON_KIND_NAMES = {
    "list": "listed together on", "tier": "tier", "industry": "same industry", "concept": "same business",
    "category": "same kind of business", "brand": "brand", "group": "same group", "district": "same district",
    "city": "same city", "region": "same region", "country": "same country", "sector": "same sector",
    "term": "description mentions", "size": "similar size",
}


@dataclass
class Reason:
    signal: str
    kind: str
    label: str
    evidence: str
    share: float  # share of this prospect's score that flowed in through the signal
    shared_with_seed: bool  # shared with the seed company, or named by the segment query
    segment_query: bool = False

    def text(self) -> str:
        name = REASON_KIND_NAMES.get(self.kind, self.kind)
        if not self.shared_with_seed and self.segment_query:
            if self.kind == "list":
                return f"on the list '{self.label}' ({self.evidence})"
            return f"{name}: {self.label}"
        if not self.shared_with_seed:
            # Reached over two hops: the signal links the prospect to the seed's neighbours,
            # not to the seed itself, so say so.
            where = f" ({self.evidence})" if self.kind == "list" else ""
            return f"close to the seed's peers through {self.kind} '{self.label}'{where}"
        if self.kind == "list":
            return f"{name} '{self.label}' ({self.evidence})"
        if self.kind == "tier":
            return f"{self.label} ({self.evidence})"
        return f"{name}: {self.label}"


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
    reference: dict[str, Any] | None = None
    caution: str = ""
    angle: str = ""
    opening_line: str = ""
    ask_for: str = ""
    sources: list[str] = field(default_factory=list)

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


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 0x3000 for ch in text)


_KEEP_UPPER = frozenset({"NV", "BV", "AG", "SA", "KK", "LLC", "PLC", "USA", "UK", "JR", "IHI"})
_LEGAL_CASE = {"CO": "Co", "LTD": "Ltd", "INC": "Inc", "CORP": "Corp", "LLC": "LLC"}


_SMALL_WORDS = frozenset({"of", "the", "and", "de", "at", "in", "on", "for", "by", "la", "le", "du"})


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def readable_name(name: str) -> str:
    """'HONDA MOTOR CO., LTD.' -> 'Honda Motor Co., Ltd.'; acronyms (NEC, UFJ, TBK, JR) stay;
    a directory's all-lowercase 'arnie mortons of chicago' -> 'Arnie Mortons of Chicago'."""
    if name.isascii() and name.islower():
        words = name.split(" ")
        return " ".join(w if (i and w in _SMALL_WORDS) else w[:1].upper() + w[1:]
                        for i, w in enumerate(words))
    if not name.isascii() or not name.isupper() or len(name) <= 4:
        return name

    def fix(match: re.Match) -> str:
        word = match.group(0)
        if match.start() and name[match.start() - 1] in "'’":
            return word.lower()  # McDONALD'S -> ...'s
        if word in _LEGAL_CASE:
            return _LEGAL_CASE[word]
        if len(word) <= 3 or word in _KEEP_UPPER:
            return word
        return word[0] + word[1:].lower()

    return re.sub(r"[A-Z]+", fix, name)


def display_names(row: dict[str, Any], language: str) -> dict[str, str]:
    """The name a rep reads aloud (English for English openers where one is known, the
    native one for Japanese) and the local-script name beside it."""
    names = [n for n in (row.get("name"), row.get("name_en"), row.get("name_local"),
                         row.get("legal_name")) if n]
    if not names:
        return {"name": f"#{row.get('id')}", "name_local": ""}
    latin = [n for n in names if _is_latin(n)]
    local = [n for n in names if not _is_latin(n)]
    if language == "ja":
        shown = (local or latin)[0]
    else:
        shown = (latin or local)[0]
    other = next((n for n in (local if shown in latin else latin) if n != shown), "")
    return {"name": readable_name(shown), "name_local": other if shown in latin else ""}


def _holders_among(db: sqlite_utils.Database, signals: list[str], ids: list[int]):
    """(company, signal) pairs for these companies among these signals."""
    marks = ",".join("?" * len(signals))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        yield from db.execute(
            f"select company_id, signal from company_signals where signal in ({marks}) "
            f"and company_id in ({','.join('?' * len(chunk))})", [*signals, *chunk])


def _company_rows(db: sqlite_utils.Database, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"select * from companies where id in ({marks})", chunk):
            out[row["id"]] = row
    return out


def excluded_companies(db: sqlite_utils.Database) -> dict[int, str]:
    """Companies never to list: existing clients and live exclusions (do-not-call, ...)."""
    out: dict[int, str] = {}
    for cid, in db.execute(
        "select l.company_id from won_clients w join record_links l on l.record_id = w.record_id"
    ):
        out[cid] = "existing client"
    today = now_iso()
    for cid, kind in db.execute(
        "select l.company_id, e.kind from exclusions e join record_links l on l.record_id = e.record_id "
        "where e.expires_at is null or e.expires_at > ?", [today]
    ):
        out.setdefault(cid, kind)
    return out


def segment_words(signals: dict[str, dict[str, Any]], only: set[str] | None = None) -> str:
    """Describe a company's segment in words, from the signals given (or all of them)."""
    by_kind: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for sig, row in signals.items():
        if only is not None and sig not in only:
            continue
        by_kind[row["kind"]].append((row["idf"] or 0.0, row["label"]))
    words: list[str] = []
    tier = max(by_kind.get("tier", []), default=None)
    kind_word = None
    for kind in ("category", "concept", "industry"):
        if by_kind.get(kind):
            kind_word = max(by_kind[kind])[1]
            break
    if tier or kind_word:
        words.append(" ".join(w for w in ((tier or (0, ""))[1], kind_word or "") if w))
    for kind in ("district", "city", "region", "country"):
        if by_kind.get(kind):
            label = max(by_kind[kind])[1]
            words.append(label)
            break
    return ", ".join(words)


def expand(db: sqlite_utils.Database, settings: Settings, text: str, *, limit: int | None = None,
           save: bool = True) -> Expansion:
    """Rank the lookalikes of QUERY and explain each; saves them as one run in `prospects`."""
    from spider.angles import attach_openers

    query = resolve_query(db, text)
    limit = limit or settings.limit
    total = db.execute("select count(*) from companies").fetchone()[0] or 1
    adjacency = Adjacency(db, max_signal_companies=max(50, int(settings.max_signal_share * total)))
    estimate, residual = personalized_pagerank(
        adjacency, query.seeds(), alpha=settings.restart_probability, epsilon=settings.push_epsilon)
    scores: dict[int, float] = defaultdict(float)
    for store in (estimate, residual):
        for (kind, key), value in store.items():
            if kind == "c":
                scores[int(key)] += value
    notes = list(query.notes)
    seed_signals: dict[str, dict[str, Any]] = {}
    excluded = excluded_companies(db)
    removed: set[int] = set(excluded)
    if query.kind == "company":
        seed_signals = signals_of(db, [query.company_id]).get(query.company_id, {})
        scores.pop(query.company_id, None)
        removed.add(query.company_id)
        own_group = {s for s, r in seed_signals.items() if r["kind"] == "group"}
        if own_group:
            same = {cid for cid, in db.execute(
                f"select distinct company_id from company_signals where signal in "
                f"({','.join('?' * len(own_group))})", list(own_group))} - {query.company_id}
            removed |= same
            dropped = [cid for cid in same if scores.pop(cid, None) is not None]
            if dropped:
                notes.append(f"left out {plural(len(dropped), 'company', 'companies')} of the seed's own group "
                             f"({', '.join(seed_signals[s]['label'] for s in own_group)})")
        seed_label = query.company_name
    else:
        seed_label = " + ".join(f.label for f in query.facets)
    dropped = [cid for cid in list(scores) if cid in excluded and scores.pop(cid, None) is not None]
    if dropped:
        notes.append(f"left out {plural(len(dropped), 'existing client or excluded company', 'existing clients or excluded companies')}")
    ranked = _order(db, query, scores, seed_signals, notes)
    # Segment candidates come from facet membership, not from the walk: apply the same
    # exclusions to them (existing clients, do-not-call, the seed and its group).
    ranked = [item for item in ranked if item[0] not in removed]
    top = ranked[: limit]
    rows = _company_rows(db, [cid for cid, *_ in top])
    best = top[0][1] if top else 1.0
    prospect_signals = signals_of(db, [cid for cid, *_ in top])
    prospects: list[Prospect] = []
    for position, (cid, score, covered) in enumerate(top, 1):
        signals = prospect_signals.get(cid, {})
        reasons = _reasons(adjacency, estimate, cid, signals, seed_signals, query)
        shared = set(signals) & (set(seed_signals) if seed_signals else _facet_signals(query))
        # Say what the prospect is (its own tier, the business it shares with the seed) and
        # where, as precisely as known.
        own = {s for s, r in signals.items() if r["kind"] in ("tier", "district")}
        segment = segment_words(signals, shared | own) or segment_words(signals)
        row = rows.get(cid, {})
        prospects.append(Prospect(
            rank=position, company_id=cid, **display_names(row, settings.language),
            phone=row.get("phone") or "",
            website=row.get("website") or "", address=row.get("address") or "",
            city=row.get("city") or row.get("region") or "", score=round(score, 8),
            priority=_priority(score / best if best else 0, covered, query, settings),
            segment=segment, reasons=reasons,
            coverage=f"{covered}/{len(query.facets)}" if query.kind == "segment" else "",
            sources=_sources(db, cid), caution=stale_evidence(db, cid),
        ))
    expansion = Expansion(query, uuid.uuid4().hex[:12], prospects, seed_label, notes,
                          touched=adjacency.reads)
    attach_openers(db, settings, expansion, seed_signals, prospect_signals)
    if save:
        save_run(db, settings, expansion)
    return expansion


def _facet_signals(query: Query) -> set[str]:
    return {s for f in query.facets for s in f.signals}


def _order(db: sqlite_utils.Database, query: Query, scores: dict[int, float],
           seed_signals: dict[str, dict[str, Any]], notes: list[str]):
    """Company queries rank by score among companies that share a competitor signal with the
    seed (a neighbour is not a competitor); segment queries first by how many facets match."""
    if query.kind == "company":
        gate = sorted(s for s, r in seed_signals.items() if r["kind"] in COMPETITOR_KINDS)
        ranked = sorted(((cid, s, 0) for cid, s in scores.items() if s > 0), key=lambda t: -t[1])
        if not gate:
            notes.append("the seed has no industry, tier or list signal: ranking by place and terms only")
            return ranked
        # Check only the companies the walk reached, never every holder of a broad signal.
        peers = {cid for cid, _ in _holders_among(db, gate, [cid for cid, *_ in ranked])}
        ranked = [item for item in ranked if item[0] in peers]
        return _demote_other_specialties(db, seed_signals, ranked, notes)
    facet_sets = [set(f.signals) for f in query.facets]
    what = [i for i, f in enumerate(query.facets) if not f.place] or list(range(len(facet_sets)))
    # Candidates come from the "what" facets only; a place facet (all of Tokyo) is checked
    # against those candidates, never read whole.
    members = _holders(db, sorted(set().union(*(facet_sets[i] for i in what))))
    rest = sorted(set().union(*facet_sets) - set().union(*(facet_sets[i] for i in what)))
    if rest and members:
        for cid, sig in _holders_among(db, rest, list(members)):
            members[cid].add(sig)
    ranked = []
    for cid, sigs in members.items():
        matched = [i for i, fs in enumerate(facet_sets) if fs & sigs]
        if not any(i in what for i in matched):
            continue  # matching only "where" says nothing about "what" the company is
        # Within a facet, the word the user typed beats an alternate, and more beats one.
        fit = sum(sum(f.signals.get(s, 0) for s in sigs) for f in query.facets)
        ranked.append((cid, scores.get(cid, 0.0), len(matched), fit))
    ranked.sort(key=lambda t: (-t[2], -t[3], -t[1]))
    full = sum(1 for t in ranked if t[2] == len(facet_sets))
    if len(facet_sets) > 1 and full < query_limit_hint(ranked):
        notes.append("no company matches every part of the query; these match some" if not full
                     else f"only {plural(full, 'company', 'companies')} match every part of the "
                     "query; the rest match some")
    return [(cid, score, covered) for cid, score, covered, _ in ranked]


SPECIALTY_SOURCE = "seeds/curated/company_concepts.csv"


def _specialties(db: sqlite_utils.Database, ids: list[int]) -> dict[int, set[str]]:
    """Curated company-level businesses (hotel operator, cruise line, online travel...)."""
    out: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for cid, sig in db.execute(
            f"select company_id, signal from company_signals where company_id in "
            f"({','.join('?' * len(chunk))}) and (source = ? or signal = 'concept:hotel_operator')",
            [*chunk, SPECIALTY_SOURCE]):
            out[cid].add(sig)
    return out


def _demote_other_specialties(db, seed_signals, ranked, notes):
    """An industry code can file different businesses together (GICS puts cruise lines and
    online travel agencies with hotel companies). Where both the seed and a prospect carry a
    curated company-level business and they differ, the prospect ranks below those that share."""
    seed = {s for s, r in seed_signals.items()
            if r.get("source") == SPECIALTY_SOURCE or s == "concept:hotel_operator"}
    if not seed:
        return ranked
    theirs = _specialties(db, [cid for cid, *_ in ranked])
    same = [item for item in ranked if not (theirs.get(item[0]) and not theirs[item[0]] & seed)]
    other = [item for item in ranked if theirs.get(item[0]) and not theirs[item[0]] & seed]
    if other:
        notes.append(f"ranked {plural(len(other), 'company', 'companies')} last whose own business differs from the seed's "
                     f"({', '.join(sorted({s.split(':', 1)[1] for i in other for s in theirs[i[0]]}))})")
    return same + other


def query_limit_hint(ranked: list) -> int:
    return min(len(ranked), 10)


def _holders(db: sqlite_utils.Database, signals: list[str]) -> dict[int, set[str]]:
    """Which companies hold which of these signals."""
    members: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(signals), 500):
        chunk = signals[start:start + 500]
        for cid, sig in db.execute(
            f"select company_id, signal from company_signals where signal in ({','.join('?' * len(chunk))})",
            chunk):
            members[cid].add(sig)
    return members


def _priority(relative: float, covered: int, query: Query, settings: Settings) -> str:
    if query.kind == "segment" and covered < len(query.facets):
        return "C"
    if relative >= settings.priority_a:
        return "A"
    if relative >= settings.priority_b:
        return "B"
    return "C"


def _reasons(adjacency, estimate, cid, signals, seed_signals, query: Query, top: int = 3) -> list[Reason]:
    flows = signal_contributions(adjacency, estimate, cid)
    total = sum(f for _, f in flows) or 1.0
    wanted = seed_signals.keys() if query.kind == "company" else _facet_signals(query)
    reasons = []
    groups_used: dict[str, int] = defaultdict(int)
    # Signals shared with the seed (or named by the query) come first: they are the reason.
    # Within those, what the company is (business, tier, list) comes before where it is.
    ordered = sorted(flows, key=lambda item: (
        item[0] not in wanted,
        (signals.get(item[0]) or {}).get("kind") not in COMPETITOR_KINDS,
        -item[1]))
    for sig, flow in ordered:
        row = signals.get(sig)
        if not row:
            continue
        if sig not in wanted and row["kind"] in ("district", "city", "region", "country", "size"):
            continue  # a two-hop place or size says nothing a rep could use
        group = REASON_GROUPS.get(row["kind"], row["kind"])
        if groups_used[group] >= (2 if group == "list" else 1):
            continue
        groups_used[group] += 1
        reasons.append(Reason(sig, row["kind"], row["label"], row["evidence"] or "",
                              round(flow / total, 3), sig in wanted, query.kind == "segment"))
        if len(reasons) >= top:
            break
    return reasons


STALE_YEARS = 8


def stale_evidence(db: sqlite_utils.Database, cid: int, *, today: str | None = None) -> str:
    """A caution when everything known about a company comes from dated lists that are all
    old: it may have closed or been renamed since (a 2011 guide's hotel)."""
    years: list[int] = []
    for extra, list_url in db.execute(
        "select r.extra, r.list_url from records r join record_links l on l.record_id = r.id "
        "where l.company_id = ?", [cid]):
        if not list_url:
            return ""  # a record that is not a dated list (a map node, a registry): current
        match = re.search(r'"list_date": "(\d{4})', extra or "")
        if not match:
            return ""
        years.append(int(match.group(1)))
    if not years:
        return ""
    this_year = int((today or now_iso())[:4])
    newest = max(years)
    if this_year - newest >= STALE_YEARS:
        return f"only seen on lists from {newest} or earlier: check it still operates under this name"
    return ""


def _sources(db: sqlite_utils.Database, cid: int) -> list[str]:
    rows = db.execute(
        "select distinct coalesce(r.list_url, r.source) from records r join record_links l "
        "on l.record_id = r.id where l.company_id = ? limit 6", [cid]).fetchall()
    return [r[0] for r in rows if r[0]]


def save_run(db: sqlite_utils.Database, settings: Settings, expansion: Expansion) -> None:
    query = expansion.query
    with db.conn:
        db["runs"].insert({"id": expansion.run_id, "query": query.text,
                           "seeds": json.dumps([list(map(str, k)) for k in query.seeds()], ensure_ascii=False),
                           "settings": settings.to_json(), "created_at": now_iso()}, replace=True)
        db["prospects"].insert_all(({
            "run_id": expansion.run_id, "rank": p.rank, "company_id": p.company_id,
            "score": p.score, "priority": p.priority, "segment": p.segment,
            "reasons": json.dumps([r.text() for r in p.reasons], ensure_ascii=False),
            "reference_company_id": (p.reference or {}).get("company_id"),
            "reference": (p.reference or {}).get("name"), "angle": p.angle,
            "opening_line": p.opening_line, "ask_for": p.ask_for,
            "sources": json.dumps(p.sources, ensure_ascii=False),
        } for p in expansion.prospects), replace=True)
