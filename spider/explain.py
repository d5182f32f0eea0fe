"""Why a prospect is on the list: its reasons (the shared signals that carried most of its
score, with their evidence), its segment in words, the sources it was seen in, and a caution
when everything known about it is old.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from spider.db import Database, rows_in
from spider.places import place_label_ja
from spider.query import japanese_word
from spider.rank import PLACE_KINDS, PLACE_LEVELS, Adjacency, Node, signal_contributions
from spider.signals import CATEGORY_CODE, COMPETITOR_KINDS
from spider.text import TIER_JA, now_iso

# Reasons are given one per group of kinds, so three reasons say three different things.
REASON_GROUPS = {"category": "what", "kind": "what", "concept": "what", "industry": "what",
                 "sector": "what",
                 "district": "where", "city": "where", "area": "where", "region": "where",
                 "country": "where"}
REASON_KIND_NAMES = {
    "list": "listed together on", "tier": "tier", "score": "review score", "industry": "same industry", "concept": "same business",
    "category": "same kind of business", "kind": "same kind of business", "brand": "brand", "group": "same group", "district": "same district",
    "city": "same city", "area": "same area", "region": "same region", "country": "same country", "sector": "same sector",
    "term": "description mentions", "size": "similar size",
}
REASON_KIND_NAMES_JA = {
    "list": "同じリストに掲載", "tier": "格付け", "score": "評価", "industry": "同業種", "concept": "同じ事業",
    "category": "同じ業態", "kind": "同じ業態", "brand": "同じブランド", "group": "同じグループ", "district": "同じ地区",
    "city": "同じ市区町村", "area": "同じ郡・地域", "region": "同じ都道府県・地域", "country": "同じ国", "sector": "同じセクター",
    "term": "事業内容に共通の語", "size": "同程度の規模",
}
# A company seen only on dated lists this many years old may have closed or been renamed.
STALE_YEARS = 8
# How many sources a prospect lists as its evidence.
MAX_SOURCES = 6


# A size's unit in Japanese: what is counted, and its counter.
_UNITS_JA = {"employees": ("従業員", "人"), "rooms": ("客室", "室"), "beds": ("病床", "床"),
             "places": ("定員", "人"), "seats": ("席数", "席")}


@dataclass
class Reason:
    signal: str
    kind: str
    label: str
    evidence: str
    share: float  # share of this prospect's score that flowed in through the signal
    shared_with_seed: bool  # shared with the seed company, or named by the segment query
    segment_query: bool = False
    language: str = "en"

    def text(self) -> str:
        if self.language == "ja":
            return self._text_ja()
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
        if self.kind == "score":
            return f"{name}: {self.evidence}"  # review score: 4.4 (clinics.csv row 35)
        if self.kind == "tier":
            return f"{self.label} ({self.evidence})"
        return f"{name}: {self.label}"

    def _text_ja(self) -> str:
        name = REASON_KIND_NAMES_JA.get(self.kind, self.kind)
        label = self.label
        local = re.search(r"\(([^()]*[^\x00-\x7f][^()]*)\)\s*$", label)
        if local:  # "Transportation Equipment (輸送用機器)" -> 輸送用機器
            label = local.group(1)
        size = re.fullmatch(r"([\d,+-]+) (employees|rooms|beds|places|seats)", label)
        if size:
            # (a ryokan's 客室 10-29 室, a clinic's 病床)
            what, counter = _UNITS_JA[size.group(2)]
            label = f"{what} {size.group(1)} {counter}"
        elif self.kind in PLACE_KINDS:
            label = place_label_ja(self.signal, label)
        elif label.isascii():
            label = TIER_JA.get(label) or japanese_word(label) or label
        if not self.shared_with_seed and not self.segment_query:
            return f"{name}（類似企業経由）: {label}"
        if self.kind == "list":
            return f"{name}「{label}」（{self.evidence}）"
        if self.kind == "score":
            return f"{name}: {self.evidence}"
        if self.kind == "tier":
            return f"{name}: {label}（{self.evidence}）"
        return f"{name}: {label}"


def _said(kind: str, label: str) -> str:
    """A category as a rep reads it: a register's code by its classification's title
    ("47.24Z" -> "NAF 47.24Z Retail sale of bread ..."), where the shipped table knows it."""
    if kind == "category" and label and CATEGORY_CODE.fullmatch(label):
        from spider.signals import classified_kind

        known = classified_kind(label)
        if known:
            return known[1]
    return label


# Which of a prospect's kinds of business is said first, where the walk said none: what its
# list calls it (Dentist), then what its name says (dental), then a concept.
_WHAT_FIRST = {"category": 0, "kind": 1, "concept": 2}


def reasons_for(adjacency: Adjacency, estimate: Mapping[Node, float], company_id: int,
                signals: dict[str, dict[str, Any]], wanted: Collection[str], *,
                segment_query: bool, top: int = 3, language: str = "en") -> list[Reason]:
    """The signals that carried most of a prospect's score, one per kind of thing they say.

    `wanted` are the signals shared with the seed company, or named by the segment query:
    they come first, and within them what the company is (business, tier, list) before
    where it is.
    """
    flows = signal_contributions(adjacency, estimate, company_id)
    total = sum(f for _, f in flows) or 1.0
    reasons = []
    groups_used: dict[str, int] = defaultdict(int)
    ordered = sorted(flows, key=lambda item: (
        item[0] not in wanted,
        (signals.get(item[0]) or {}).get("kind") not in COMPETITOR_KINDS,
        -item[1]))
    for sig, flow in ordered:
        row = signals.get(sig)
        if not row:
            continue
        if sig not in wanted and row["kind"] in (*PLACE_KINDS, "size", "score", "group"):
            # a two-hop place, size, review score or operator says nothing a rep could use
            # ("close to the seed's peers through group 'Grupo CVNE'", to a client of none)
            continue
        group = REASON_GROUPS.get(row["kind"], row["kind"])
        if groups_used[group] >= (2 if group == "list" else 1):
            continue
        groups_used[group] += 1
        reasons.append(Reason(sig, row["kind"], _said(row["kind"], row["label"]), row["evidence"] or "",
                              round(flow / total, 3), sig in wanted, segment_query, language))
        if len(reasons) >= top:
            break
    if len(reasons) < top and not any(REASON_GROUPS.get(r.kind) == "what" and r.shared_with_seed
                                      for r in reasons):
        # Its kind of business, shared with the seed though the walk carried nothing through
        # it (a register of dentists, every row a dentist): what makes it a competitor is
        # said first, where there is room (a tier or list says more among hotels). The
        # rarest the seed shares, a word before a code (Bakery, not 10.71C).
        kinds = [(bool(CATEGORY_CODE.fullmatch(row["label"] or "")), _WHAT_FIRST[row["kind"]],
                  -(row.get("idf") or 0.0), sig, row)
                 for sig, row in signals.items()
                 if sig in wanted and row["kind"] in ("category", "kind", "concept") and row["label"]]
        if kinds:
            *_, sig, row = min(kinds, key=lambda k: k[:4])
            reasons.insert(0, Reason(sig, row["kind"], row["label"], row["evidence"] or "", 0.0,
                                     True, segment_query, language))
    if len(reasons) < top and not any(r.kind in PLACE_LEVELS for r in reasons):
        # The finest place it shares with the seed, though the walk carried little through
        # it (a prefecture thousands share): the market is a reason a rep can use.
        places = [(PLACE_LEVELS[row["kind"]], sig, row) for sig, row in signals.items()
                  if sig in wanted and row["kind"] in PLACE_LEVELS]
        if places:
            _, sig, row = max(places, key=lambda p: (p[0], p[1]))
            reasons.append(Reason(sig, row["kind"], row["label"], row["evidence"] or "", 0.0,
                                  True, segment_query, language))
    return reasons


def segment_words(signals: dict[str, dict[str, Any]], only: set[str] | None = None,
                  language: str = "en") -> str:
    """Describe a company's segment in words, from the signals given (or all of them):
    "five-star hotel, Marunouchi, Tokyo"; the place in Japanese for a Japanese call list
    (箱根町, not "Hakone, Kanagawa")."""
    return ", ".join(w for w in _segment_parts(signals, only, language) if w)


def kind_words(signals: dict[str, dict[str, Any]], only: set[str] | None = None) -> str:
    """What the company is, without where: "five-star hotel" (a CRM's Industry field)."""
    return _segment_parts(signals, only)[0]


def _segment_parts(signals: dict[str, dict[str, Any]], only: set[str] | None = None,
                   language: str = "en") -> tuple[str, str]:
    """(the tier and kind in words, the finest place) of the signals given."""
    # (rarest first; of equally rare ones the one the company weighs most, a cell's first
    # part: "Takeaway/sandwich shop" is a takeaway)
    by_kind: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    tiers: list[tuple[bool, float, str]] = []
    for sig, row in signals.items():
        if only is not None and sig not in only:
            continue
        label = row["label"]
        if language == "ja" and sig.startswith("place:"):
            label = place_label_ja(sig, str(label or ""))
        by_kind[row["kind"]].append((row["idf"] or 0.0, row.get("weight") or 0.0, label))
        if row["kind"] == "tier":
            # A rating's own level ("3 stars") before the bands it shares ("2–3 stars").
            band = sig.startswith("rating:") and "-" in sig.rsplit(":", 1)[-1]
            tiers.append((not band, row["idf"] or 0.0, row["label"]))
    best_tier = max(tiers, default=None)
    tier = (best_tier[1], best_tier[2]) if best_tier else None
    kind_word = None
    # (a register's code, NAF 86.23Z, is no word for what the company is where its name
    # says one: "Cabinet Dentaire ..." is a dentist)
    words = [item for item in by_kind.get("category", [])
             if not CATEGORY_CODE.fullmatch(str(item[2]).strip())]
    if words:
        by_kind["category"] = words  # (the kind its code files it under, not the code)
    elif by_kind.get("kind"):
        by_kind["category"] = []
    for kind in ("category", "kind", "concept", "industry"):
        if by_kind.get(kind):
            kind_word = max(by_kind[kind])[2]
            break
    tier_word = (tier or (0, ""))[1]
    if language == "ja":
        # A Japanese call list of English-listed companies says what they are in Japanese
        # (歯科, 五つ星ホテル) where the vocabulary knows the word.
        tier_word = TIER_JA.get(tier_word, tier_word) if tier_word else tier_word
        if kind_word and str(kind_word).isascii():
            kind_word = japanese_word(str(kind_word)) or kind_word
        parts = [str(w) for w in (tier_word, kind_word) if w]
        what = ("" if all(not w.isascii() for w in parts) else " ").join(parts)
    else:
        what = " ".join(w for w in (tier_word, kind_word or "") if w)
    where = next((max(by_kind[kind])[2] for kind in PLACE_KINDS
                  if by_kind.get(kind)), "")
    return what, where


@dataclass
class Evidence:
    """Where a company was seen (list pages or files, at most MAX_SOURCES), and a caution
    when every source is a dated list from long ago."""

    sources: list[str]
    caution: str


def evidence_of(db: Database, company_ids: list[int], *,
                today: str | None = None) -> dict[int, Evidence]:
    """Each company's sources and staleness, read in one pass over their records."""
    this_year = int((today or now_iso())[:4])
    seen: dict[int, list[tuple[str | None, str | None, str | None]]] = defaultdict(list)
    for cid, extra, list_url, source in rows_in(
            db, "select l.company_id, r.extra, r.list_url, r.source from records r join "
            "record_links l on l.record_id = r.id where l.company_id in ({marks}) "
            "order by l.company_id, l.record_id", company_ids):
        seen[cid].append((extra, list_url, source))
    out = {}
    for cid in company_ids:
        rows = seen.get(cid, [])
        sources = list(dict.fromkeys(list_url or source for _, list_url, source in rows))
        out[cid] = Evidence([s for s in sources[:MAX_SOURCES] if s], _caution(rows, this_year))
    return out


def _caution(rows: list[tuple[str | None, str | None, str | None]], this_year: int) -> str:
    """A caution when everything known about a company comes from dated lists that are all
    old: it may have closed or been renamed since (a 2011 guide's hotel)."""
    years: list[int] = []
    for extra, list_url, _ in rows:
        if not list_url:
            return ""  # a record that is not a dated list (a map node, a registry): current
        match = re.search(r'"list_date": "(\d{4})', extra or "")
        if not match:
            return ""
        years.append(int(match.group(1)))
    if not years:
        return ""
    newest = max(years)
    if this_year - newest >= STALE_YEARS:
        return f"only seen on lists from {newest} or earlier: check it still operates under this name"
    return ""
