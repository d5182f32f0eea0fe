"""Expand: from a query to ranked prospects, each with reasons, a reference and an opener.

query -> resolve -> seed nodes -> rank (personalized PageRank by local push) -> exclude
-> reasons -> reference -> angle -> prospects (saved in the `prospects` table).
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from spider import places, seeds
from spider.angles import attach_contacts, attach_openers
from spider.clients import citable_clients
from spider.db import Database, company_count, dicts_in, rows_in
from spider.errors import QueryError
from spider.exclusions import EXISTING_CLIENT, RECENTLY_CALLED, excluded_companies
from spider.explain import evidence_of, kind_words, reasons_for, segment_words
from spider.fields import REGISTERED_NAME
from spider.notes import note_in
from spider.places import country_code, postal_in
from spider.prospects import Expansion, Prospect, save_run
from spider.query import STEM, Query, load_synonyms, resolve_query, word_stem
from spider.rank import (
    BROAD_KIND_SHARE,
    Adjacency,
    direct_similarity,
    personalized_pagerank,
    text_similarity,
)
from spider.resolve.keys import SHARED_HOSTS, normalize_domain, normalize_phone
from spider.resolve.normalize import normalize_name
from spider.resolve.words import COMMON_WORDS
from spider.runtime import no_cyclic_gc
from spider.settings import Settings
from spider.signals import (
    BUSINESS_KINDS,
    COMPETITOR_KINDS,
    HOTEL_OPERATOR,
    LODGING_CATEGORY,
    LODGING_CONCEPT,
    RELATION_PARTNER,
    STATUS_CLOSED,
    STATUS_PLANNED,
    is_local,
    kinds_of,
    signals_of,
)
from spider.text import display_names, plural, readable_name

# Company-level businesses from the curated table: where the seed's and a prospect's differ,
# the prospect ranks last (a cruise line beside a hotel company, though GICS files both alike).
SPECIALTY_SOURCE = seeds.COMPANY_CONCEPTS


def expand(db: Database, settings: Settings, text: str, *, limit: int | None = None,
           save: bool = True) -> Expansion:
    """Rank the lookalikes of QUERY and explain each; saves them as one run in `prospects`."""
    # A broad segment of a national register walks hundreds of thousands of small objects
    # and makes no cycles: the collector's passes over them would cost a third of the query.
    with no_cyclic_gc(freeze=False):
        return _expand(db, settings, text, limit=limit, save=save)


def _expand(db: Database, settings: Settings, text: str, *, limit: int | None,
            save: bool) -> Expansion:
    query = resolve_query(db, text, synonyms=load_synonyms(settings.synonyms))
    limit = limit or settings.limit
    total = company_count(db)
    cap = max(50, int(settings.max_signal_share * total))
    # (not where the query names a group: "Toyota Group" walks through it)
    names_group = any(sig.startswith("group:") for f in query.facets for sig in f.signals)
    adjacency = Adjacency(db, max_signal_companies=cap, stop_at_own_signals=True,
                          dead_ends=("group:",) if query.kind == "segment" and not names_group
                          else ())
    estimate, residual = personalized_pagerank(
        adjacency, query.seeds(), alpha=settings.restart_probability, epsilon=settings.push_epsilon)
    # A node's PPR is its estimate plus what its own residual would leave on it (alpha of it,
    # at least): residual left unpushed is not yet PageRank, so p + r would rank a company the
    # push never reached above one it did.
    scores: dict[int, float] = defaultdict(float)
    for store, share in ((estimate, 1.0), (residual, settings.restart_probability)):
        for (kind, key), value in store.items():
            if kind == "c" and isinstance(key, int):
                scores[key] += share * value
    notes = list(query.notes)
    seed_signals: dict[str, dict[str, Any]] = {}
    excluded = excluded_companies(db, settings.recent_call_days)
    removed: set[int] = set(excluded)
    handed: set[int] = set()
    if settings.more:  # the next prospects: none a rep was handed or has called
        from spider.calls import handed_out_companies

        handed = set(handed_out_companies(db))
        removed |= handed
    if query.kind == "company":
        assert query.company_id is not None
        seed_signals = signals_of(db, [query.company_id]).get(query.company_id, {})
        scores = _direct_order(db, query.company_id, kinds_of(seed_signals),
                               scores, cap)
        scores.pop(query.company_id, None)
        removed.add(query.company_id)
        own_group = sorted(s for s, r in seed_signals.items() if r["kind"] == "group")
        if own_group:
            same = {cid for cid, in rows_in(db, "select distinct company_id from company_signals "
                                            "where signal in ({marks})", own_group)} - {query.company_id}
            removed |= same
            dropped = [cid for cid in same if scores.pop(cid, None) is not None]
            if dropped:
                notes.append(f"left out {plural(len(dropped), 'company', 'companies')} of the seed's own group "
                             f"({', '.join(seed_signals[s]['label'] for s in own_group)})")
        seed_label = query.company_name
    else:
        seed_label = " + ".join(f.label for f in query.facets)
    dropped = [cid for cid in list(scores) if cid in excluded and scores.pop(cid, None) is not None]
    dropped = _of_what_was_asked(db, query, seed_signals, dropped)
    if dropped:
        notes.append(_left_out_why(dropped, excluded, settings.recent_call_days))
    ranked, tail = _order(db, query, scores, seed_signals, notes, adjacency)
    # Segment candidates come from facet membership, not from the walk: apply the same
    # exclusions to them (existing clients, do-not-call, the seed and its group).
    if handed:
        # (said, so an empty answer says why: "no other company shares its kind" was false)
        gone = sum(1 for item in ranked if item[0] in handed and item[0] not in excluded)
        if gone:
            notes.append(f"left out {plural(gone, 'company', 'companies')} already handed out "
                         "or called (--more)")
    ranked = [item for item in ranked if item[0] not in removed]
    ranked = _no_call(db, ranked, notes, closed=not settings.include_closed)
    if settings.source:
        ranked = _from_source(db, ranked, settings.source, notes)
    if query.kind == "segment" and len(query.facets) > 1:
        # Said of what is listed: the full matches left once clients, exclusions and closed
        # businesses are out (a note of two matches, both clients, had listed none).
        full = sum(1 for _, _, covered in ranked if covered == len(query.facets))
        if full < min(len(ranked), NOTE_BELOW):
            notes.append("no company matches every part of the query; these match some"
                         if not full else
                         f"only {plural(full, 'company matches', 'companies match')} every "
                         "part of the query; the rest match some")
    twins = _maybe_twins(db)
    # Which of two maybe-twins is listed depends on their order; and a partial match is
    # shown when too few match every part.
    if tail is not None and twins.keys() & tail.fitted.keys():
        ranked, tail = tail.settle(db, ranked), None
    ranked = _one_row_each(db, query, ranked, notes, twins)
    if tail is not None and tail.needed(ranked, limit):
        ranked = tail.settle(db, ranked)
    top = _other_operators(db, query, ranked, limit, notes)
    ids = [cid for cid, *_ in top]
    rows = {row["id"]: row for row in dicts_in(db, "select * from companies where id in ({marks})", ids)}
    best = top[0][1] if top else 1.0
    prospect_signals = signals_of(db, ids)
    evidence = evidence_of(db, ids)
    sites = client_sites(db, ids, settings.language)
    wanted = set(seed_signals) if query.kind == "company" else _facet_signals(query)
    # A client known by its place alone (no kind, industry or description): its lookalikes
    # are its neighbours, none a known competitor.
    business_known = query.kind != "company" or any(
        r["kind"] in COMPETITOR_KINDS or r["kind"] == "term" for r in seed_signals.values())
    # A local business (a bakery, a hotel: its kind a category or tier, not an industry
    # code) competes in its own town or region: one of its kind elsewhere is a B at best.
    market = ({s for s, r in seed_signals.items() if r["kind"] in _MARKET_KINDS}
              if is_local(kinds_of(seed_signals)) else set())
    prospects: list[Prospect] = []
    floor = "A"  # letters follow the order: none better than the prospect above it
    # A segment ranks by how well a company matches the query before its walk score, so the
    # score shown is capped by the one above it: sorted by score (in a spreadsheet), the list
    # keeps its order.
    ceiling = math.inf
    for position, (cid, score, covered) in enumerate(top, 1):
        if query.kind == "segment":
            ceiling = score = min(score, ceiling)
        signals = prospect_signals.get(cid, {})
        reasons = reasons_for(adjacency, estimate, cid, signals, wanted,
                              segment_query=query.kind == "segment", language=settings.language)
        shared = set(signals) & (set(seed_signals) if seed_signals else _facet_signals(query))
        # Say what the prospect is (its own tier, the business it shares with the seed) and
        # where, as precisely as known (its own place, whatever the seed shares with it).
        own = {s for s, r in signals.items() if r["kind"] == "tier"}
        for kind in ("district", "city", "area", "region"):
            here = {s for s, r in signals.items() if r["kind"] == kind}
            if here:
                own |= here
                break
        if not any(signals[s]["kind"] == "category" and s != LODGING_CATEGORY for s in shared):
            # What it is by its own list, where it shares only a wider kind with the query
            # ("restaurant in Tokyo": 寿司, ラーメン, not "restaurant" on every line; a 民宿
            # or a ペンション beside a ryokan, not the "hotel" every lodging is)
            mine = {s for s, r in signals.items() if r["kind"] == "category"}
            own |= mine
            if mine - {LODGING_CATEGORY}:
                shared = shared - {LODGING_CATEGORY, LODGING_CONCEPT}
        segment = (segment_words(signals, shared | own, settings.language)
                   or segment_words(signals, language=settings.language))
        kind = kind_words(signals, shared | own) or kind_words(signals)
        row = rows.get(cid, {})
        names = display_names(row, settings.language)
        prospects.append(Prospect(
            rank=position, company_id=cid, name=names["name"], name_local=names["name_local"],
            phone=unicodedata.normalize("NFKC", row.get("phone") or ""),  # ０３－ -> 03-
            website=row.get("website") or "", address=row.get("address") or "",
            city=_in_language(readable_name(row.get("city") or row.get("region")
                                            or _placed(signals, "city")),
                              signals, "city", settings.language),
            score=round(score, 8),
            region=_in_language(readable_name(row.get("region") or _placed(signals, "region")),
                                signals, "region", settings.language),
            postal_code=row.get("postal_code") or postal_in(row.get("address") or ""),
            priority=(floor := max(floor, "A" if _next_door(query, seed_signals, signals, market)
                                   else _priority(score / best if best else
                                                  float(query.kind == "segment"), covered,
                                                  query, settings,
                                                  business_known=business_known),
                                   "B" if market and not market & set(signals) else "A")),
            segment=segment, kind=kind, reasons=reasons,
            coverage=f"{covered}/{len(query.facets)}" if query.kind == "segment" else "",
            sources=evidence[cid].sources,
            caution="; ".join(c for c in (sites.get(cid, (0, ""))[1],
                                          evidence[cid].caution) if c),
        ))
    from spider.routing import owners

    owned = owners(db, [p.company_id for p in prospects])
    for prospect in prospects:
        prospect.owner = owned.get(prospect.company_id, "")
    notes = [note_in(settings.language, note) for note in notes]  # 日本語 for --lang ja
    expansion = Expansion(query, uuid.uuid4().hex[:12], prospects, seed_label, notes,
                          touched=adjacency.reads)
    attach_openers(db, settings, expansion, seed_signals, prospect_signals,
                   {cid: owner for cid, (owner, _) in sites.items()})
    attach_contacts(db, settings, expansion)
    if save:
        try:
            save_run(db, settings, expansion)
        except sqlite3.OperationalError as exc:  # read-only, or another command is writing
            expansion.notes.append(f"this list is not kept in the run history ({exc})")
    return expansion


# A local business's market: its district, town or region (not its country).
_MARKET_KINDS = frozenset({"district", "city", "area", "region"})


# Among companies of the client's own kind of business, how much nearer the one sharing its
# district, town, region or country stands. A listed firm competes nationally: its head
# office's town says little (spider.signals.FIRM_LOCAL_PLACE), so places barely count for it.
# (by PLACE_LEVELS: district, town, area, region, country)
PLACE_BONUS = {5: 1.0, 4: 0.75, 3: 0.6, 2: 0.5, 1: 0.1, 0: 0.0}
FIRM_PLACE_BONUS = {5: 0.1, 4: 0.1, 3: 0.1, 2: 0.1, 1: 0.1, 0: 0.0}


def _direct_order(db: Database, company_id: int, kinds: set[str],
                  walk: dict[int, float], cap: int) -> dict[int, float]:
    """A won client's lookalikes score by what they share with it directly (its business,
    tier, lists, terms), raised by the finest place they share with it (its market); the
    rest of the walk only breaks ties. KINDS: the kinds of the client's own signals."""
    level: dict[int, int] = {}
    market: dict[int, float] = {}  # what a review score or size band shares: within a place
    business: dict[str, set[int]] = {}  # those sharing its kind of business, by signal kind
    local = is_local(kinds)
    if not kinds & COMPETITOR_KINDS and "term" in kinds:
        # Known only by its description: compared by its words, as a cosine.
        shared = text_similarity(db, company_id)
    else:
        shared, level = direct_similarity(db, company_id, max_signal_companies=cap,
                                          market=market, business=business if local else None)
    bonus = PLACE_BONUS if local else FIRM_PLACE_BONUS
    top_walk = max(walk.values(), default=0.0) or 1.0
    # A local business's nearer competitors outside its own town: by its postal code, which
    # most countries number by area (Round Rock's 78664 is nearer 78626, Georgetown, than
    # 75205, Dallas; Köln's 50825 nearer Bonn's 53111 than Hamburg's 20095).
    reach = _within_reach(shared, level, bonus) if local else []
    # (A national register's tie of 34,000 auto repairers in one state would cost a read of
    # every one's postal code: past POSTAL_READ_MAX the walk alone breaks the tie.)
    postal = _postal_nearness(db, company_id, reach) if len(reach) <= POSTAL_READ_MAX else {}
    top_market = max(market.values(), default=0.0) or 1.0
    out: dict[int, float] = {}
    for cid in set(walk) | set(shared):
        nearness = walk.get(cid, 0.0) / top_walk
        out[cid] = (shared.get(cid, 0.0)
                    * (1 + bonus[level.get(cid, 0)] + POSTAL_BONUS * postal.get(cid, 0.0)
                       + MARKET_NUDGE * market.get(cid, 0.0) / top_market)
                    * (1 + 0.01 * nearness) + 1e-12 * nearness)
    peak = max(out.values(), default=0.0)
    if 0 < peak < BROAD_KIND_SHARE:
        # Everything shared is a kind the whole list holds (a register of dentists): the
        # order is by place, and the scores are shown at the scale of any other list's, not
        # as 1.0e-08 (one factor for all, so the order and the bands stay).
        out = {cid: value / BROAD_KIND_SHARE for cid, value in out.items()}
    return _market_first(out, business, level) if local else out


