"""Stage 2, block: candidate pairs from rare name tokens, word pairs, typo keys, sounds, hard
keys and place, each pair with the first rule that proposed it. Blocks are grouped with numpy
so a million candidate pairs cost megabytes, not a Python dict.
"""

from __future__ import annotations

import math
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from spider.resolve import parallel
from spider.resolve.kana import skeleton
from spider.resolve.prepare import Prepared, Weights

BLOCK_RULES = ("corporate_number", "phone", "domain", "address", "exact_name", "rare_token",
               "token_pair", "fuzzy_token", "sound", "place_word", "near")  # fmt: skip
# Rules that propose a pair on names alone: such a pair is scored only if rapidfuzz's
# token_sort_ratio (C, cheap) says the names could be alike at all.
NAME_RULES = frozenset({"rare_token", "token_pair", "fuzzy_token", "sound", "place_word"})
# Rules whose keys are identities: an oversized block is chained, not dropped.
IDENTITY_RULES = frozenset({"corporate_number", "phone", "exact_name"})
# Rules whose common keys are taken within each place (a phone or a corporate number is one
# organisation wherever it is listed; place_word keys carry their place already).
PLACE_SPLIT_RULES = frozenset(BLOCK_RULES) - {"corporate_number", "phone", "place_word", "near"}
# Rules whose keys are kept for an update in place (spider.resolve.incremental): selective, a
# few per record. The typo keys (fuzzy_token, place_word) and the grid cells (`near`, found
# through an index on latitude instead) are not.
STORED_RULES = frozenset({"corporate_number", "phone", "domain", "exact_name", "address",
                          "rare_token", "token_pair", "sound"})  # fmt: skip
# A corporate number or a phone names one organisation wherever it is listed: a full run
# chains an oversized block of one, so every holder is a candidate, up to IDENTITY_CAP.
IDENTITY_CAP = 1000
# The rules whose common keys a full run takes within each place ("Summit Dental" names many
# firms across a country, few in one town): their keys are kept twice, as they are (a
# candidate if no more than `split_at` records hold one) and with the record's place (a
# candidate up to the rule's block cap).
SPLIT_STORED = STORED_RULES & PLACE_SPLIT_RULES


