"""Stage 2, block: candidate pairs from rare name tokens, word pairs, typo keys, sounds, hard
keys and place, each pair with the first rule that proposed it. Blocks are grouped with numpy
so a million candidate pairs cost megabytes, not a Python dict.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from spider.resolve import parallel
from spider.resolve.kana import skeleton
from spider.resolve.prepare import Prepared, Weights

BLOCK_RULES = ("corporate_number", "phone", "domain", "address", "exact_name", "rare_token",
               "token_pair", "fuzzy_token", "sound", "place_word")  # fmt: skip
# Rules that propose a pair on names alone: such a pair is scored only if rapidfuzz's
# token_sort_ratio (C, cheap) says the names could be alike at all.
NAME_RULES = frozenset({"rare_token", "token_pair", "fuzzy_token", "sound", "place_word"})
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
RULE_ID = {rule: n for n, rule in enumerate(BLOCK_RULES)}
_IDENTITY_IDS = [RULE_ID[r] for r in IDENTITY_RULES]


def record_keys(
    reps: Sequence[Prepared], weights: Weights, limits: BlockLimits, start: int = 0,
    stop: int | None = None,
) -> np.ndarray:  # fmt: skip
    """(rule id, key hash, record index, tag hash) rows for records start..stop: pure per record,
    so any slice can be computed anywhere and the rows concatenated."""
    out = array("q")
    rule_id = RULE_ID
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
    cap[rules == RULE_ID["token_pair"]] = min(limits.pair_block, limits.max_block)
    cap[rules == RULE_ID["place_word"]] = min(limits.place_block, limits.max_block)
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
    if parallel.worth_forking(len(reps), workers):
        parts = parallel.map_slices(_keys_slice, parallel.slices(len(reps), 2 * workers),
                                    workers, (reps, weights, limits))
        return np.concatenate(parts)
    return record_keys(reps, weights, limits)


def _keys_slice(state: tuple[Sequence[Prepared], Weights, BlockLimits],
                bounds: parallel.Bounds) -> np.ndarray:
    reps, weights, limits = state
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