# A local business's market: the companies sharing at least its region (a prefecture, a
# state, a province) with it.
MARKET_LEVEL = 2
MARKET_GAP = 0.5  # the best of the rest scores at most this share of the market's last


def _market_first(scores: dict[int, float], sharing: dict[str, set[int]],
                  level: dict[int, int]) -> dict[int, float]:
    """SCORES with a local client's competitors in its market (of its kind of business, in its
    region: MARKET_LEVEL) above every other company: a dental clinic in Kyoto sharing three of
    an Osaka clinic's four treatments is no competitor of it, where the Osaka clinics sharing
    one are, however much more the Kyoto one shares. Its kind of business is what its
    category says where it has one (an American restaurant's is American, not any
    restaurant), else the kind its name says. The rest keep their order among themselves,
    scaled below the market. A client whose region nothing else shares is left as it is."""
    business = sharing.get("category") or sharing.get("kind", set()) | sharing.get("concept", set())
    if sharing.get("category"):
        # A category of another name for the same kind is the same business: "Centre
        # dentaire" beside a "Clinique dentaire" client, ヘアサロン beside 美容室 (both the
        # vocabulary's one kind; they had fallen below other towns' clinics of the client's
        # own word). Not a wider kind: an American restaurant's market is not every restaurant.
        from spider.signals import category_kinds

        business = business | {cid for head in category_kinds(sharing)
                               for cid in sharing.get(f"kind:{head}", ())}
    if not business or not any(found >= MARKET_LEVEL for found in level.values()):
        return scores
    market = {cid for cid in business if level.get(cid, 0) >= MARKET_LEVEL}
    inside = [value for cid, value in scores.items() if value > 0 and cid in market]
    outside = [cid for cid, value in scores.items() if value > 0 and cid not in market]
    if not inside or not outside:
        return scores
    floor = min(inside)
    top = max(scores[cid] for cid in outside)
    if top < floor * MARKET_GAP:
        return scores
    scale = floor * MARKET_GAP / top
    out = dict(scores)
    for cid in outside:
        out[cid] *= scale
    return out


