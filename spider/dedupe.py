"""Entity resolution: records → companies + record_links + review_queue, in inspectable stages.

    prepare_records  rows → `Prepared` (normalized names in every script, hard keys, place)
    block            candidate pairs from rare name tokens, n-grams and hard keys (rule per pair)
    score_pair       rapidfuzz on names plus phone/address/domain/place evidence, with a breakdown
    cluster          merge in score order, never through a bridge, never across a cannot-link
    survive          each company's fields by explicit survivorship rules
    resolve_companies  the stage: reads `records` and `decisions`, rewrites `companies`,
                     `record_links` and the pending part of `review_queue`

Hard keys win over names: one corporate number (法人番号) decides a match and two different
ones forbid it. A hotel property never merges with a registered company (its operator): that
link is a `group:` signal, made elsewhere.
"""

from __future__ import annotations

import gc
import json
import math
import multiprocessing
import os
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np
import sqlite_utils
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from spider.errors import InputError, SpiderError
from spider.normalize import (
    compact,
    is_japanese,
    is_romaji,
    latin_forms,
    normalize_address,
    normalize_corporate_number,
    normalize_domain,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
    skeleton,
    split_tail,
)
from spider.places import country_code

NAME_FIELDS = ("name", "name_local", "name_en", "legal_name")
COMPANY_FIELDS = (
    "name", "name_local", "name_en", "name_kana", "legal_name", "corporate_number", "category",
    "brand", "group", "address", "district", "city", "region", "country", "postal_code", "lat",
    "lon", "phone", "website", "description", "employees",
)  # fmt: skip

# Words that say what kind of organisation a name is, not which one: they count for little.
COMMON_WORDS = frozenset(
    """hotel hotels inn resort resorts group holdings holding the and of de la le company
    international japan tokyo services service center centre ホテル グループ 株式会社
    industry industries trading bank motor electric chemical pharmaceutical construction
    real_estate corporation systems foods airlines shipping railway insurance securities
    hostel ryokan spa tower plaza grand new east west north south central general""".split()
)
COMMON_WEIGHT = 0.3
# Place words a directory often leaves out ("Mandarin Oriental" for "Mandarin Oriental, Tokyo"):
# missing on one side they cost little. A district (Odaiba, Ginza) is not here: it tells
# two hotels of one brand apart.
PLACE_WORDS = frozenset(
    """tokyo japan osaka kyoto yokohama nagoya kobe sapporo fukuoka 東京 日本 東京都 大阪
    chicago il ny usa us""".split()
)
PLACE_WEIGHT = 0.3
# Words that name a venue inside a site: a hotel's cafe, its dining room and its bar share one
# address and switchboard but are different places to call. Names that each carry one the other
# lacks are kept out of an automatic match whatever the phone and address say.
OUTLET_WORDS = frozenset(
    """cafe bar lounge grill dining restaurant bistro brasserie buffet spa pub tavern""".split()
)
# Predicates a company carries or drops without becoming another company: the Dutch
# "Koninklijke" (Royal, granted by the Crown). "Koninklijke Philips" is Philips, and filings
# spell the word a dozen ways (koninklije, koniklijke, koninkl.). Shared, it counts as little as
# a common word; missing from one name, as little as a legal form: nothing.
DESIGNATION_WORDS = ("koninklijke", "koninklijk")
DESIGNATION_PREFIXES = ("konink", "koninkl")  # not "kon": Kohn and Koon fold to it
DESIGNATION_WEIGHT = 0.0  # like a legal form, which is stripped: nothing when one name lacks it


@lru_cache(maxsize=1 << 16)
def is_designation(token: str) -> bool:
    if token in DESIGNATION_PREFIXES or token in DESIGNATION_WORDS:
        return True
    return len(token) >= 8 and any(
        Indel.normalized_similarity(token, word) >= 0.8 for word in DESIGNATION_WORDS
    )


HOTEL_WORDS = ("hotel", "hostel", "ryokan", "inn", "motel", "guest_house", "guesthouse",
               "apartment", "resort", "ホテル", "旅館", "ホステル", "宿")  # fmt: skip


def _japanese_words(concepts: frozenset[str]) -> tuple[str, ...]:
    """Dictionary words (Japanese) whose concept is in `concepts`, longest first."""
    from spider.normalize import _dictionary

    ja_concept = _dictionary()[0]
    words = [w for w, c in ja_concept.items() if c in concepts]
    return tuple(sorted(words, key=len, reverse=True))


class ResolveError(SpiderError):
    """A merge, split or review request that names no company or record."""


_COMMON_JA = _japanese_words(COMMON_WORDS | PLACE_WORDS)
_PLACE_JA = _japanese_words(PLACE_WORDS)

# ---------------------------------------------------------------------------------------------
# Stage 1: prepare


@dataclass(slots=True)
class Prepared:
    """One record's comparable features. `index` is its position in the prepared list."""

    index: int
    id: int
    key: str
    klass: str  # "hotel", "org" or "" (either)
    names: tuple[str, ...]  # normalized names, every script
    ja: tuple[str, ...]  # compact Japanese names
    latin: tuple[tuple[str, ...], ...]  # concept token forms
    phone: str = ""
    domain: str = ""
    jcn: str = ""
    postal: str = ""
    address: str = ""
    house: str = ""
    city: str = ""
    country: str = ""
    lat: float | None = None
    lon: float | None = None
    tokens: frozenset[str] = field(default_factory=frozenset)
    brands: tuple[str, ...] = ()  # the record's brand, compact and as joined Latin forms
    numbers: frozenset[str] = frozenset()  # numbers in the names: "Hostel Oriental 1" vs "2"
    cut: tuple[tuple[str, ...], ...] = ()  # forms of the name before a tail ("DSM N.V. te Heerlen")
    site: bool = False  # the tail may name a site the company runs ("… Corp. - Hope for Youth")


_HOTEL_RE = re.compile("|".join(map(re.escape, HOTEL_WORDS)))  # a substring, as "in" tests


def category_class(record: dict[str, Any]) -> str:
    """'hotel' for a property, 'org' for a registered company, '' when the record cannot tell.

    A hotel property and a registered company (its operator) are different callable
    organisations, so the two classes never share a cluster.
    """
    # Every value of a list ("Restaurant; Hotel"), not only the first as for a name.
    category = record.get("category") or ""
    if ";" in category:
        category = " ".join(normalize_name(c) for c in str(category).split(";"))
    else:
        category = normalize_name(category)
    if category and _HOTEL_RE.search(category):
        return "hotel"
    if record.get("corporate_number") or record.get("legal_name") or record.get("industry_scheme"):
        return "org"
    if category:
        return "org"
    names = " ".join(normalize_name(record.get(f)) for f in NAME_FIELDS if record.get(f))
    return "hotel" if _HOTEL_RE.search(names) else ""


_HOUSE = re.compile(r"\b(\d+)\b")


def prepare_record(index: int, record: dict[str, Any]) -> Prepared:
    """Normalize one record (a `records` row or any dict in the field vocabulary)."""
    names: list[str] = []
    for fld in NAME_FIELDS:
        value = normalize_name(record.get(fld))
        if value and value not in names:
            names.append(value)
    brands: tuple[str, ...] = ()
    brand = normalize_name(record.get("brand"))
    if brand:
        brands = (compact(brand), *(" ".join(f) for f in latin_forms(brand)))
        # "APA Hotel" as the name:en of the APA Hotel at Jimbocho names the brand, not the hotel.
        specific = [n for n in names if compact(n) not in brands
                    and not any(" ".join(f) in brands for f in latin_forms(n))]  # fmt: skip
        names = specific or names
    reading = record.get("name_kana")
    ja = tuple(dict.fromkeys(compact(n) for n in names if is_japanese(n)))
    latin: list[tuple[str, ...]] = []
    for name in names:
        for form in latin_forms(name, reading if is_japanese(name) else None):
            if form and form not in latin:
                latin.append(form)
    cut: list[tuple[str, ...]] = []
    site = False
    for fld in NAME_FIELDS:
        head, names_site = split_tail(record.get(fld))
        if not head:
            continue
        site = site or names_site
        for form in latin_forms(head):
            if form and form not in latin and form not in cut:
                cut.append(form)
    address = normalize_address(record.get("address"))
    house = _HOUSE.search(address)
    lat, lon = record.get("lat"), record.get("lon")
    return Prepared(
        index=index,
        id=int(record.get("id") or index),
        key=str(record.get("record_key") or record.get("id") or index),
        klass=category_class(record),
        names=tuple(names),
        ja=ja,
        latin=tuple(latin),
        phone=normalize_phone(record.get("phone")),
        domain=normalize_domain(record.get("website")),
        jcn=normalize_corporate_number(record.get("corporate_number")),
        postal=normalize_postal_code(record.get("postal_code")),
        address=address,
        house=house.group(1) if house else "",
        city=normalize_name(record.get("city")),
        country=country_code(record.get("country")) or "",
        lat=float(lat) if lat not in (None, "") else None,
        lon=float(lon) if lon not in (None, "") else None,
        tokens=frozenset(_tokens(ja, latin)),
        brands=brands,
        numbers=frozenset(t for n in names for t in re.findall(r"\d+", n)),
        cut=tuple(cut),
        site=site,
    )