@dataclass(frozen=True)
class BlockLimits:
    """How selective a key must be to block on. Small sets afford big blocks; at 100,000
    records the limits tighten so the pair count stays near linear."""

    max_block: int = 60  # any key held by more records is skipped (identity keys are chained)
    rare_df: int = 60  # a name token held by more records is not rare enough on its own
    pair_block: int = 60  # two words together
    fuzzy_block: int = 40  # a word and the head or tail of another (typo keys)
    place_block: int = 60  # one place and a one-deletion variant of the rarest word
    near_block: int = 30  # records at one spot (a cell of NEAR_CELL_KM on one of four grids)
    # A key more records share than this is taken within each place (city, else postal code):
    # "Summit Dental" or "100 Main St" names many firms across a country, few in one town.
    split_at: int = 60

    @classmethod
    def for_size(cls, n: int, max_block: int = 60) -> BlockLimits:
        def scale(low: int, high: int) -> int:
            return max(low, min(high, 300_000 // max(n, 1)))

        # By name: two limits given by position once swapped (a national file split its
        # common keys at 30 records instead of 6, and scored twice the pairs).
        return cls(
            max_block=max_block, rare_df=scale(10, 60), pair_block=scale(PAIR_LOW, max_block),
            fuzzy_block=scale(FUZZY_LOW, 40), place_block=max_block,
            near_block=min(30, max_block), split_at=scale(SPLIT_LOW, max_block),
        )


PAIR_LOW, FUZZY_LOW, SPLIT_LOW = 12, 8, 6
# Records with coordinates are blocked by where they are, whatever their names (a Japanese
# and an English name of one hotel share no letter): on four grids of NEAR_CELL_KM cells, each
# shifted by half a cell, any two records within half a cell on both axes share a cell.
# 120 m cells: any two records within 60 m on both axes (the default same_spot_m) share one,
# and a dense downtown block seldom fills a cell past near_block.
NEAR_CELL_KM = 0.12
_KM_PER_DEGREE = 111.32


def near_cells(lat: float, lon: float) -> Iterator[str]:
    """The four grid cells a point lies in (one per half-cell shift)."""
    y = lat * _KM_PER_DEGREE / NEAR_CELL_KM
    x = lon * _KM_PER_DEGREE * math.cos(math.radians(lat)) / NEAR_CELL_KM
    for dy in (0.0, 0.5):
        for dx in (0.0, 0.5):
            yield f"{dy}{dx}:{math.floor(y + dy)}:{math.floor(x + dx)}"
PLACE_TAGS = False


def key_hash(text: str) -> int:
    """A stable signed 64-bit hash (the same in every process, unlike `hash`): the text's
    CRC-32 and Adler-32 side by side (half the cost of a cryptographic digest). A collision
    only adds a candidate, which scoring then turns down."""
    data = text.encode("utf-8")
    value = (zlib.crc32(data) << 32) | zlib.adler32(data)
    return value - (1 << 64) if value >= 1 << 63 else value


def rule_key(rule: str, key: str) -> int:
    """The kept key (`resolve_keys`) of a block key under RULE, before any place splits it:
    "phone" and a normalised number find every record holding that number. (`kept_of`
    writes the same hash inline: it runs for every key of a million records.)"""
    return key_hash(f"{rule}\x1f{key}")


def kept_of(rec: Prepared, triples: Iterable[tuple[str, str, str]],
            limits: BlockLimits) -> dict[int, int]:
    """{hash: cap} of the keys an update in place looks REC's candidates up under, from its
    block key TRIPLES (the rules not in STORED_RULES are passed over): CAP is how many holders
    a key may have and still block, as in a full run of this size."""
    place = rec.city or rec.postal
    out: dict[int, int] = {}
    for rule, key, _tag in triples:
        if rule not in STORED_RULES:
            continue
        if rule not in SPLIT_STORED:
            out[key_hash(f"{rule}\x1f{key}")] = IDENTITY_CAP
            continue
        out.setdefault(key_hash(f"{rule}\x1f{key}"), limits.split_at)
        if rule == "exact_name":  # an identity: an oversized block is chained, not dropped
            cap = IDENTITY_CAP
        elif rule == "token_pair":
            cap = min(limits.pair_block, limits.max_block)
        else:
            cap = limits.max_block
        out[key_hash(f"{rule}\x1f{key}\x1f{place}")] = cap
    return out


def _deletions(word: str) -> set[str]:
    """The word and every word one letter shorter: two words within one edit (a typo, a
    dropped or doubled letter, two letters swapped) share at least one of these."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def block_keys(
    rec: Prepared, weights: Weights, limits: BlockLimits = BlockLimits(), *,
    selective: bool = False,
) -> Iterator[tuple[str, str, str]]:
    """The (rule, key, tag) triples one record is blocked under (`selective`: without the
    typo keys, fuzzy_token and place_word, and the grid cells, as an update in place keeps
    them: spider.resolve.incremental).

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
    bigrams = sorted(rec.tokens() - latin_words, key=lambda t: (df.get(t, 0), t))
    for token in ranked[:2] + bigrams[:2]:
        if df.get(token, 0) <= limits.rare_df:
            yield "rare_token", token, ""
    for a, b in combinations(sorted(ranked[:3]), 2):
        # Two commoner tokens together are rare again ("harbor hotels"): word order free.
        yield "token_pair", f"{a} {b}", ""
        if len(a) >= 4 and len(b) >= 4 and not rec.ja and not selective:
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
    if place and not selective:
        # In one place, the rarest word may carry a typo (Lmupra ~ Lumpra) while no other
        # word is left whole: a place is selective enough to block on the word alone.
        word = next((t for t in ranked if len(t) >= 4), "")
        for variant in _deletions(word) if word else ():
            yield "place_word", f"{place} {variant}", word if PLACE_TAGS else ""
    if rec.house and rec.address:
        street = [t for t in rec.address.split() if not t.isdigit() and len(t) > 2]
        if street:
            yield "address", f"{rec.house} {street[0]}", ""
    if rec.block and len(rec.postal) == 7 and rec.postal.isdigit():
        # A Japanese postal code and the address's numbers: one address in either script
        # (〒110-0015 東上野5-5-6 and 5-5-6 Higashiueno 110-0015), whose words share nothing.
        # (Elsewhere the street address key above already meets the same address.)
        yield "address", f"{rec.postal}|{rec.block}", ""
    if rec.lat is not None and rec.lon is not None and not selective:
        for cell in near_cells(rec.lat, rec.lon):
            yield "near", cell, ""


# Blocks are grouped with numpy: every (rule, key) is hashed to one int64 and kept in narrow
# columns, so the 25 million keys of a million records cost 21 bytes each, not a Python tuple.
RULE_ID = {rule: n for n, rule in enumerate(BLOCK_RULES)}
_IDENTITY_IDS = [RULE_ID[r] for r in IDENTITY_RULES]
_SPLIT = np.array([rule in PLACE_SPLIT_RULES for rule in BLOCK_RULES])
_MASK32 = 0x7FFFFFFF


@dataclass
class Keys:
    """The block keys of some records, one row per (record, key), as parallel arrays."""

    rule: np.ndarray  # int8: index into BLOCK_RULES
    key: np.ndarray  # int64: hash of (rule, key)
    index: np.ndarray  # int32: the record's index
    tag: np.ndarray  # int32: hash of the tag, 0 for none
    place: np.ndarray  # int32: hash of the record's place, 0 for none
    # Asked for (`record_keys(kept=True)`): the keys an update in place keeps (`kept_of`),
    # record by record, and how many each record has, in record order.
    kept: np.ndarray | None = None  # int64
    kept_counts: np.ndarray | None = None  # int64

    def __len__(self) -> int:
        return len(self.key)

    @classmethod
    def concat(cls, parts: Sequence[Keys]) -> Keys:
        keys = cls(*(np.concatenate([getattr(p, f) for p in parts]) if parts else
                     np.zeros(0, dtype) for f, dtype in _KEY_DTYPES))  # fmt: skip
        if parts and all(p.kept is not None for p in parts):
            keys.kept = np.concatenate([p.kept for p in parts])
            keys.kept_counts = np.concatenate([p.kept_counts for p in parts])
        return keys

    def take(self, rows: np.ndarray) -> Keys:
        return Keys(*(getattr(self, f)[rows] for f, _ in _KEY_DTYPES))


_KEY_DTYPES = (("rule", np.int8), ("key", np.int64), ("index", np.int32), ("tag", np.int32),
               ("place", np.int32))  # fmt: skip


def record_keys(
    reps: Sequence[Prepared], weights: Weights, limits: BlockLimits, start: int = 0,
    stop: int | None = None, *, kept: bool = False,
) -> Keys:  # fmt: skip
    """The block keys of records start..stop: pure per record, so any slice can be computed
    anywhere and the parts concatenated. `kept`: also the keys an update in place keeps
    (worked out from the same triples, so a full run reads each record's keys once)."""
    rules, hashes, indexes, tags, places = array("b"), array("q"), array("i"), array("i"), array("i")
    kept_hashes, kept_counts = array("q"), array("q")
    rule_id = RULE_ID
    for rec in reps[start:stop]:
        seen: set[int] = set()
        index = rec.index
        place = rec.city or rec.postal
        place_hash = (hash(place) & _MASK32 or 1) if place else 0
        triples = list(block_keys(rec, weights, limits))
        if kept:
            mine = kept_of(rec, triples, limits)
            kept_hashes.extend(mine)
            kept_counts.append(len(mine))
        for rule, key, tag in triples:
            h = hash((rule, key))
            if h not in seen:
                seen.add(h)
                rules.append(rule_id[rule])
                hashes.append(h)
                indexes.append(index)
                tags.append((hash(tag) & _MASK32 or 1) if tag else 0)
                places.append(place_hash)
    keys = Keys(*(np.frombuffer(a, dtype=dtype) if len(a) else np.zeros(0, dtype)
                  for a, (_, dtype) in zip((rules, hashes, indexes, tags, places), _KEY_DTYPES,
                                           strict=True)))  # fmt: skip
    if kept:
        keys.kept = np.frombuffer(kept_hashes, np.int64) if len(kept_hashes) else np.zeros(0, np.int64)
        keys.kept_counts = (np.frombuffer(kept_counts, np.int64) if len(kept_counts)
                            else np.zeros(0, np.int64))
    return keys


def _groups(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row order by key, each block's first position in that order, and each block's size."""
    order = np.argsort(hashes)
    ordered = hashes[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(hashes)])
    return order, starts, sizes


def _split_by_place(keys: Keys, limits: BlockLimits) -> np.ndarray:
    """Key hashes with every common key of a splittable rule (one more than `split_at` records
    share) made specific to each record's place."""
    order, starts, sizes = _groups(keys.key)
    common = np.repeat((sizes > limits.split_at) & _SPLIT[keys.rule[order[starts]]], sizes)
    rows = order[common]
    hashes = keys.key.copy()
    if len(rows):
        hashes[rows] = hashes[rows] * 1_000_003 + keys.place[rows].astype(np.int64) + 1
    return hashes


def _limits_of(rules: np.ndarray, tagged: np.ndarray, limits: BlockLimits) -> np.ndarray:
    cap = np.full(len(rules), limits.max_block)
    cap[tagged] = min(limits.fuzzy_block, limits.max_block)
    cap[rules == RULE_ID["token_pair"]] = min(limits.pair_block, limits.max_block)
    cap[rules == RULE_ID["place_word"]] = min(limits.place_block, limits.max_block)
    cap[rules == RULE_ID["near"]] = min(limits.near_block, limits.max_block)
    return cap


def block_pairs(
    keys: Keys, limits: BlockLimits, n: int
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[int, int]]]:
    """Every pair each block proposes, as (a * n + b codes with a < b, rule ids), duplicates kept,
    and per rule id (blocks, oversized blocks skipped).

    A key shared by many records is first narrowed to each place (`_split_by_place`). Within
    a tagged block only members with different tags pair: the one-deletion keys of "printing"
    pair a typo ("prniting") with the 50 printers, not the printers with each other. An
    oversized identity block (one phone on 300 records) is chained, not dropped. Keys of
    different rules never share a block, so each rule is grouped on its own: the sorting
    costs memory for one rule's keys at a time, not for all of them.
    """
    by_rule = np.argsort(keys.rule, kind="stable")
    bounds = np.searchsorted(keys.rule[by_rule], np.arange(len(BLOCK_RULES) + 1))
    codes: list[np.ndarray] = []
    rule_ids: list[np.ndarray] = []
    counts: dict[int, tuple[int, int]] = {}
    for rule in range(len(BLOCK_RULES)):
        rows = by_rule[bounds[rule]:bounds[rule + 1]]
        if len(rows):
            _rule_pairs(keys.take(rows), rule, limits, n, codes, rule_ids, counts)
    del by_rule
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int8), counts
    return np.concatenate(codes), np.concatenate(rule_ids), counts


def _rule_pairs(keys: Keys, rule: int, limits: BlockLimits, n: int, codes: list[np.ndarray],
                rule_ids: list[np.ndarray], counts: dict[int, tuple[int, int]]) -> None:
    """The pairs of one rule's blocks, appended to `codes` and `rule_ids`."""
    order, starts, sizes = _groups(_split_by_place(keys, limits))
    tags = keys.tag[order[starts]]
    cap = _limits_of(np.full(len(starts), rule), tags != 0, limits)
    over = (sizes > cap) & (sizes > 1)
    identity = rule in _IDENTITY_IDS
    chained = over if identity else np.zeros(len(over), bool)
    counts[rule] = (len(starts), int((over & ~chained).sum()))
    index, tag = keys.index[order].astype(np.int64), keys.tag[order]  # in key order
    del order
    paired = (sizes > 1) & ~over
    for size in np.unique(sizes[paired]):
        chosen = paired & (sizes == size)
        members = starts[chosen][:, None] + np.arange(size)
        iu, ju = np.triu_indices(size, 1)
        a, b = index[members[:, iu]], index[members[:, ju]]
        ta, tb = tag[members[:, iu]], tag[members[:, ju]]
        keep = (ta == 0) | (ta != tb)
        found = (np.minimum(a, b) * n + np.maximum(a, b))[keep]
        codes.append(found)
        rule_ids.append(np.full(len(found), rule, dtype=np.int8))
    for first, size in zip(starts[chained], sizes[chained], strict=True):
        members = np.sort(index[first : first + size])
        codes.append(members[:-1] * n + members[1:])
        rule_ids.append(np.full(size - 1, rule, dtype=np.int8))


@dataclass
class Candidates:
    """Candidate pairs (a < b) with the first rule (in BLOCK_RULES order) that proposed each,
    held as sorted int64 codes a * n + b so a million pairs take 16 MB, not a Python dict."""

    codes: np.ndarray
    rules: np.ndarray
    n: int
    # `block(kept=True)`: each record's keys an update in place keeps (Keys.kept, kept_counts)
    kept: tuple[np.ndarray, np.ndarray] | None = None

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
              workers: int, kept: bool = False) -> Keys:  # fmt: skip
    if parallel.worth_forking(len(reps), workers, shared=len(reps)):
        parts = parallel.map_slices(_keys_slice, parallel.slices(len(reps), 2 * workers),
                                    workers, (reps, weights, limits, kept))
        return Keys.concat(parts)
    return record_keys(reps, weights, limits, kept=kept)


def _keys_slice(state: tuple[Sequence[Prepared], Weights, BlockLimits, bool],
                bounds: parallel.Bounds) -> Keys:
    reps, weights, limits, kept = state
    return record_keys(reps, weights, limits, *bounds, kept=kept)


def block(
    prepared: Sequence[Prepared], weights: Weights, *, max_block: int = 60, workers: int = 1,
    size: int | None = None, kept: bool = False,
) -> Candidates:
    """Candidate pairs (i < j) → the first rule that proposed them. Oversized blocks are
    skipped. `size`: the limits of a set that big (these records are part of it). `kept`:
    also each record's keys an update in place keeps (`Candidates.kept`)."""
    limits = BlockLimits.for_size(size or len(prepared), max_block)
    n = max(len(prepared), 1)
    keys = _all_keys(prepared, weights, limits, workers, kept)
    state = (keys.kept, keys.kept_counts) if keys.kept is not None else None
    keys.kept = keys.kept_counts = None
    codes, rules, _ = block_pairs(keys, limits, n)
    del keys
    order = np.lexsort((rules, codes))
    codes, rules = codes[order], rules[order]
    first = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, bool)
    return Candidates(codes[first], rules[first], n, state)  # type: ignore[arg-type]


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