# The most a review score or size band nearest the client's adds: less than a postal code's
# first digit of five (POSTAL_BONUS / 5), so it orders peers within one place and never lifts
# one over a nearer one.
MARKET_NUDGE = 0.03


def _within_reach(shared: dict[int, float], level: dict[int, int], bonus: dict[int, float],
                  keep: int = 500) -> list[int]:
    """The companies a postal bonus could bring into the first KEEP (of a national register's
    34,000 auto repairers, the few hundred nearest the top: their postal codes are read, not
    every one's)."""
    if len(shared) <= keep:
        return list(shared)
    base = {cid: value * (1 + bonus[level.get(cid, 0)]) for cid, value in shared.items()}
    floor = sorted(base.values(), reverse=True)[keep - 1] / (1 + POSTAL_BONUS)
    return [cid for cid, value in base.items() if value >= floor]


# The most a shared postal code adds (the whole code; a shared first digit of five, a fifth of
# it): less than the step from a shared region to a shared town, so it orders companies
# within one level of place and never lifts one over the next.
POSTAL_BONUS = 0.2
POSTAL_READ_MAX = 3000  # companies whose postal codes one query reads at most


def _postal_key(postal_code: str | None, address: str | None) -> str:
    """A company's postal code as its letters and digits ('786 64', '〒150-0002' ->
    1500002), from its column or its address."""
    text = postal_code or postal_in(address or "")
    key = re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", text).upper())
    return key[:5] if len(key) == 9 and key.isdigit() else key  # ZIP+4: its ZIP


def _postal_nearness(db: Database, company_id: int, ids: list[int]) -> dict[int, float]:
    """For each of IDS, the share of COMPANY_ID's postal code it begins with (codes of one
    length and country only: a ZIP and a Canadian code are not compared). SQLite compares
    the postal code columns (a national register's 34,000 auto repairers in one pass); a code
    in an address only, or in full-width digits, is read here."""
    row = db.execute("select postal_code, address, country from companies where id = ?",
                     [company_id]).fetchone()
    mine = _postal_key(row[0], row[1]) if row else ""
    if len(mine) < 3 or not ids:
        return {}
    cases = " ".join(f"when substr(k, 1, {n}) = ? then {n}" for n in range(len(mine), 0, -1))
    out: dict[int, float] = {}
    by_hand: list[int] = []
    for cid, common, size, country, plain in db.execute(
            f"select id, case {cases} else 0 end, length(k), country, k glob '[0-9A-Z]*' and "
            "not k glob '*[^0-9A-Z]*' from (select id, country, case when length(c) = 9 and "
            "c not glob '*[^0-9]*' then substr(c, 1, 5) else c end as k from (select id, "
            "country, upper(replace(replace(coalesce(postal_code, ''), ' ', ''), '-', '')) as c "
            "from companies where id in (select value from json_each(?))))",
            [*(mine[:n] for n in range(len(mine), 0, -1)), json.dumps(ids)]):
        if not plain:
            by_hand.append(cid)  # no code of its own, or one to fold (〒５３０－０００１)
        elif size == len(mine) and common and not (country and row[2] and country != row[2]):
            out[cid] = common / len(mine)
    for cid, code, address, country in rows_in(
            db, "select id, postal_code, address, country from companies where id in ({marks})",
            by_hand):
        theirs = _postal_key(code, address)
        if len(theirs) != len(mine) or (country and row[2] and country != row[2]):
            continue
        common = 0
        while common < len(mine) and mine[common] == theirs[common]:
            common += 1
        if common:
            out[cid] = common / len(mine)
    return out