def _tokens(ja: Iterable[str], latin: Iterable[tuple[str, ...]]) -> Iterator[str]:
    for name in ja:
        if len(name) == 1:
            yield name
        yield from (name[i : i + 2] for i in range(len(name) - 1))
    for form in latin:
        yield from form


def prepare_records(rows: Sequence[dict[str, Any]], *, workers: int = 1) -> list[Prepared]:
    """Every row prepared; at scale, slices of rows in forked workers (pure per row)."""
    if workers > 1 and len(rows) >= PARALLEL_RECORDS:
        step = -(-len(rows) // (2 * workers))
        chunks = [(s, s + step) for s in range(0, len(rows), step)]
        return [p for part in _parallel(_prepare_chunk, chunks, workers, rows) for p in part]
    return [prepare_record(i, row) for i, row in enumerate(rows)]


def _prepare_chunk(bounds: tuple[int, int]) -> list[Prepared]:
    rows = _SHARED["state"]
    start, stop = bounds
    return [prepare_record(i, rows[i]) for i in range(start, min(stop, len(rows)))]


class Weights:
    """IDF weights of name tokens over the records being resolved; common words count little."""

    def __init__(self, prepared: Sequence[Prepared]) -> None:
        self.df: Counter[str] = Counter()
        for rec in prepared:
            self.df.update(rec.tokens)
        self.n = max(len(prepared), 1)
        self._cache: dict[str, float] = {}
        self._both: dict[str, tuple[float, float]] = {}
        self.brands: set[str] = set()
        for rec in prepared:
            self.brands.update(rec.brands)

    def __call__(self, token: str) -> float:
        """The weight a token carries when both names share it (common words: little)."""
        w = self._cache.get(token)
        if w is None:
            w = self.raw(token)
            if token in COMMON_WORDS or is_designation(token):
                w *= COMMON_WEIGHT
            self._cache[token] = w
        return w

    def both(self, token: str) -> tuple[float, float]:
        """(shared, alone): the token's weight when both names have it, and when one does."""
        got = self._both.get(token)
        if got is None:
            alone = self.raw(token)
            if is_designation(token):
                alone *= DESIGNATION_WEIGHT
            got = self._both[token] = (self(token), alone)
        return got

    def raw(self, token: str, cheap_places: bool = False) -> float:
        """The weight a token carries when only one name has it: its IDF (place words: little)."""
        w = math.log(1.0 + self.n / (self.df.get(token, 0) + 1.0)) + 0.5
        return w * PLACE_WEIGHT if cheap_places and token in PLACE_WORDS else w

    def is_brand_only(self, rec: Prepared) -> bool:
        """Whether every name the record has is a bare brand ("APA Hotel"): not an identity."""
        return bool(rec.names) and all(
            compact(n) in self.brands or any(" ".join(f) in self.brands for f in latin_forms(n))
            for n in rec.names
        )


# ---------------------------------------------------------------------------------------------
# Stage 2: block

BLOCK_RULES = ("corporate_number", "phone", "domain", "address", "exact_name", "rare_token",
               "token_pair", "fuzzy_token", "sound", "place_word")  # fmt: skip
# Rules that propose a pair on names alone: such a pair is scored only if rapidfuzz's
# token_sort_ratio (C, cheap) says the names could be alike at all.
NAME_RULES = frozenset({"rare_token", "token_pair", "fuzzy_token", "sound", "place_word"})
PREFILTER = 55.0
# Rules whose keys are identities: an oversized block is chained, not dropped.
IDENTITY_RULES = frozenset({"corporate_number", "phone", "exact_name"})


@dataclass(frozen=True)
class BlockLimits:
    """How selective a key must be to block on. Small sets afford big blocks; at 100,000
    records the limits tighten so the pair count stays near linear."""

    max_block: int = 60  # any key held by more records is skipped (identity keys are chained)
    rare_df: int = 60  # a name token held by more records is not rare enough on its own
    pair_block: int = 60  # two words together
    fuzzy_block: int = 40  # a word and the head or tail of another (typo keys)
    place_block: int = 60  # one place and a one-deletion variant of the rarest word

    @classmethod
    def for_size(cls, n: int, max_block: int = 60) -> BlockLimits:
        def scale(low: int, high: int) -> int:
            return max(low, min(high, 300_000 // max(n, 1)))

        return cls(
            max_block, scale(10, 60), scale(PAIR_LOW, max_block), scale(FUZZY_LOW, 40), max_block
        )


PAIR_LOW, FUZZY_LOW = 12, 8
PLACE_TAGS = False


def _deletions(word: str) -> set[str]:
    """The word and every word one letter shorter: two words within one edit (a typo, a
    dropped or doubled letter, two letters swapped) share at least one of these."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def block_keys(
    rec: Prepared, weights: Weights, limits: BlockLimits = BlockLimits()
) -> Iterator[tuple[str, str, str]]:
    """The (rule, key, tag) triples one record is blocked under.

    Within a block, pairs are made only between members with different tags when a tag is
    given: the one-deletion keys of "printing" pair a typo ("prniting") with the 50 printers,
    not the 50 printers with each other (their exact token already blocks them).
    """
    if rec.jcn:
        yield "corporate_number", rec.jcn, ""
    if rec.phone:
        yield "phone", rec.phone, ""
    if rec.domain:
        yield "domain", rec.domain, ""
    for name in rec.ja:
        yield "exact_name", name, ""
    for form in (*rec.latin, *rec.cut):
        yield "exact_name", " ".join(sorted(form)), ""
    df = weights.df
    latin_words = {t for form in rec.latin for t in form}
    ranked = sorted(latin_words, key=lambda t: (df.get(t, 0), t))
    bigrams = sorted(rec.tokens - latin_words, key=lambda t: (df.get(t, 0), t))
    for token in ranked[:2] + bigrams[:2]:
        if df.get(token, 0) <= limits.rare_df:
            yield "rare_token", token, ""
    for a, b in combinations(sorted(ranked[:3]), 2):
        # Two commoner tokens together are rare again ("harbor hotels"): word order free.
        yield "token_pair", f"{a} {b}", ""
        if len(a) >= 4 and len(b) >= 4 and not rec.ja:
            # A typo in one word of the pair leaves the other whole and its head or tail intact.
            yield "fuzzy_token", f"{a} ^{b[:3]}", b
            yield "fuzzy_token", f"{a} ${b[-3:]}", b
            yield "fuzzy_token", f"^{a[:3]} {b}", a
            yield "fuzzy_token", f"${a[-3:]} {b}", a
    for form in rec.latin:
        sound = skeleton("".join(form))
        if len(sound) >= 3:
            yield "sound", sound, ""
    for token in ranked[:2]:
        # A katakana loanword and its English (orientaru ~ oriental) share a skeleton.
        sound = skeleton(token) if len(token) >= 5 else ""
        if len(sound) >= 3:
            yield "sound", "~" + sound, token
    place = rec.city or rec.postal
    if place:
        # In one place, the rarest word may carry a typo (Lmupra ~ Lumpra) while no other
        # word is left whole: a place is selective enough to block on the word alone.
        word = next((t for t in ranked if len(t) >= 4), "")
        for variant in _deletions(word) if word else ():
            yield "place_word", f"{place} {variant}", word if PLACE_TAGS else ""
    if rec.house and rec.address:
        street = [t for t in rec.address.split() if not t.isdigit() and len(t) > 2]
        if street:
            yield "address", f"{rec.house} {street[0]}", ""


# Blocks are grouped with numpy: every (rule, key) is hashed to one int64, so 1.3 million keys
# at 100,000 records cost 32 bytes each instead of a Python tuple, string and list.
_RULE_ID = {rule: n for n, rule in enumerate(BLOCK_RULES)}
_IDENTITY_IDS = [_RULE_ID[r] for r in IDENTITY_RULES]


def record_keys(
    reps: Sequence[Prepared], weights: Weights, limits: BlockLimits, start: int = 0,
    stop: int | None = None,
) -> np.ndarray:  # fmt: skip
    """(rule id, key hash, record index, tag hash) rows for records start..stop: pure per record,
    so any slice can be computed anywhere and the rows concatenated."""
    out = array("q")
    rule_id = _RULE_ID
    for rec in reps[start:stop]:
        seen: set[int] = set()
        index = rec.index
        for rule, key, tag in block_keys(rec, weights, limits):
            h = hash((rule, key))
            if h not in seen:
                seen.add(h)
                out.extend((rule_id[rule], h, index, hash(tag) if tag else 0))
    return np.frombuffer(out, dtype=np.int64).reshape(-1, 4)


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row order by key, each block's first position in that order, and each block's size."""
    order = np.argsort(keys[:, 1])
    hashes = keys[order, 1]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    return order, starts, sizes


def _limits_of(rules: np.ndarray, tagged: np.ndarray, limits: BlockLimits) -> np.ndarray:
    cap = np.full(len(rules), limits.max_block)
    cap[tagged] = min(limits.fuzzy_block, limits.max_block)
    cap[rules == _RULE_ID["token_pair"]] = min(limits.pair_block, limits.max_block)
    cap[rules == _RULE_ID["place_word"]] = min(limits.place_block, limits.max_block)
    return cap


def block_pairs(
    keys: np.ndarray, limits: BlockLimits, n: int
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[int, int]]]:
    """Every pair each block proposes, as (a * n + b codes with a < b, rule ids), duplicates kept,
    and per rule id (blocks, oversized blocks skipped).

    Within a tagged block only members with different tags pair: the one-deletion keys of
    "printing" pair a typo ("prniting") with the 50 printers, not the printers with each other.
    An oversized identity block (one phone on 300 records) is chained, not dropped.
    """
    order, starts, sizes = _groups(keys)
    first_rows = order[starts]
    rules, tags = keys[first_rows, 0], keys[first_rows, 3]
    cap = _limits_of(rules, tags != 0, limits)
    counts = {
        int(r): (int(b), 0) for r, b in zip(*np.unique(rules, return_counts=True), strict=True)
    }
    over = (sizes > cap) & (sizes > 1)
    chained = over & np.isin(rules, _IDENTITY_IDS)
    for r, c in zip(*np.unique(rules[over & ~chained], return_counts=True), strict=True):
        counts[int(r)] = (counts[int(r)][0], int(c))
    codes: list[np.ndarray] = []
    rule_ids: list[np.ndarray] = []
    index, tag = keys[order, 2], keys[order, 3]  # by position in key order
    paired = (sizes > 1) & ~over
    for size in np.unique(sizes[paired]):
        chosen = paired & (sizes == size)
        members = starts[chosen][:, None] + np.arange(size)
        iu, ju = np.triu_indices(size, 1)
        a, b = index[members[:, iu]], index[members[:, ju]]
        ta, tb = tag[members[:, iu]], tag[members[:, ju]]
        keep = (ta == 0) | (ta != tb)
        codes.append((np.minimum(a, b) * n + np.maximum(a, b))[keep])
        rule_ids.append(np.broadcast_to(rules[chosen][:, None], a.shape)[keep])
    for first, size, rule in zip(starts[chained], sizes[chained], rules[chained], strict=True):
        members = np.sort(index[first : first + size])
        codes.append(members[:-1] * n + members[1:])
        rule_ids.append(np.full(size - 1, rule))
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), counts
    return np.concatenate(codes), np.concatenate(rule_ids), counts


@dataclass
class Candidates:
    """Candidate pairs (a < b) with the first rule (in BLOCK_RULES order) that proposed each,
    held as sorted int64 codes a * n + b so a million pairs take 16 MB, not a Python dict."""

    codes: np.ndarray
    rules: np.ndarray
    n: int

    def __len__(self) -> int:
        return len(self.codes)

    def get(self, pair: tuple[int, int], default: str | None = None) -> str | None:
        a, b = pair
        code = a * self.n + b
        at = int(np.searchsorted(self.codes, code))
        if at < len(self.codes) and self.codes[at] == code:
            return BLOCK_RULES[int(self.rules[at])]
        return default

    def __contains__(self, pair: object) -> bool:
        return isinstance(pair, tuple) and self.get(pair) is not None

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        return self.codes // self.n, self.codes % self.n

    def items(self) -> Iterator[tuple[tuple[int, int], str]]:
        a, b = self.pairs()
        for x, y, r in zip(a.tolist(), b.tolist(), self.rules.tolist(), strict=True):
            yield (x, y), BLOCK_RULES[r]


def _all_keys(reps: Sequence[Prepared], weights: Weights, limits: BlockLimits,
              workers: int) -> np.ndarray:  # fmt: skip
    if workers > 1 and len(reps) >= PARALLEL_RECORDS:
        step = -(-len(reps) // (2 * workers))
        chunks = [(s, s + step) for s in range(0, len(reps), step)]
        parts = _parallel(_keys_chunk, chunks, workers, (reps, weights, limits))
        return np.concatenate(parts)
    return record_keys(reps, weights, limits)


def _keys_chunk(bounds: tuple[int, int]) -> np.ndarray:
    reps, weights, limits = _SHARED["state"]
    return record_keys(reps, weights, limits, *bounds)


def block(
    prepared: Sequence[Prepared], weights: Weights, *, max_block: int = 60, workers: int = 1
) -> Candidates:
    """Candidate pairs (i < j) → the first rule that proposed them. Oversized blocks are skipped."""
    limits = BlockLimits.for_size(len(prepared), max_block)
    n = max(len(prepared), 1)
    codes, rules, _ = block_pairs(_all_keys(prepared, weights, limits, workers), limits, n)
    order = np.lexsort((rules, codes))
    codes, rules = codes[order], rules[order]
    first = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, bool)
    return Candidates(codes[first], rules[first], n)


def explain_blocking(
    prepared: Sequence[Prepared],
    weights: Weights | None = None,
    *,
    truth: dict[int, str] | None = None,
    max_block: int = 60,
) -> list[dict[str, Any]]:
    """Per rule: blocks, pairs proposed, pairs new to it, and (given truth) true matches missed.

    `truth` maps a prepared index to an entity id. The last row is the union of all rules.
    """
    weights = weights or Weights(prepared)
    limits = BlockLimits.for_size(len(prepared), max_block)
    n = max(len(prepared), 1)
    codes, rules, counts = block_pairs(record_keys(prepared, weights, limits), limits, n)
    true_codes = np.zeros(0, np.int64)
    if truth:
        groups: dict[str, list[int]] = defaultdict(list)
        for index, entity in truth.items():
            groups[entity].append(index)
        true_codes = np.array(
            sorted(a * n + b for g in groups.values() for a, b in combinations(sorted(g), 2)),
            dtype=np.int64,
        )
    seen = np.zeros(0, np.int64)
    report = []
    for rule_id, rule in enumerate(BLOCK_RULES):
        rule_codes = np.unique(codes[rules == rule_id])
        blocks, skipped = counts.get(rule_id, (0, 0))
        row: dict[str, Any] = {"rule": rule, "blocks": blocks, "oversized": skipped,
                               "pairs": len(rule_codes),
                               "new_pairs": len(np.setdiff1d(rule_codes, seen, assume_unique=True))}  # fmt: skip
        seen = np.union1d(seen, rule_codes)
        if truth:
            found = int(np.isin(true_codes, rule_codes).sum())
            row["true_found"] = found
            row["true_missed"] = len(true_codes) - found
        report.append(row)
    total: dict[str, Any] = {"rule": "all", "blocks": sum(r["blocks"] for r in report),
                             "oversized": sum(r["oversized"] for r in report), "pairs": len(seen),
                             "new_pairs": len(seen)}  # fmt: skip
    if truth:
        found = int(np.isin(true_codes, seen).sum())
        total["true_found"] = found
        total["true_missed"] = len(true_codes) - found
        total["recall"] = round(found / len(true_codes), 4) if len(true_codes) else 1.0
    report.append(total)
    return report


# ---------------------------------------------------------------------------------------------
# Work across processes: the per-block and per-pair work is pure, so slices of it run in forked
# workers that inherit the prepared records (nothing is pickled but the slice bounds and results).

PARALLEL_RECORDS = 20_000  # below this, starting workers costs more than it saves
_SHARED: dict[str, Any] = {}


def default_workers() -> int:
    return min(os.cpu_count() or 1, 8)


def _parallel(func: Any, chunks: list[Any], workers: int, state: Any) -> list[Any]:
    """func over chunks in `workers` forked processes (state inherited), or here without fork."""
    _SHARED["state"] = state
    try:
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                return pool.map(func, chunks, chunksize=1)
        return [func(c) for c in chunks]
    finally:
        _SHARED.clear()


# ---------------------------------------------------------------------------------------------
# Stage 3: score


_FIRST = str.maketrans("clv", "krb")


@lru_cache(maxsize=1 << 18)
def token_similarity(a: str, b: str, cutoff: float = 0.8) -> float:
    """0..1: equal tokens 1, a typo or a transliteration (orientaru ~ oriental) close to 1.

    Below `cutoff` a pair of tokens counts as different (0). Two romaji words get no typo
    tolerance: Kanemitsu and Kanematsu, Taiho and Taiyo are different names.
    """
    if a == b:
        return 1.0
    if len(a) < 4 or len(b) < 4:
        return 0.0
    both_romaji = is_romaji(a) and is_romaji(b)
    if cutoff <= 0.8 and not both_romaji:
        short, long = (a, b) if len(a) <= len(b) else (b, a)
        if long.startswith(short):
            return 0.9  # an abbreviation: koninkl ~ koninklijke, electron ~ electronics
    sim = Indel.normalized_similarity(a, b)
    if (cutoff > 0.8 or both_romaji) and sim < 0.95:
        sim = 0.0  # strict: only a transliteration, below, may differ
    if a[0] != b[0]:
        sim *= 0.9  # names rarely change their first letter: Maxell is not Accel
    if (sim < 0.92 and len(a) >= 5 and len(b) >= 5 and not both_romaji
            and a[0].translate(_FIRST) == b[0].translate(_FIRST)
            and max(len(a), len(b)) <= 1.5 * min(len(a), len(b))):  # fmt: skip
        # Only a word that cannot be romaji (palace, elematec) may meet its katakana spelling
        # by skeleton, and only with the same first letter and a plausible length.
        sa = skeleton(a)
        if len(sa) >= 3 and sa == skeleton(b):
            # Three consonants collide too often (サムコ ~ Shinko) to decide alone.
            sim = 0.92 if len(sa) >= 4 else 0.85
    return sim if sim >= cutoff else 0.0


def soft_token_score(
    a: Sequence[str],
    b: Sequence[str],
    weights: Weights,
    *,
    cutoff: float = 0.8,
    places: bool = True,
) -> tuple[float, float]:
    """(symmetric, coverage): IDF-weighted share of tokens matched on both sides, and of the shorter.

    A shared common word (hotel, holdings, ホテル) adds little, but a word only one name has
    costs its full IDF, so "Hilton Tokyo" stays apart from "Hilton Tokyo Odaiba" and
    "TOKAI Holdings" from "TOKAI Corp.".
    """
    if not a or not b:
        return 0.0, 0.0
    set_a, set_b = set(a), set(b)
    best_a = [1.0 if t in set_b else 0.0 for t in a]
    best_b = [1.0 if t in set_a else 0.0 for t in b]
    # Only words without an exact partner are compared fuzzily (the common case is cheap).
    for i, ta in enumerate(a):
        if best_a[i] == 1.0:
            continue
        for j, tb in enumerate(b):
            if best_b[j] == 1.0:
                continue
            s = token_similarity(ta, tb, cutoff)
            if s > best_a[i]:
                best_a[i] = s
            if s > best_b[j]:
                best_b[j] = s
    # A place word missing on one side costs little, but two different places conflict.
    cheap = False
    if places and not (PLACE_WORDS.isdisjoint(set_a) and PLACE_WORDS.isdisjoint(set_b)):
        places_a = any(s < 0.5 and t in PLACE_WORDS for t, s in zip(a, best_a, strict=True))
        places_b = any(s < 0.5 and t in PLACE_WORDS for t, s in zip(b, best_b, strict=True))
        cheap = not (places_a and places_b)
    num_a, den_a = _weighted(a, best_a, weights, cheap)
    num_b, den_b = _weighted(b, best_b, weights, cheap)
    if not den_a or not den_b:
        return 0.0, 0.0  # a name of designations alone ("Koninklijke") names no one
    symmetric = 100.0 * (num_a + num_b) / (den_a + den_b)
    coverage = 100.0 * max(num_a / den_a, num_b / den_b)
    return symmetric, coverage


def _weighted(
    tokens: Sequence[str], best: list[float], weights: Weights, cheap_places: bool
) -> tuple[float, float]:
    """(matched weight, total weight) of one name's tokens, each matched to degree `best`."""
    num = den = 0.0
    cache, both = weights._both, weights.both
    for token, s in zip(tokens, best, strict=True):
        got = cache.get(token)
        shared_w, alone_w = got if got is not None else both(token)
        if cheap_places and token in PLACE_WORDS:
            alone_w *= PLACE_WEIGHT
        shared = shared_w * s
        num += shared
        den += shared + alone_w * (1.0 - s)
    return num, den


def _bigrams(text: str) -> list[str]:
    return [text] if len(text) < 2 else [text[i : i + 2] for i in range(len(text) - 1)]


def japanese_score(a: str, b: str, weights: Weights, *, places: bool = True) -> tuple[float, float]:
    """(symmetric, coverage) for two compact Japanese names: IDF-weighted character bigrams.

    Common dictionary words both names share (ホールディングス, ホテル, 東京) are taken out
    first, so ウエストホールディングス and ウエスコホールディングス are compared on
    ウエスト / ウエスコ; a common word only one name has stays and counts.
    """
    if a == b:
        return 100.0, 100.0
    for word in _COMMON_JA:
        if word in a and word in b:
            a, b = a.replace(word, ""), b.replace(word, "")
    # A place only one name carries (帝国ホテル東京 vs 帝国ホテル) is left out, as in Latin.
    places_a = [w for w in _PLACE_JA if w in a]
    places_b = [w for w in _PLACE_JA if w in b]
    if places and not (places_a and places_b):
        for word in places_a or places_b:
            a, b = a.replace(word, ""), b.replace(word, "")
    if a == b:
        return 95.0, 95.0
    if not a or not b:
        return 0.0, 0.0
    return soft_bigram_score(_bigrams(a), _bigrams(b), weights)


def soft_bigram_score(a: list[str], b: list[str], weights: Weights) -> tuple[float, float]:
    ca, cb = Counter(a), Counter(b)
    wa = sum(weights(t) * n for t, n in ca.items())
    wb = sum(weights(t) * n for t, n in cb.items())
    shared = sum(weights(t) * min(n, cb[t]) for t, n in ca.items() if t in cb)
    if not wa or not wb:
        return 0.0, 0.0
    return 100.0 * 2 * shared / (wa + wb), 100.0 * shared / min(wa, wb)


def name_scores(a: Prepared, b: Prepared, weights: Weights) -> tuple[float, float, str]:
    """Best (symmetric, coverage, how) over every pair of names the two records carry."""
    best = (0.0, 0.0, "")
    # Directories drop the city from a property's name ("Mandarin Oriental" for "... Tokyo");
    # a registered company's 日本 / Nippon is part of its name.
    places = "hotel" in (a.klass, b.klass)
    for ja_a in a.ja:
        for ja_b in b.ja:
            sym, cov = japanese_score(ja_a, ja_b, weights, places=places)
            if (sym, cov) > best[:2]:
                best = (sym, cov, "japanese")
    # Romanized Japanese words differ by one kana between companies (Kanemitsu, Kanematsu):
    # no typo tolerance when either record is written in Japanese.
    cutoff = 0.85 if a.ja or b.ja else 0.8
    for la in a.latin:
        for lb in b.latin:
            if la == lb:
                return 100.0, 100.0, "latin"
            sym, cov = soft_token_score(la, lb, weights, cutoff=cutoff, places=places)
            if sym < 92:
                sym = max(sym, _glued_score(la, lb, strict=cutoff > 0.8))
            if (sym, cov) > best[:2]:
                best = (sym, cov, "latin")
    # A name that goes on after its legal form ("SARA LEE/DE N.V. TE UTRECHT") meets another
    # on the part before it, unless both tails may name sites: "… Corp. - Hope for Youth" and
    # "… Corp. - Just For You" are two sites of one operator, compared whole.
    for one, other in ((a, b), (b, a)):
        if one.cut and not other.site:
            for la in one.cut:
                for lb in (*other.latin, *other.cut):
                    sym, cov = soft_token_score(la, lb, weights, cutoff=cutoff, places=places)
                    if (sym, cov) > best[:2]:
                        best = (sym, cov, "latin, before the tail")
    return best


def _glued_score(a: tuple[str, ...], b: tuple[str, ...], *, strict: bool = False) -> float:
    """Names that differ in spacing or by a typo inside a word, or a katakana loanword written as
    one word against its English words (トレンドマイクロ ~ Trend Micro)."""
    ca, cb = "".join(a), "".join(b)
    if min(len(ca), len(cb)) < 6 or ca[:2] != cb[:2]:
        return 0.0
    if ca[-2:] == cb[-2:] and not strict:
        ratio = fuzz.ratio(ca, cb)
        if ratio >= 92:
            return ratio
    if len(a) != len(b) and max(len(ca), len(cb)) <= 1.5 * min(len(ca), len(cb)):
        sa = skeleton(ca)
        if len(sa) >= 5 and sa == skeleton(cb):
            return 88.0
    return 0.0


def _distance_km(a: Prepared, b: Prepared) -> float | None:
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        return None
    dlat = math.radians(b.lat - a.lat)
    dlon = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


@dataclass(frozen=True)
class ScoreConfig:
    """Evidence points added to the name score.

    Set on the Ditto Fodors-Zagats train+valid pairs (then the Chicago dev half as a tie-break),
    never on the labels the benchmarks report.
    """

    phone_same: float = 20.0
    phone_differs: float = -10.0
    address_same: float = 15.0
    address_differs: float = -10.0
    house_differs: float = -20.0
    postal_same: float = 3.0
    postal_differs: float = -5.0
    city_differs: float = -3.0
    domain_same: float = 8.0
    near: float = 10.0  # within 100 m
    apart: float = -15.0  # 300 m to 1 km apart
    far: float = -30.0  # more than 1 km apart (a property)
    org_far: float = -5.0  # more than 1 km apart (an organisation, which has many sites)
    numbers_differ: float = -20.0  # "Hostel Oriental 1" vs "Hostel Oriental 2"
    country_differs_cap: float = 50.0  # one callable organisation is in one country
    brand_only_cap: float = 80.0  # a bare brand name alone never reaches a match
    outlet_cap: float = 80.0  # cafe vs dining room at one address: review, never a match
    site_same: float = 30.0  # phone and address both agree: one switchboard at one site
    coverage_factor: float = 0.9  # a contained name counts this much when phone or address agree


def score_pair(
    a: Prepared, b: Prepared, weights: Weights, config: ScoreConfig = ScoreConfig()
) -> tuple[float, dict[str, Any]]:
    """0..100 with a breakdown by field. Corporate numbers decide when both records carry one."""
    if a.jcn and b.jcn:
        same = a.jcn == b.jcn
        return (100.0 if same else 0.0), {"corporate_number": "same" if same else "differs"}
    sym, cov, how = name_scores(a, b, weights)
    breakdown: dict[str, Any] = {"name": round(sym, 1)}
    if not how:
        breakdown["names_compared"] = ""  # no common script: the name says nothing either way
    points = 0.0
    support = False
    if a.phone and b.phone:
        if a.phone == b.phone or (min(len(a.phone), len(b.phone)) >= 7 and
                                  a.phone[-7:] == b.phone[-7:]):  # fmt: skip
            points += config.phone_same
            breakdown["phone"] = config.phone_same
            support = True
        else:
            points += config.phone_differs
            breakdown["phone"] = config.phone_differs
    if a.address and b.address:
        if a.house and b.house and a.house != b.house:
            points += config.house_differs
            breakdown["address"] = config.house_differs
        else:
            sim = fuzz.token_set_ratio(a.address, b.address)
            if sim >= 85:
                points += config.address_same
                breakdown["address"] = config.address_same
                support = True
            elif sim < 50:
                points += config.address_differs
                breakdown["address"] = config.address_differs
    if config.site_same and breakdown.get("phone", 0) > 0 and breakdown.get("address", 0) > 0:
        points += config.site_same
        breakdown["site"] = config.site_same
    if a.postal and b.postal:
        value = config.postal_same if a.postal == b.postal else config.postal_differs
        points += value
        breakdown["postal_code"] = value
    if a.city and b.city and a.city != b.city:
        points += config.city_differs
        breakdown["city"] = config.city_differs
    if a.domain and b.domain and a.domain == b.domain:
        points += config.domain_same
        breakdown["domain"] = config.domain_same
    distance = _distance_km(a, b)
    if distance is not None:
        # A property never moves; an organisation files from many addresses.
        prop = "hotel" in (a.klass, b.klass)
        if distance <= 0.1:
            value = config.near
        elif distance > 1.0:
            value = config.far if prop else config.org_far
        elif distance > 0.3:
            value = config.apart if prop else 0.0
        else:
            value = 0.0
        if value:
            points += value
            breakdown["place"] = value
    if a.numbers and b.numbers and not a.numbers & b.numbers:
        points += config.numbers_differ
        breakdown["numbers"] = config.numbers_differ
    if a.country and b.country and a.country != b.country:
        # A Chicago "King" is not Kyoto's キング: records known to be in different countries
        # are different callable organisations, whatever their names (hard keys decided above).
        breakdown["country"] = f"{a.country} vs {b.country}"
    name = sym
    if (weights.brands and sym > config.brand_only_cap
            and (weights.is_brand_only(a) or weights.is_brand_only(b))):  # fmt: skip
        name = sym = config.brand_only_cap
        breakdown["name"] = sym
        breakdown["name_rule"] = "brand only"
    hotel = "hotel" in (a.klass, b.klass)
    if support and not hotel and cov >= 90 and cov * config.coverage_factor > sym:
        name = cov * config.coverage_factor
        breakdown["name"] = round(name, 1)
        breakdown["name_rule"] = "contained"
    total = name + points
    outlets_a, outlets_b = a.tokens & OUTLET_WORDS, b.tokens & OUTLET_WORDS
    if outlets_a - outlets_b and outlets_b - outlets_a and total > config.outlet_cap:
        total = config.outlet_cap
        breakdown["name_rule"] = "different outlets"
    if "country" in breakdown:
        total = min(total, config.country_differs_cap)
    if how:
        breakdown["names_compared"] = how
    return max(0.0, min(100.0, total)), breakdown


def score_candidates(
    reps: Sequence[Prepared], weights: Weights, pairs: Candidates, config: ScoreConfig, *,
    keep: float, workers: int = 1,
) -> dict[tuple[int, int], float]:  # fmt: skip
    """Score every candidate pair; keep those scoring at least `keep`.

    A pair proposed on names alone is scored only if rapidfuzz's token_sort_ratio (C, cheap)
    says the names could be alike at all.
    """
    a, b = pairs.pairs()
    state = (reps, weights, config, a, b, pairs.rules, keep)
    if workers > 1 and len(a) >= 10 * PARALLEL_RECORDS:
        step = -(-len(a) // (4 * workers))
        parts = _parallel(_score_chunk, [(s, s + step) for s in range(0, len(a), step)],
                          workers, state)  # fmt: skip
    else:
        _SHARED["state"] = state
        try:
            parts = [_score_chunk((0, len(a)))]
        finally:
            _SHARED.clear()
    return {pair: score for part in parts for pair, score in part}


_NAME_RULE_IDS = frozenset(_RULE_ID[r] for r in NAME_RULES)


def _score_chunk(bounds: tuple[int, int]) -> list[tuple[tuple[int, int], float]]:
    reps, weights, config, a, b, rules, keep = _SHARED["state"]
    start, stop = bounds
    texts: dict[int, str] = {}
    out = []
    ratio, glued = fuzz.token_sort_ratio, fuzz.ratio
    for i, j, rule in zip(a[start:stop].tolist(), b[start:stop].tolist(),
                          rules[start:stop].tolist(), strict=True):  # fmt: skip
        if rule in _NAME_RULE_IDS:
            ti, tj = texts.get(i), texts.get(j)
            if ti is None:
                ti = texts[i] = _plain_text(reps[i])
            if tj is None:
                tj = texts[j] = _plain_text(reps[j])
            if (ti and tj and not ratio(ti, tj, score_cutoff=PREFILTER)
                    and (ti.count(" ") == tj.count(" ")
                         or not glued(ti.replace(" ", ""), tj.replace(" ", ""),
                                      score_cutoff=PREFILTER))):  # fmt: skip
                # Names spaced differently ("konin klijke philips", "koninklijke
                # philipselectronics") are judged without their spaces.
                continue
        score = score_pair(reps[i], reps[j], weights, config)[0]
        if score >= keep:
            out.append(((i, j), score))
    return out


def _plain_text(rec: Prepared) -> str:
    """The one Latin form the prefilter may judge a record by ("" when it has others), without
    the designations that count for little ("koninklijke dsm" is "dsm")."""
    if len(rec.latin) != 1 or rec.ja or rec.cut:
        return ""
    return " ".join(t for t in rec.latin[0] if not is_designation(t))


# ---------------------------------------------------------------------------------------------
# Stage 4: cluster


class _Clusters:
    """Union-find whose roots carry what forbids a merge: classes, corporate numbers, cannot-links."""

    def __init__(self, prepared: Sequence[Prepared]) -> None:
        self.parent = list(range(len(prepared)))
        self.members: dict[int, list[int]] = {i: [i] for i in range(len(prepared))}
        self.classes: dict[int, set[str]] = {r.index: {r.klass} - {""} for r in prepared}
        self.jcns: dict[int, set[str]] = {r.index: {r.jcn} - {""} for r in prepared}
        self.apart: dict[int, set[int]] = defaultdict(set)
        # Members whose name goes on after the legal form with words that may name a site.
        self.sites: dict[int, list[int]] = {r.index: [r.index] for r in prepared if r.site}

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def keep_apart(self, a: int, b: int) -> None:
        self.apart[a].add(b)
        self.apart[b].add(a)

    def allowed(self, ra: int, rb: int) -> bool:
        if len(self.classes[ra] | self.classes[rb]) > 1:
            return False
        if len(self.jcns[ra] | self.jcns[rb]) > 1:
            return False
        small, other = (ra, rb) if len(self.members[ra]) <= len(self.members[rb]) else (rb, ra)
        for i in self.members[small]:
            for j in self.apart.get(i, ()):
                if self.find(j) == other:
                    return False
        return True

    def union(self, ra: int, rb: int) -> int:
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        self.classes[ra] |= self.classes.pop(rb)
        self.jcns[ra] |= self.jcns.pop(rb)
        if rb in self.sites:
            self.sites.setdefault(ra, []).extend(self.sites.pop(rb))
        return ra


def cluster(
    prepared: Sequence[Prepared],
    scored: dict[tuple[int, int], float],
    weights: Weights,
    *,
    threshold: float,
    link_threshold: float,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    config: ScoreConfig = ScoreConfig(),
    max_check: int = 400,
) -> list[list[int]]:
    """Merge pairs at or above `threshold`, best first, without chaining through a bridge.

    Two clusters join only if the average score over all their cross pairs (scored on demand)
    reaches `link_threshold`, no cannot-link pair would end up together, and classes and
    corporate numbers agree. User merges (must_link) are applied first and always win.
    """
    clusters = _Clusters(prepared)
    for a, b in cannot_link:
        clusters.keep_apart(a, b)
    for a, b in must_link:
        ra, rb = clusters.find(a), clusters.find(b)
        if ra != rb:
            clusters.union(ra, rb)
    cache: dict[tuple[int, int], float | None] = {}

    def pair_score(i: int, j: int) -> float | None:
        """The pair's score, or None when the two names share no script to compare in."""
        key = (i, j) if i < j else (j, i)
        if key in cache:
            return cache[key]
        if key in scored:
            # Already scored, by the scorer or by another matcher (spider.properties links a
            # katakana name to its English one, which the name scorer alone rates low).
            cache[key] = scored[key]
            return cache[key]
        value, breakdown = score_pair(prepared[key[0]], prepared[key[1]], weights, config)
        cache[key] = None if breakdown.get("names_compared") == "" else value
        return cache[key]

    def sites_apart(ra: int, rb: int) -> bool:
        """Two sites ("… Corp. - Hope for Youth", "… Corp. - Just For You") join only if their
        whole names match, even when the operator's bare name would bridge them."""
        sites = clusters.sites
        return any(
            (score := pair_score(i, j)) is None or score < threshold
            for i in sites.get(ra, ()) for j in sites.get(rb, ())
        )  # fmt: skip

    # Best first; equal scores (to float noise) in pair order, so the result never depends on
    # the last bit of a sum.
    edges = sorted(((s, p) for p, s in scored.items() if s >= threshold),
                   key=lambda e: (-round(e[0], 6), e[1]))  # fmt: skip
    for _, (a, b) in edges:
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb or not clusters.allowed(ra, rb):
            continue
        ma, mb = clusters.members[ra], clusters.members[rb]
        if len(ma) * len(mb) > 1:
            if len(ma) * len(mb) <= max_check:
                scores = (pair_score(i, j) for i in ma for j in mb)
            else:  # a sample keeps the check linear on huge clusters
                scores = (pair_score(i, j) for i in ma[:20] for j in mb[:20])
            cross = [x for x in scores if x is not None]
            if cross and sum(cross) / len(cross) < link_threshold:
                continue
        if sites_apart(ra, rb):
            continue
        clusters.union(ra, rb)
    return [sorted(m) for m in clusters.members.values()]


# ---------------------------------------------------------------------------------------------
# The in-memory pipeline (used by the stage and by the benchmarks)


@dataclass
class Resolution:
    """Everything one run computed, for the stage, `--explain-blocking` and the benchmarks.

    Records with identical comparable features are collapsed onto one representative before
    blocking (`rep_of`), so 300 copies of one name cost one comparison, not 45,000. `pairs`,
    `scores` and `review` are over representatives; `clusters` are over records.
    """

    reps: list[Prepared]  # one per distinct signature, re-indexed 0..n-1
    rep_of: list[int]  # record index → representative index
    pairs: Candidates  # candidate representative pairs → blocking rule
    scores: dict[tuple[int, int], float]  # pairs scoring at least the review threshold
    clusters: list[list[int]]
    review: list[tuple[int, int, float]]
    weights: Weights

    def cluster_of(self) -> list[int]:
        out = [0] * len(self.rep_of)
        for members in self.clusters:
            for i in members:
                out[i] = members[0]
        return out

    def proposed(self, i: int, j: int) -> bool:
        """Whether blocking let records i and j be compared (or they were identical)."""
        a, b = self.rep_of[i], self.rep_of[j]
        return a == b or (min(a, b), max(a, b)) in self.pairs

    def members_of(self, rep: int) -> list[int]:
        return [i for i, r in enumerate(self.rep_of) if r == rep]


def _signature(rec: Prepared) -> tuple:
    return (rec.klass, rec.names, rec.latin, rec.cut, rec.site, rec.phone, rec.domain, rec.jcn,
            rec.postal, rec.address, rec.city, rec.lat, rec.lon)  # fmt: skip


def collapse(
    prepared: Sequence[Prepared], keep: set[int] = frozenset(), *, in_place: bool = False
) -> tuple[list[Prepared], list[int]]:
    """Representatives of records with identical comparable features; `keep` stay alone.

    `in_place` re-indexes the representatives themselves instead of copies (for records
    prepared just for this run: a copy of 100,000 records costs half a second).
    """
    reps: list[Prepared] = []
    rep_of: list[int] = []
    seen: dict[tuple, int] = {}
    for rec in prepared:
        sig = None if rec.index in keep else _signature(rec)
        rep = seen.get(sig) if sig is not None else None
        if rep is None:
            rep = len(reps)
            if in_place:
                rec.index = rep
                reps.append(rec)
            else:
                reps.append(replace(rec, index=rep))
            if sig is not None:
                seen[sig] = rep
        rep_of.append(rep)
    return reps, rep_of


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: resolving builds millions of small tuples and no
    cycles, and at 100,000 records the collector's full passes took a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # Everything allocated meanwhile would be scanned at the first collection after
            # enable (0.3 s at 100,000 records): it holds no cycles, so it is moved out of the
            # collector's sight; reference counting still frees it.
            gc.freeze()
            gc.enable()


def resolve_records(
    rows: Sequence[dict[str, Any]],
    *,
    match_threshold: float = 90.0,
    review_threshold: float = 75.0,
    link_threshold: float | None = None,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    extra_scores: Iterable[tuple[int, int, float]] = (),
    config: ScoreConfig = ScoreConfig(),
    max_block: int = 60,
    workers: int | None = None,
) -> Resolution:
    """Prepare, block, score and cluster rows (dicts in the field vocabulary), all in memory.

    must_link / cannot_link are pairs of row indexes (user decisions). extra_scores are scored
    pairs of row indexes found by another matcher (spider.properties): they join the scored
    pairs and go through the same clustering checks, unlike user decisions.
    """
    with _no_cyclic_gc():
        return _resolve(rows, match_threshold, review_threshold, link_threshold, must_link,
                        cannot_link, extra_scores, config, max_block, workers)  # fmt: skip


def _resolve(
    rows: Sequence[dict[str, Any]],
    match_threshold: float,
    review_threshold: float,
    link_threshold: float | None,
    must_link: Iterable[tuple[int, int]],
    cannot_link: Iterable[tuple[int, int]],
    extra_scores: Iterable[tuple[int, int, float]],
    config: ScoreConfig,
    max_block: int,
    workers: int | None,
) -> Resolution:
    workers = default_workers() if workers is None else max(1, workers)
    prepared = prepare_records(rows, workers=workers)
    must, cannot = list(must_link), list(cannot_link)
    decided = {i for pair in must + cannot for i in pair}
    reps, rep_of = collapse(prepared, decided, in_place=True)
    del prepared
    weights = Weights(reps)
    pairs = block(reps, weights, max_block=max_block, workers=workers)
    keep = min(review_threshold, match_threshold)
    scores = score_candidates(reps, weights, pairs, config, keep=keep, workers=workers)
    for a, b, value in extra_scores:
        ra, rb = rep_of[a], rep_of[b]
        if ra != rb:
            key = (min(ra, rb), max(ra, rb))
            scores[key] = max(scores.get(key, 0.0), value)
    if link_threshold is None:
        link_threshold = (match_threshold + review_threshold) / 2
    rep_cannot = [(rep_of[a], rep_of[b]) for a, b in cannot]
    rep_clusters = cluster(
        reps, scores, weights, threshold=match_threshold, link_threshold=link_threshold,
        must_link=[(rep_of[a], rep_of[b]) for a, b in must], cannot_link=rep_cannot,
        config=config,
    )  # fmt: skip
    owner = [0] * len(reps)
    for members in rep_clusters:
        for i in members:
            owner[i] = members[0]
    by_rep: dict[int, list[int]] = defaultdict(list)
    for i, rep in enumerate(rep_of):
        by_rep[rep].append(i)
    clusters = [sorted(i for rep in members for i in by_rep[rep]) for members in rep_clusters]
    forbidden = {(min(a, b), max(a, b)) for a, b in rep_cannot}
    review = sorted(
        ((a, b, s) for (a, b), s in scores.items()
         if review_threshold <= s < match_threshold and owner[a] != owner[b]
         and (a, b) not in forbidden),
        key=lambda x: -x[2],
    )  # fmt: skip
    return Resolution(reps, rep_of, pairs, scores, clusters, review, weights)


# ---------------------------------------------------------------------------------------------
# Stage 5: survivorship


def _trust(record: dict[str, Any], trust: dict[str, int]) -> tuple:
    """Sort key, best first: trusted source, then most complete, then newest, then oldest id."""
    source = str(record.get("source") or "")
    rank = min((r for pattern, r in trust.items() if pattern in source), default=50)
    if record.get("corporate_number"):
        rank -= 20  # a registry row knows its own legal facts best
    filled = sum(1 for f in COMPANY_FIELDS if record.get(f) not in (None, ""))
    stamp = str(
        record.get("updated_at") or record.get("fetched_at") or record.get("ingested_at") or ""
    )
    return (rank, -filled, _neg(stamp), record.get("id") or 0)


def _neg(stamp: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in stamp)


# Field → rule. "trusted": first non-empty value in trust order. "longest": the fullest text.
# "pair": lat and lon come together from one record. "latin"/"japanese": a name in that script.
SURVIVORSHIP: dict[str, str] = {f: "trusted" for f in COMPANY_FIELDS}
SURVIVORSHIP.update({"description": "longest", "lat": "pair", "lon": "pair", "name_en": "latin",
                     "name_local": "japanese"})  # fmt: skip


def survive(
    records: Sequence[dict[str, Any]], trust: dict[str, int] | None = None
) -> dict[str, Any]:
    """A company's fields from its records, by the explicit rules in `SURVIVORSHIP`."""
    ordered = sorted(records, key=lambda r: _trust(r, trust or {}))
    company: dict[str, Any] = {}
    for fld, rule in SURVIVORSHIP.items():
        values = [r.get(fld) for r in ordered if r.get(fld) not in (None, "")]
        if rule == "longest":
            company[fld] = max(values, key=lambda v: len(str(v)), default=None)
        elif rule == "pair":
            located = next(
                (r for r in ordered if r.get("lat") is not None and r.get("lon") is not None), None
            )
            company[fld] = located.get(fld) if located else None
        elif rule == "latin":
            names = values or [
                r.get("name") for r in ordered if r.get("name") and not is_japanese(r["name"])
            ]
            company[fld] = names[0] if names else None
        elif rule == "japanese":
            names = values or [
                r.get(f) for r in ordered for f in ("name", "legal_name")
                if r.get(f) and is_japanese(r[f])
            ]  # fmt: skip
            company[fld] = names[0] if names else None
        else:
            company[fld] = values[0] if values else None
    company["record_count"] = len(records)
    return company


# ---------------------------------------------------------------------------------------------
# The stage


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _decision_pairs(db: sqlite_utils.Database, index_of: dict[str, int]) -> tuple[list, list]:
    must, cannot = [], []
    for kind, ka, kb in db.execute(
        "select kind, record_key_a, record_key_b from decisions order by id"
    ):
        a, b = index_of.get(ka), index_of.get(kb)
        if a is None or b is None or a == b:
            continue
        (must if kind == "merge" else cannot).append((a, b))
    return must, cannot


def resolve_companies(db: sqlite_utils.Database, settings: Any) -> str:
    """Cluster active records into companies; rewrite companies, record_links and pending review.

    Company id = the smallest record id in its cluster, so ids stay stable across runs.
    Decisions (merge / split / keep_apart, by record key) are respected on every run.
    """
    extra = getattr(settings, "extra", {}) or {}
    match = float(getattr(settings, "match_threshold", 90.0))
    review = float(getattr(settings, "review_threshold", 75.0))
    rows = [dict(r) for r in db.query(
        "select * from records where coalesce(status, 'active') = 'active' order by id")]  # fmt: skip
    index_of = {r["record_key"]: i for i, r in enumerate(rows)}
    must, cannot = _decision_pairs(db, index_of)
    from spider.properties import property_links

    result = resolve_records(
        rows, match_threshold=match, review_threshold=review,
        link_threshold=extra.get("link_threshold"), must_link=must, cannot_link=cannot,
        extra_scores=[(a, b, score) for a, b, score, _why in property_links(rows)],
        max_block=int(extra.get("max_block", 60)), workers=extra.get("workers"),
    )  # fmt: skip
    trust = extra.get("source_trust") or {}
    companies, links = [], []
    reps, rep_of = result.reps, result.rep_of
    for members in result.clusters:
        recs = [rows[i] for i in members]
        company_id = min(r["id"] for r in recs)
        company = survive(recs, trust)
        company["id"] = company_id
        companies.append(company)
        anchor = min(members, key=lambda i: rows[i]["id"])
        for i in members:
            if i == anchor:
                score, rule = 100.0, "anchor" if len(members) > 1 else "single"
            elif rep_of[i] == rep_of[anchor]:
                score, rule = 100.0, "identical"
            else:
                key = (min(rep_of[i], rep_of[anchor]), max(rep_of[i], rep_of[anchor]))
                score = result.scores.get(key)
                if score is None:
                    score = score_pair(reps[key[0]], reps[key[1]], result.weights)[0]
                rule = _link_rule(result, rep_of[i], {rep_of[m] for m in members})
            links.append({"record_id": rows[i]["id"], "company_id": company_id,
                          "score": round(score, 1), "rule": rule})  # fmt: skip
    decided = {
        (a, b) for a, b in db.execute(
            "select record_a, record_b from review_queue where status != 'pending'")
    }  # fmt: skip
    first_record: dict[int, int] = {}
    for i, rep in enumerate(rep_of):
        first_record.setdefault(rep, i)
    queue = []
    for a, b, s in result.review:
        ra, rb = first_record[a], first_record[b]
        ida, idb = sorted((rows[ra]["id"], rows[rb]["id"]))
        if (ida, idb) in decided:
            continue
        _, breakdown = score_pair(reps[a], reps[b], result.weights)
        queue.append({"record_a": ida, "record_b": idb, "score": round(s, 1),
                      "breakdown": json.dumps(breakdown, ensure_ascii=False), "status": "pending"})  # fmt: skip
    with db.conn:
        db.execute("delete from record_links")
        db.execute("delete from companies")
        db.execute("delete from review_queue where status = 'pending'")
        if companies:
            db["companies"].insert_all(companies, batch_size=1000)
            db["record_links"].insert_all(links, batch_size=1000)
        if queue:
            db["review_queue"].insert_all(queue, batch_size=1000, ignore=True)
    merged = sum(1 for c in companies if c["record_count"] > 1)
    return (f"{len(rows)} records resolved into {len(companies)} companies "
            f"({merged} from several records; {len(queue)} pairs to review)")  # fmt: skip


def _link_rule(result: Resolution, rep: int, members: set[int]) -> str:
    """The blocking rule of this record's strongest pair inside its cluster, for the audit trail."""
    best, rule = -1.0, "decision"
    for other in members:
        if other == rep:
            continue
        key = (min(rep, other), max(rep, other))
        score = result.scores.get(key)
        if score is not None and score > best:
            best, rule = score, result.pairs.get(key, "decision")
    return rule


# ---------------------------------------------------------------------------------------------
# Review, merge, split, records: the library behind the CLI


def _record_keys(db: sqlite_utils.Database, record_ids: Iterable[int]) -> dict[int, str]:
    ids = list(record_ids)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found = dict(
        db.execute(f"select id, record_key from records where id in ({marks})", ids).fetchall()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise ResolveError(f"no record with id {missing[0]}; `spider records` lists the ids")
    return found


def add_decision(
    db: sqlite_utils.Database, kind: str, key_a: str, key_b: str, note: str = ""
) -> None:
    """Store one user decision (merge, keep_apart or split) between two records, by stable key."""
    if kind not in ("merge", "keep_apart", "split"):
        raise ValueError(f"unknown decision {kind!r}")
    db["decisions"].insert({"kind": kind, "record_key_a": key_a, "record_key_b": key_b,
                            "note": note, "decided_at": _now()})  # fmt: skip


def company_records(db: sqlite_utils.Database, company_id: int) -> list[int]:
    ids = [r[0] for r in db.execute(
        "select record_id from record_links where company_id = ? order by record_id", [company_id])]  # fmt: skip
    if not ids:
        raise ResolveError(f"no company with id {company_id}; `spider records` shows company ids")
    return ids


def merge_companies(
    db: sqlite_utils.Database, company_a: int, company_b: int, note: str = ""
) -> str:
    """Record that two companies are one: a merge decision between their anchor records."""
    if company_a == company_b:
        raise ResolveError(f"company {company_a} given twice; name two different companies")
    ids_a, ids_b = company_records(db, company_a), company_records(db, company_b)
    keys = _record_keys(db, [ids_a[0], ids_b[0]])
    with db.conn:
        add_decision(db, "merge", keys[ids_a[0]], keys[ids_b[0]], note)
        # Undo earlier keep-apart/split decisions between these two companies.
        keys_a = list(_record_keys(db, ids_a).values())
        keys_b = list(_record_keys(db, ids_b).values())
        _delete_apart(db, keys_a, keys_b)
    return f"companies {company_a} and {company_b} will be one company"


def _delete_apart(db: sqlite_utils.Database, keys_a: list[str], keys_b: list[str]) -> None:
    for ka in keys_a:
        for kb in keys_b:
            db.execute(
                "delete from decisions where kind in ('keep_apart', 'split') and "
                "((record_key_a = ? and record_key_b = ?) or (record_key_a = ? and record_key_b = ?))",
                [ka, kb, kb, ka],
            )


def split_company(db: sqlite_utils.Database, company_id: int, record_ids: Sequence[int],
                  note: str = "") -> str:  # fmt: skip
    """Take records out of a company: split decisions keep them apart from the rest, for good.

    The records taken out stay together (merge decisions among them) as a new company.
    """
    members = company_records(db, company_id)
    outside = [r for r in record_ids if r not in members]
    if outside:
        raise ResolveError(
            f"record {outside[0]} is not in company {company_id}; see `spider records`"
        )
    rest = [r for r in members if r not in record_ids]
    if not rest:
        raise ResolveError(
            f"that would take every record out of company {company_id}; leave one in"
        )
    keys = _record_keys(db, members)
    with db.conn:
        for r in record_ids:
            for m in rest:
                add_decision(db, "split", keys[r], keys[m], note)
        for a, b in zip(record_ids, record_ids[1:], strict=False):
            add_decision(db, "merge", keys[a], keys[b], note)
        # Earlier merge decisions across the cut would fight the split: drop them.
        for r in record_ids:
            for m in rest:
                db.execute(
                    "delete from decisions where kind = 'merge' and ((record_key_a = ? and "
                    "record_key_b = ?) or (record_key_a = ? and record_key_b = ?))",
                    [keys[r], keys[m], keys[m], keys[r]],
                )
    return f"{len(record_ids)} record(s) taken out of company {company_id}"


def pending_reviews(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Pending review pairs, best score first, each with both records."""
    rows = [dict(r) for r in db.query(
        "select * from review_queue where status = 'pending' order by score desc, id")]  # fmt: skip
    for row in rows:
        row["a"] = db["records"].get(row["record_a"])
        row["b"] = db["records"].get(row["record_b"])
        row["breakdown"] = json.loads(row["breakdown"] or "{}")
    return rows


def decide_review(db: sqlite_utils.Database, review_id: int, verdict: str) -> None:
    """Apply a review verdict: 'merge' or 'keep_apart' store a decision; 'skip' leaves it pending."""
    if verdict == "skip":
        return
    if verdict not in ("merge", "keep_apart"):
        raise ResolveError(f"unknown verdict {verdict!r}; use merge, keep_apart or skip")
    row = db.execute(
        "select record_a, record_b from review_queue where id = ?", [review_id]
    ).fetchone()
    if row is None:
        raise ResolveError(f"no review pair {review_id}; run `spider dedupe` to refill the queue")
    keys = _record_keys(db, row)
    with db.conn:
        add_decision(db, verdict, keys[row[0]], keys[row[1]], "review")
        db["review_queue"].update(review_id, {"status": verdict, "decided_at": _now()})


RECORD_COLUMNS = ("id", "company_id", "source", "source_row", "name", "name_en", "legal_name",
                  "corporate_number", "category", "phone", "website", "city", "score", "rule")  # fmt: skip


def list_records(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """Every ingested record with its source, its row in that source and its company (audit trail)."""
    sql = (
        "select r.id, l.company_id, r.source, r.source_row, r.name, r.name_en, r.legal_name, "
        "r.corporate_number, r.category, r.phone, r.website, r.city, l.score, l.rule "
        "from records r left join record_links l on l.record_id = r.id order by r.id"
    )
    for row in db.execute(sql):
        yield dict(zip(RECORD_COLUMNS, row, strict=True))


def read_truth(
    path: str, prepared: Sequence[Prepared], rows: Sequence[dict[str, Any]]
) -> dict[int, str]:
    """A labelled file (record id or source row, entity) → prepared index → entity, for explain."""
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = [f.casefold() for f in reader.fieldnames or []]
            id_col = next(
                (c for c in ("record_id", "id", "source_row", "unique_id") if c in fields), None
            )
            ent_col = next(
                (
                    c
                    for c in ("entity_id", "entity", "true_id", "true id", "cluster")
                    if c in fields
                ),
                None,
            )
            if not id_col or not ent_col:
                raise InputError(f"{path}: needs a record id column (id, record_id or source_row) "
                                 "and an entity column (entity_id)")  # fmt: skip
            labels = {row[reader.fieldnames[fields.index(id_col)]]: row[reader.fieldnames[fields.index(ent_col)]]
                      for row in reader}  # fmt: skip
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the --truth path") from None
    key = "source_row" if id_col in ("source_row", "unique_id") else "id"
    return {p.index: labels[str(rows[p.index].get(key))] for p in prepared
            if str(rows[p.index].get(key)) in labels}  # fmt: skip


def explain_db_blocking(
    db: sqlite_utils.Database, settings: Any, truth_path: str | None = None
) -> list[dict[str, Any]]:
    """`spider dedupe --explain-blocking` on the records in the database."""
    rows = [dict(r) for r in db.query(
        "select * from records where coalesce(status, 'active') = 'active' order by id")]  # fmt: skip
    prepared = prepare_records(rows)
    truth = read_truth(truth_path, prepared, rows) if truth_path else None
    extra = getattr(settings, "extra", {}) or {}
    return explain_blocking(prepared, truth=truth, max_block=int(extra.get("max_block", 60)))


# ---------------------------------------------------------------------------------------------
# Text output for the CLI


def format_records(rows: Iterable[dict[str, Any]], fmt: str = "table") -> Iterator[str]:
    """Lines of `spider records` output: an aligned table, CSV (with header) or JSON Lines."""
    if fmt == "json":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False)
        return
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=RECORD_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
        yield from buffer.getvalue().splitlines()
        return
    columns = ("id", "company_id", "source", "source_row", "name", "rule")
    yield "  ".join(f"{c:<{w}}" for c, w in zip(columns, (6, 10, 28, 12, 40, 12), strict=True))
    for row in rows:
        source = str(row["source"] or "")
        source = source if len(source) <= 28 else "…" + source[-27:]
        values = (row["id"], row["company_id"] or "", source, row["source_row"] or "",
                  (row["name"] or row["name_en"] or row["legal_name"] or "")[:40], row["rule"] or "")  # fmt: skip
        yield "  ".join(f"{v!s:<{w}}" for v, w in zip(values, (6, 10, 28, 12, 40, 12), strict=True))


REVIEW_FIELDS = ("name", "name_en", "legal_name", "name_kana", "corporate_number", "category",
                 "address", "city", "phone", "website", "source", "source_row")  # fmt: skip


def format_review(item: dict[str, Any]) -> str:
    """One review pair side by side, with the score broken down by field."""
    a, b = item["a"], item["b"]
    lines = [f"Pair {item['id']}: record {a['id']} vs record {b['id']}, score {item['score']}"]
    for fld in REVIEW_FIELDS:
        va, vb = a.get(fld) or "", b.get(fld) or ""
        if va or vb:
            lines.append(f"  {fld:<16} {str(va)[:38]:<38} | {str(vb)[:38]}")
    parts = ", ".join(f"{k} {v}" for k, v in item["breakdown"].items())
    lines.append(f"  score by field: {parts}")
    return "\n".join(lines)


def format_blocking(rows: Sequence[dict[str, Any]]) -> Iterator[str]:
    """`spider dedupe --explain-blocking` as an aligned table."""
    labelled = "true_missed" in rows[0] if rows else False
    head = f"{'rule':<18}{'blocks':>9}{'oversized':>11}{'pairs':>10}{'new pairs':>11}"
    yield head + (f"{'true found':>12}{'true missed':>13}" if labelled else "")
    for row in rows:
        line = (f"{row['rule']:<18}{row['blocks']:>9}{row['oversized']:>11}{row['pairs']:>10}"
                f"{row['new_pairs']:>11}")  # fmt: skip
        if labelled:
            line += f"{row['true_found']:>12}{row['true_missed']:>13}"
        yield line
    if labelled and rows:
        yield f"blocking recall: {rows[-1]['recall']:.4f}"