def _from_source(db: Database, ranked: list[tuple[int, float, int]], pattern: str,
                 notes: list[str]) -> list[tuple[int, float, int]]:
    """Only companies with a record from a source whose path, URL or list title contains
    PATTERN (case-insensitive): `expand --source clinics.csv`."""
    like = f"%{pattern.lower()}%"
    sources = [src for src, in db.execute(
        "select distinct source from records where lower(source) like ? or lower(coalesce("
        "list_title, '')) like ?", [like, like])]
    if not sources:
        known = [s for s, in db.execute("select location from sources order by id")][:5]
        raise QueryError(f"no source matches --source {pattern!r}; sources: "
                         + (", ".join(known) or "none yet (spider ingest FILE adds one)"))
    inside = {cid for cid, in rows_in(
        db, "select distinct l.company_id from record_links l join records r on r.id = "
        "l.record_id where l.company_id in ({marks}) and (lower(r.source) like ? or "
        "lower(coalesce(r.list_title, '')) like ?)", [item[0] for item in ranked],
        after=[like, like])}
    notes.append(f"only companies from {', '.join(sources[:3])}"
                 + (f" and {len(sources) - 3} more sources" if len(sources) > 3 else ""))
    return [item for item in ranked if item[0] in inside]


def _no_call(db: Database, ranked: list[tuple[int, float, int]], notes: list[str], *,
             closed: bool) -> list[tuple[int, float, int]]:
    """Leave out the accounts the user's CRM calls a partner or competitor and (CLOSED) the
    businesses marked closed or not yet open (a status column, or a category such as
    "Closed" or "Planning"), and say how many of each: their holders read at once."""
    # (a national register's 34,000 auto repairers, a few hundred of its companies closed:
    # the closed ones read, not every candidate looked up)
    statuses = [STATUS_CLOSED, STATUS_PLANNED] if closed else []
    held: dict[str, set[int]] = defaultdict(set)
    for cid, sig in _held_among(db, [*statuses, RELATION_PARTNER], {item[0] for item in ranked}):
        held[sig].add(cid)
    shut = held[STATUS_CLOSED] | held[STATUS_PLANNED]
    theirs = held[RELATION_PARTNER] - shut
    if shut:
        notes.append(f"left out {plural(len(shut), 'business', 'businesses')} marked closed or "
                     "not yet open (--include-closed lists them)")
    if theirs:
        notes.append(f"left out {plural(len(theirs), 'account', 'accounts')} your CRM calls a "
                     "partner or competitor")
    return [item for item in ranked if item[0] not in shut and item[0] not in theirs] \
        if shut or theirs else ranked


# Hosts where many unrelated businesses have a page: sharing one says nothing of ownership.


def _maybe_twins(db: Database) -> dict[int, set[int]]:
    """Companies a pending review pair says may be one property, each with the others."""
    maybe: dict[int, set[int]] = {}
    for a, b in db.execute(
            "select la.company_id, lb.company_id from review_queue q "
            "join record_links la on la.record_id = q.record_a "
            "join record_links lb on lb.record_id = q.record_b "
            "where q.status = 'pending' and la.company_id != lb.company_id "
            "and json_extract(q.breakdown, '$.property') like '%maybe%'"):  # fmt: skip
        maybe.setdefault(a, set()).add(b)
        maybe.setdefault(b, set()).add(a)
    return maybe


def _one_row_each(db: Database, query: Query, ranked: list[tuple[int, float, int]],
                  notes: list[str], maybe: dict[int, set[int]]) -> list[tuple[int, float, int]]:
    """RANKED without a company that may be one already above it (or the seed itself): a
    property rule put a pair of their records up for review as maybe one property (a former
    name, a misspelt brand, a brand's one property under its bare name). One property is
    called once; `spider review` decides the pair for good. (Pairs that are only alike by
    name, Four Seasons Otemachi and Marunouchi, stay two rows.) MAYBE: `_maybe_twins`."""
    if not maybe:
        return ranked
    shown: set[int] = {query.company_id} if query.company_id is not None else set()
    kept: list[tuple[int, float, int]] = []
    twins: list[tuple[int, int]] = []
    for item in ranked:
        twin = next((c for c in maybe.get(item[0], ()) if c in shown), None)
        if twin is not None:
            twins.append((item[0], twin))
            continue
        shown.add(item[0])
        kept.append(item)
    if twins:
        names = dict(rows_in(db, "select id, name from companies where id in ({marks})",
                             sorted({c for pair in twins for c in pair})))
        said = "; ".join(f"{names.get(a, a)} (maybe {names.get(b, b)})" for a, b in twins[:3])
        more = f" and {len(twins) - 3} more" if len(twins) > 3 else ""
        notes.append(f"left out {plural(len(twins), 'row', 'rows')} that may be a company "
                     f"already listed: {said}{more}; decide with `spider review`")
    return kept


class _Operator:
    """What says a company is one operator's site: its web domain, phone, brand, operator,
    its very name within its place, and its name before a branch's place ("一蘭" of 一蘭
    道頓堀店, "Pacific Smiles Dental" of Pacific Smiles Dental Charlestown)."""

    def __init__(self, row: Sequence[Any], generic: Callable[[str], bool]) -> None:
        (site, tel, name, name_en, brand, group, local, city, region, district, legal, number,
         address, postal) = row
        domain = normalize_domain(site)
        self.domain = "" if domain in SHARED_HOSTS else domain
        self.phone = normalize_phone(tel)
        self.names = {n for n in (_folded(name), _folded(name_en), _folded(local)) if n}
        self.brand, self.group = _folded(brand), _folded(group)
        self.place = (city, region)
        places = [_folded(p) for p in (district, city, region) if p]
        self.stems = {stem for n in self.names if (stem := _branch_stem(n, places, generic))}
        # (a registered name the list gives beside the trading one: SALON ONE TWELVE LLC of
        # "Salon 112" and "Salon 112 - South Lamar"; 医療法人社団 白樺会 of its clinics)
        self.legal = _folded(legal)
        # Its door: its postcode (or town) and the number its address gives ("4321 rue
        # St-Denis, local 2": 4321; 港区南青山5-12-7: 5-12-7), and the words of its names
        # that are its own (not a kind of business's, not its place's).
        door = re.search(r"\d+(?:\s*[-‐－丁目番地号]+\s*\d+)*", unicodedata.normalize("NFKC", address or ""))
        where = re.sub(r"\s", "", str(postal or "")).upper() or _folded(city) or \
            _folded(re.sub(r"[\d\s\-‐－]+", " ", unicodedata.normalize("NFKC", address or "")))
        house = re.sub(r"\D+", "-", door.group(0)) if door else ""
        self.door = f"{where}|{house}" if house and where else ""
        self._places = places
        # (a French SIRET names the establishment: its first nine digits, the SIREN, the firm)
        digits = re.sub(r"\D", "", str(number or ""))
        self.number = digits[:9] if len(digits) == 14 else digits
        self._generic = generic  # (read only when two legal names meet: no statement else)

    def own_words(self) -> set[str]:
        """The words of its names that are its own: no kind of business's, no place's (read
        only where two doors meet: a word's look-up is a statement)."""
        return {w for n in self.names for w in n.split()
                if len(w) >= 2 and w not in self._places and not self._generic(w)}

    def owns(self, other: _Operator) -> bool:
        if self.number and other.number and self.number != other.number:
            # Two registered businesses under one brand or name (a franchisee's ABN, another
            # company's CIF): each its own customer, the same only at one phone, by one name in
            # one place, or under one registered name (a web domain a franchise's sites share,
            # or a brand's stem, "F45 Training", says nothing here).
            return bool((self.phone and other.phone == self.phone)
                        or (self.names & other.names and _same_place(self.place, other.place))
                        or (self.legal and other.legal == self.legal
                            and not all(self._generic(w) for w in self.legal.split())))
        return bool(
            # one door and a name's own word ("hair salon Lien 表参道" and "Lien（リアン）表参道";
            # "Clinique dentaire du Plateau" and "... du Plateau Mont-Royal", local 2)
            (self.door and other.door == self.door and self.own_words() & other.own_words())
            or (self.domain and other.domain == self.domain)
            or (self.phone and other.phone == self.phone)
            # One name in one city is one chain's branch; in another town it may be another
            # "Historical Society".
            or (self.names & other.names and _same_place(self.place, other.place))
            or self.stems & other.stems
            # a branch's stem is the other's whole name ("Bäckerei Ziegler Filiale Dachau" of
            # Bäckerei Ziegler GmbH & Co. KG; 一蘭 道頓堀店 of 一蘭)
            or self.stems & other.names or other.stems & self.names
            or (self.legal and other.legal == self.legal
                and not all(self._generic(w) for w in self.legal.split()))
            or (self.brand and other.brand == self.brand)
            or (self.group and other.group == self.group))


def _branch_stem(name: str, places: list[str], generic: Callable[[str], bool]) -> str:
    """A branch's name without what names the branch: a last word with 店 in it ("一蘭
    道頓堀店本館"), or its own town at the end ("Bupa Dental Hawthorn" in Hawthorn). Only a
    stem with a word of its own counts ("Family Dental" is any family dentist)."""
    words = name.split()
    stem = ""
    marked = next((i for i, w in enumerate(words) if i and w in _BRANCH_WORDS), None)
    if marked is not None:
        stem = " ".join(words[:marked])  # "Bäckerei Ziegler Filiale Dachau"
    elif len(words) >= 2 and "店" in words[-1]:
        stem = " ".join(words[:-1])
    elif len(words) >= 2 and (words[-1] in _WORLD_PARTS
                              or (len(words[-1]) > 3 and country_code(words[-1]))):
        # a firm's national arm ("FANUC Deutschland", "Omron Europe", "Yaskawa America"):
        # its parent's name before its country or continent
        stem = " ".join(words[:-1])
    else:
        for place in places:
            if place and name.endswith(" " + place) and len(place) < len(name):
                stem = name[: -len(place) - 1].rstrip(" -")
                break
    if not stem or all(generic(w) for w in stem.split()):
        return ""
    return stem


_OPERATOR_COLUMNS = ("website, phone, name, name_en, brand, \"group\", name_local, city, "
                     "region, district, legal_name, corporate_number, address, postal_code")
# A continent or the world, as a national or regional arm's name ends in it.
_WORLD_PARTS = frozenset({"europe", "asia", "america", "americas", "emea", "apac", "international",
                          "global", "worldwide", "europa", "asien", "amerika", "north america",
                          "latin america", "asia pacific", "middle east", "africa"})
# Words that say the rest of a name is a branch of the name before them.
_BRANCH_WORDS = frozenset({"filiale", "zweigstelle", "niederlassung", "zweigniederlassung",
                           "branch", "succursale", "sucursal", "filial", "vestiging",
                           "支店", "営業所", "分院"})


def _operators(db: Database, ids: Iterable[int]) -> dict[int, _Operator]:
    generic = _generic_words(db)
    ids = list(ids)
    # (the registered name a list gives beside the trading name the company goes by)
    registered = dict(rows_in(
        db, "select l.company_id, json_extract(r.extra, '$." + REGISTERED_NAME + "') from "
        "record_links l join records r on r.id = l.record_id where l.company_id in ({marks}) "
        "and r.extra like '%" + REGISTERED_NAME + "%'", ids))
    return {cid: _Operator([*rest[:-4], rest[-4] or registered.get(cid), *rest[-3:]], generic)
            for cid, *rest in rows_in(
                db, f"select id, {_OPERATOR_COLUMNS} from companies where id in ({{marks}})", ids)}


def _generic_words(db: Database) -> Callable[[str], bool]:
    """Whether a word only says what kind of business (a category's word here, or a common
    word of company names), read once per word."""
    from spider.signals import kind_words_latin

    known: dict[str, bool] = {}
    # (and the shipped vocabulary's words for a kind: "Tierarztpraxis Königsbrunn" in
    # Königsbrunn is any vet's practice there, not a chain's whose other sites these are)
    shipped = kind_words_latin()

    def generic(word: str) -> bool:
        if word not in known:
            known[word] = len(word) < 2 or word in COMMON_WORDS or word in shipped or bool(
                db.execute("select 1 from query_words where word in (?, ?) limit 1",
                           [word, STEM + word_stem(word)]).fetchone())
        return known[word]

    return generic


def _other_operators(db: Database, query: Query, ranked: list[tuple[int, float, int]],
                     limit: int, notes: list[str]) -> list[tuple[int, float, int]]:
    """The first LIMIT of RANKED, leaving out the seed company's own sites: a company with its
    web domain, its phone number, its brand or operator, or its very name in its city (another
    branch of 一蘭 or of a chain's bare name) is the same operator, not a competitor. (A won
    client's own other site is listed with a caution and an opener of its own: spider.angles.)"""
    if query.kind != "company" or query.company_id is None:
        return ranked[:limit]
    seed = _operators(db, [query.company_id]).get(query.company_id)
    if seed is None:
        return ranked[:limit]
    kept: list[tuple[int, float, int]] = []
    same = 0
    for start in range(0, len(ranked), 200):
        part = ranked[start:start + 200]
        found = _operators(db, [cid for cid, *_ in part])
        for item in part:
            if item[0] in found and seed.owns(found[item[0]]):
                same += 1
                continue
            kept.append(item)
            if len(kept) == limit:
                break
        if len(kept) == limit:
            break
    if same:
        notes.append(f"left out {plural(same, 'site', 'sites')} of the seed's own operator "
                     "(same web domain, phone, brand, operator, name or door)")
    return kept


def client_sites(db: Database, ids: list[int], language: str = "en"
                 ) -> dict[int, tuple[int, str]]:
    """Prospects that are sites of a won client's operator (its web domain, phone, brand or
    name in its place), each with that client and a caution naming it: the same customer, to
    reach through the client, not a cold call, and never a reference for it."""
    # Named as consent allows: a caution travels with the call list (exports, CRMs).
    named = {client["company_id"]: str(client["name"]) if client.get("referenceable")
             else f"#{client['company_id']} (anonymous: `spider won --list` says which)"
             for client in citable_clients(db)}
    if not named or not ids:
        return {}
    anchors = _operators(db, list(named))
    out: dict[int, tuple[int, str]] = {}
    for cid, operator in _operators(db, ids).items():
        owner = next((c for c, a in anchors.items() if c != cid and a.owns(operator)), None)
        if owner is not None:
            out[cid] = (owner, f"ご契約先 {named[owner]} と同じ運営元です（ウェブドメイン・"
                        "電話・ブランド・名称）: ご契約先を通じてご連絡ください"
                        if language == "ja" else
                        f"same operator as your client {named[owner]} "
                        "(web domain, phone, brand, legal name or name): reach it through them")
    return out


def _same_place(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
    """Nothing says the two are in different places: the same city where both have one, else
    the same region where both have one."""
    for x, y in zip(a, b, strict=True):
        if x and y:
            return _folded(x) == _folded(y)
    return True


def _folded(text: str | None) -> str:
    return normalize_name(text) if text else ""


def _of_what_was_asked(db: Database, query: Query, seed_signals: dict[str, dict[str, Any]],
                       ids: list[int]) -> list[int]:
    """Of IDS (companies left out: clients, exclusions, calls), those of the business asked
    for: a note on "law firm Burnaby" names no dentist said not interested, though the walk
    met it."""
    if not ids:
        return ids
    if query.kind == "company":
        wanted = [s for s, r in seed_signals.items() if r["kind"] in BUSINESS_KINDS | {
            "industry", "tier"}] or [s for s, r in seed_signals.items()
                                     if r["kind"] in COMPETITOR_KINDS]
    else:
        wanted = sorted({s for f in query.facets if not f.place for s in f.signals})
    if not wanted:
        return ids
    held = {cid for cid, _ in _holders_among(db, wanted, ids)}
    return [cid for cid in ids if cid in held]


def _facet_signals(query: Query) -> set[str]:
    return {s for f in query.facets for s in f.signals}


def _order(db: Database, query: Query, scores: dict[int, float],
           seed_signals: dict[str, dict[str, Any]], notes: list[str],
           adjacency: Adjacency | None = None
           ) -> tuple[list[tuple[int, float, int]], _Tail | None]:
    """Company queries rank by score among companies that share a competitor signal with the
    seed (a neighbour is not a competitor); segment queries first by how many facets match,
    those matching only some in the order found (the `_Tail` orders them when needed)."""
    if query.kind == "company":
        gate = sorted(s for s, r in seed_signals.items() if r["kind"] in COMPETITOR_KINDS)
        ranked = sorted(((cid, s, 0) for cid, s in scores.items() if s > 0), key=lambda t: -t[1])
        if not gate:
            notes.append("the seed has no industry, tier or list signal: ranking by place and terms "
                         "only" + ("" if any(r["kind"] == "term" for r in seed_signals.values())
                                   else ", none more than priority C"))
            return ranked, None
        # Check only the companies the walk reached, never every holder of a broad signal.
        peers = {cid for cid, _ in _holders_among(db, gate, [item[0] for item in ranked])}
        peers -= _other_business(db, seed_signals, gate, peers)
        ranked = [item for item in ranked if item[0] in peers]
        return _demote_other_specialties(db, seed_signals, ranked, notes), None
    facet_sets = [set(f.signals) for f in query.facets]
    what = [i for i, f in enumerate(query.facets) if not f.place] or list(range(len(facet_sets)))
    # Candidates come from the "what" facets only; a place facet (all of Tokyo) is checked
    # against those candidates, never read whole.
    wanted = sorted(set().union(*(facet_sets[i] for i in what)))
    rest = sorted(set().union(*facet_sets) - set(wanted))
    # Which of the query's signals each candidate holds, as bits of one int (a national
    # register's "auto repair" has 34,000 holders: no set per company).
    bit = {sig: 1 << i for i, sig in enumerate([*wanted, *rest])}
    members = _holder_masks(db, wanted, bit, adjacency)
    if rest and members:
        for cid, sig in _held_among(db, rest, members):
            members[cid] |= bit[sig]
    # Each signal's facets and weight, so each set of signals held is fitted once.
    facets_of: dict[str, set[int]] = defaultdict(set)
    weight_of: dict[str, float] = defaultdict(float)
    for i, f in enumerate(query.facets):
        for sig, weight in f.signals.items():
            facets_of[sig].add(i)
            weight_of[sig] += weight
    what_set = set(what)
    everything = len(facet_sets)
    fit_of: dict[int, tuple[int, float] | None] = {}
    for mask in set(members.values()):
        held = [sig for sig, b in bit.items() if mask & b]
        matched = set().union(*(facets_of[s] for s in held))
        # Matching only "where" says nothing about "what" the company is; within a facet,
        # the word the user typed beats an alternate, and more beats one.
        fit_of[mask] = ((len(matched), sum(weight_of[s] for s in held))
                        if matched & what_set else None)
    full: list[tuple[int, float, int, float]] = []
    partial: list[tuple[int, float, int, float]] = []
    # The partial matches in the place asked (of another kind): no nearer place to rank by.
    placed_bits = sum(bit[sig] for i, f in enumerate(query.facets) if f.place
                      for sig in f.signals if sig in bit)
    placed: set[int] = set()
    get = scores.get
    for cid, mask in members.items():
        fitted = fit_of[mask]
        if fitted is not None:
            if fitted[0] == everything:
                full.append((cid, get(cid, 0.0), fitted[0], fitted[1]))
            else:
                partial.append((cid, get(cid, 0.0), fitted[0], fitted[1]))
                if mask & placed_bits:
                    placed.add(cid)
    # by fit, then score: two stable sorts on one key each (keys a C call, not a lambda)
    full.sort(key=itemgetter(1), reverse=True)
    full.sort(key=itemgetter(3), reverse=True)
    full = _specialists_first(db, full, set(weight_of))
    if query.exact:  # those of the postal code asked, before the rest of its town
        full.sort(key=lambda item: item[0] not in query.exact)
    ranked = [(cid, score, covered) for cid, score, covered, _ in full]
    if not partial:
        return ranked, None
    around = {s: level for s, level in _around(query).items() if s not in rest}
    tail = _Tail({t[0]: t for t in partial}, around, placed)
    return ranked + [(cid, score, covered) for cid, score, covered, _ in partial], tail


# Fewer full matches than this (or than all candidates) and the list says the rest match some.
NOTE_BELOW = 10
FOCUS_HEAD = 300  # the full matches of a segment whose focus is read (`_specialists_first`)


def _specialists_first(db: Database, full: list[tuple[int, float, int, float]],
                       asked: set[str]) -> list[tuple[int, float, int, float]]:
    """Among the full matches of a segment's kinds (in order of fit, then walk score), a
    business whose own categories are mostly what was asked before one that lists it among
    many: "矯正歯科" asks for the orthodontists before the general practices that also
    straighten teeth. The walk favours the many-category ones (more paths lead back to
    them), so each score is weighed by (1 + focus) / 2, focus being the share of the
    company's categories and industries the query asks for. Read for the first FOCUS_HEAD
    only (a national register's 34,000 auto repairers are not read); the rest follow."""
    head = full[:FOCUS_HEAD]
    if len(head) < 2:
        return full
    owned: dict[int, int] = defaultdict(int)
    matched: dict[int, int] = defaultdict(int)
    for cid, signal in rows_in(db, "select company_id, signal from company_signals where "
                               "company_id in ({marks}) and (signal like 'category:%' or "
                               "signal like 'industry:%')", [t[0] for t in head]):
        owned[cid] += 1
        matched[cid] += signal in asked
    if all(matched[t[0]] == owned[t[0]] for t in head):
        return full  # (every one is all it was asked for: a list of one kind a company)

    def weighed(t: tuple[int, float, int, float]) -> float:
        focus = matched[t[0]] / owned[t[0]] if owned[t[0]] else 1.0
        return t[1] * (1 + focus) / 2

    return sorted(head, key=lambda t: (-t[3], -weighed(t))) + full[FOCUS_HEAD:]


@dataclass
class _Tail:
    """A segment's candidates matching only part of it, left in the order found: they rank
    below every full match (a full match is in the place asked for), and among themselves by
    how many parts they match, then nearness to the place asked for ("dentist in Austin"
    lists Texas dentists outside Austin before Osaka's; within one level, the postal code
    nearest those of the place's own matches), then fit and score. Ordering them
    costs a national register a look-up per candidate, so it is done only when one of them
    can be shown (`settle`)."""

    fitted: dict[int, tuple[int, float, int, float]]  # company -> (id, score, covered, fit)
    around: dict[str, int]  # place signals around the one asked for: how near each is
    placed: set[int] = field(default_factory=set)  # those in the place asked (another kind)

    def needed(self, ranked: list[tuple[int, float, int]], limit: int) -> bool:
        """Whether fewer than LIMIT of RANKED match every part (one of these will be shown)."""
        return sum(1 for item in ranked if item[0] not in self.fitted) < limit

    def settle(self, db: Database, ranked: list[tuple[int, float, int]]
               ) -> list[tuple[int, float, int]]:
        """RANKED with these candidates in their order (those in it; the rest as they were)."""
        head = [item for item in ranked if item[0] not in self.fitted]
        tail = [self.fitted[item[0]] for item in ranked if item[0] in self.fitted]
        near: dict[int, int] = {}
        postal: dict[int, float] = {}
        if self.around and tail:
            for cid, sig in _holders_among(db, sorted(self.around), [t[0] for t in tail]):
                near[cid] = max(near.get(cid, 0), self.around[sig])
            if head and len(tail) <= POSTAL_READ_MAX:
                # Within one level (a list without a state column puts München's suburbs
                # and Hamburg both only in Germany), the postal codes nearest those of the
                # companies in the place asked: Planegg's 82152 before Hamburg's 20354.
                postal = _postal_near_any(db, [item[0] for item in head[:POSTAL_HEAD]],
                                          [t[0] for t in tail if t[0] not in self.placed])
        tail.sort(key=lambda t: (-t[2], -near.get(t[0], 0), -postal.get(t[0], 0.0), -t[3],
                                 -t[1]))
        return head + [(cid, score, covered) for cid, score, covered, _ in tail]


POSTAL_HEAD = 200  # the companies of the place asked whose postal codes stand for it


def _postal_near_any(db: Database, places: list[int], ids: list[int]) -> dict[int, float]:
    """For each of IDS, the largest share of a postal code of PLACES (codes of one length and
    country) that its own code begins with."""
    codes: dict[int, tuple[str, str]] = {}
    for cid, code, address, country in rows_in(
            db, "select id, postal_code, address, country from companies where id in ({marks})",
            [*places, *ids]):
        key = _postal_key(code, address)
        if len(key) >= 3:
            codes[cid] = (key, country or "")
    prefixes: dict[tuple[str, int], set[str]] = defaultdict(set)  # (country, length) -> prefixes
    for cid in places:
        if cid in codes:
            key, country = codes[cid]
            prefixes[country, len(key)].update(key[:n] for n in range(1, len(key) + 1))
    out: dict[int, float] = {}
    for cid in ids:
        if cid not in codes:
            continue
        key, country = codes[cid]
        known = prefixes.get((country, len(key)))
        common = max((n for n in range(len(key), 0, -1) if known and key[:n] in known),
                     default=0)
        if common:
            out[cid] = common / len(key)
    return out


def _heaviest_place(signals: dict[str, dict], kind: str) -> tuple[str, dict] | None:
    """The place of KIND (city, region) a company's signals weigh most, as (signal, row)."""
    rows = [(s, r) for s, r in signals.items() if r["kind"] == kind and s.startswith("place:")]
    return max(rows, key=lambda item: item[1].get("weight") or 0) if rows else None


def _placed(signals: dict[str, dict], kind: str) -> str:
    """The city or region the graph places a company in where its columns said none (a
    directory with only an address: '大阪市, Osaka' -> 大阪市), for the call list's columns."""
    found = _heaviest_place(signals, kind)
    return str(found[1]["label"] or "").split(",")[0].strip() if found else ""


def _in_language(shown: str, signals: dict[str, dict], kind: str, language: str) -> str:
    """A call list's town or region as a Japanese list (--lang ja) names it (渋谷区, 東京都,
    not Shibuya, Tokyo) where the graph knows its Japanese name."""
    found = _heaviest_place(signals, kind) if language == "ja" and shown.isascii() else None
    if not shown or found is None:
        return shown
    local = places.place_label_ja(found[0], str(found[1]["label"] or ""))
    return shown if local.isascii() else local.split(",")[0].strip()


def _around(query: Query) -> dict[str, int]:
    """The places around a segment's place facets: the town of a list's own district (3), the
    region of a city or district asked for (2) and its country (1), as signals ('Austin' ->
    place:region:US-TX, place:country:US; 'Kreuzberg' -> place:city:DE/berlin)."""
    out: dict[str, int] = {}
    for facet in query.facets:
        if not facet.place:
            continue
        for signal in facet.signals:
            parts = signal.split(":", 2)
            if len(parts) < 3 or parts[0] != "place":
                continue
            code = parts[2].split("/", 1)[0]
            within = parts[2].split("/")
            if parts[1] == "district" and len(within) == 3 and re.fullmatch(r"[A-Z]{2}", code):
                # A list's own district, keyed by its country and town (Kreuzberg, Berlin):
                # its town first (3), then its country; a station's by its region.
                if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]+", within[1]):
                    out[f"place:region:{within[1]}"] = max(
                        out.get(f"place:region:{within[1]}", 0), 2)
                elif within[1]:
                    out[f"place:city:{code}/{within[1]}"] = 3
                out.setdefault(f"place:country:{code}", 1)
            elif parts[1] in ("city", "area") and re.fullmatch(r"[A-Z]{2}", code):
                out.setdefault(f"place:country:{code}", 1)  # a town with no region known
            elif parts[1] in ("city", "area", "district") and re.fullmatch(r"[A-Z]{2}-[A-Z0-9]+",
                                                                           code):
                out[f"place:region:{code}"] = max(out.get(f"place:region:{code}", 0), 2)
                out.setdefault(f"place:country:{code[:2]}", 1)
            elif parts[1] == "region" and re.fullmatch(r"[A-Z]{2}-[A-Z0-9]+", code):
                out.setdefault(f"place:country:{code[:2]}", 1)
    return out


def _specialties(db: Database, ids: list[int]) -> dict[int, set[str]]:
    """Curated company-level businesses (hotel operator, cruise line, online travel...)."""
    out: dict[int, set[str]] = defaultdict(set)
    for cid, sig in rows_in(db, "select company_id, signal from company_signals where company_id "
                            "in ({marks}) and (source = ? or signal = ?)", ids,
                            after=[SPECIALTY_SOURCE, HOTEL_OPERATOR]):
        out[cid].add(sig)
    return out


def _demote_other_specialties(db: Database, seed_signals: dict[str, dict[str, Any]],
                              ranked: list[tuple[int, float, int]],
                              notes: list[str]) -> list[tuple[int, float, int]]:
    """An industry code can file different businesses together (GICS puts cruise lines and
    online travel agencies with hotel companies). Where both the seed and a prospect carry a
    curated company-level business and they differ, the prospect ranks below those that share."""
    seed = {s for s, r in seed_signals.items()
            if r.get("source") == SPECIALTY_SOURCE or s == HOTEL_OPERATOR}
    if not seed:
        return ranked
    theirs = _specialties(db, [item[0] for item in ranked])
    same = [item for item in ranked if not (theirs.get(item[0]) and not theirs[item[0]] & seed)]
    other = [item for item in ranked if theirs.get(item[0]) and not theirs[item[0]] & seed]
    if other:
        notes.append(f"ranked {plural(len(other), 'company', 'companies')} last whose own business differs from the seed's "
                     f"({', '.join(sorted({s.split(':', 1)[1] for i in other for s in theirs[i[0]]}))})")
    return same + other


def _holder_masks(db: Database, signals: list[str], bit: dict[str, int],
                  adjacency: Adjacency | None = None) -> dict[int, int]:
    """Which companies hold which of these signals, as BIT's bits per company, in the order
    the holders come (signal by signal): the holders the walk read already (a broad signal's
    tens of thousands) taken from it, the rest read."""
    members: dict[int, int] = {}
    unread = []
    for sig in signals:
        held = adjacency.holders_read(sig) if adjacency is not None else None
        if held is None:
            unread.append(sig)
        elif not members:
            members = dict.fromkeys(held, bit[sig])
        else:
            get, b = members.get, bit[sig]
            for cid in held:
                members[cid] = get(cid, 0) | b
    if unread:
        for cid, sig in rows_in(db, "select company_id, signal from company_signals where "
                                "signal in ({marks})", unread):
            members[cid] = members.get(cid, 0) | bit[sig]
    return members


def _held_among(db: Database, signals: list[str],
                members: Collection[int]) -> Iterator[tuple[int, str]]:
    """(company, signal) pairs of these signals among MEMBERS (many companies): the signals'
    holders read whole where they are fewer than the members (a town among a register's
    auto repair shops), else each member looked up (a country)."""
    holding = sum(n for n, in rows_in(db, "select companies from signals where signal in "
                                       "({marks})", signals))
    if holding <= len(members):
        for cid, sig in rows_in(db, "select company_id, signal from company_signals where "
                                "signal in ({marks})", signals):
            if cid in members:
                yield cid, sig
        return
    yield from _holders_among(db, signals, list(members))


def _other_business(db: Database, seed_signals: dict[str, dict[str, Any]], gate: list[str],
                    peers: set[int]) -> set[int]:
    """Of PEERS, the companies that share only a list or a tier with a local client and are
    in another business by their own category or kind: a chamber of commerce's plumber is
    on a dentist's list, not its competitor (neither listed nor cited as one)."""
    if not is_local(kinds_of(seed_signals)):
        return set()
    if not any(seed_signals[s]["kind"] in BUSINESS_KINDS for s in gate):
        return set()
    # (a shared sector, a CRM's "Healthcare", still makes a physio a dentist's far peer)
    business = [s for s in gate if seed_signals[s]["kind"] not in ("list", "tier")]
    if len(business) == len(gate):
        return set()
    listed = peers - {cid for cid, _ in _holders_among(db, business, sorted(peers))}
    own_business = " or ".join(f"signal like '{kind}:%'" for kind in sorted(BUSINESS_KINDS))
    return {cid for cid, in rows_in(
        db, "select distinct company_id from company_signals where company_id in ({marks}) and "
        f"({own_business})", sorted(listed))} if listed else set()


def _holders_among(db: Database, signals: list[str],
                   ids: list[int]) -> list[tuple[int, str]]:
    """(company, signal) pairs for these companies among these signals."""
    if not signals:
        return []
    sql = ("select company_id, signal from company_signals where signal in (" +
           ",".join("?" * len(signals)) + ") and company_id in ({marks})")
    return list(rows_in(db, sql, ids, before=signals))


def _left_out_why(dropped: list[int], excluded: dict[int, str], recent_days: int) -> str:
    """'left out 2 existing clients and 3 companies called in the last 30 days', by why."""
    why = Counter(excluded[cid] for cid in dropped)
    words = {EXISTING_CLIENT: ("existing client", "existing clients"),
             RECENTLY_CALLED: (f"company called in the last {recent_days} days",
                               f"companies called in the last {recent_days} days")}
    parts = [plural(n, *words.get(kind, (f"company excluded ({kind.replace('_', ' ')})",
                                         f"companies excluded ({kind.replace('_', ' ')})")))
             for kind, n in sorted(why.items(), key=lambda item: (-item[1], item[0]))]
    return "left out " + (" and ".join(parts) if len(parts) <= 2 else
                          ", ".join(parts[:-1]) + " and " + parts[-1])


def _next_door(query: Query, seed: dict[str, dict[str, Any]], signals: dict[str, dict[str, Any]],
               market: set[str]) -> bool:
    """Whether a local client's lookalike is of its own category in its own town or district:
    a direct competitor, A whatever the score beside the best (a care home that also runs a
    short-stay unit shares two of a care home's categories, the plain care homes next door one,
    and they had been C)."""
    if query.kind != "company" or not market:
        return False
    shared = [seed[s]["kind"] for s in set(signals) & set(seed)]
    # (of its tier too, where it has one: a business hotel next door is no five-star's peer)
    tiered = any(row["kind"] == "tier" for row in seed.values())
    if "category" not in shared:
        # (its category another word for the client's: "Centre dentaire" by a "Clinique
        # dentaire", ヘアサロン by a 美容室)
        from spider.signals import category_kinds

        if category_kinds(seed) & category_kinds(signals):
            shared.append("category")
    return "category" in shared and ("district" in shared or "city" in shared) and (
        not tiered or "tier" in shared)


def _priority(relative: float, covered: int, query: Query, settings: Settings, *,
              business_known: bool = True) -> str:
    """A, B or C by the score beside the best; for a segment, never C for a match of every
    part of it (a 特養 in さいたま市 is what was asked for, however little else it shares:
    one sister site's extra category had put the rest at B and C), and C for a partial one;
    C for every lookalike of a client whose business nothing says (they share only its
    place)."""
    if (query.kind == "segment" and covered < len(query.facets)) or not business_known:
        return "C"
    if query.kind == "segment":
        return "A" if relative >= settings.priority_b else "B"
    if relative >= settings.priority_a:
        return "A"
    if relative >= settings.priority_b:
        return "B"
    return "C"
