"""Resolution beyond one machine: the per-record, per-block and per-company stages on PySpark.

`spider dedupe --engine spark` prepares records, blocks them and scores the candidate pairs
on a Spark cluster (or `local[*]`), partitioned by block key; the driver then clusters the
scored pairs and writes SQLite exactly as the embedded engine does, so both give the same
companies. The signal build's per-company pass (each company's facts from its records)
runs there too (`map_groups`); the passes that need every company (signal rarity, terms,
operating groups) stay on the driver. The block rules, caps, place split, tags and chaining of oversized identity
blocks are spider.resolve.block's, restated over key-value pairs:

    records --prepare--> Prepared --keys--> (key, member) --group by key (one shuffle)-->
    split a common key by place, pairs of each block --first rule per pair--> score with both
    records (a broadcast copy, or joined by index) --> pairs at or above the review
    threshold, to the driver

Keys are stable 64-bit hashes (spider.resolve.incremental.key_hash), never Python's `hash`,
which differs between worker processes. PySpark is an optional extra (`pip install
'.[spark]'`, Java 17); on a cluster every executor needs Spider installed (the functions are
shipped by reference to this module). Where to point it: `--spark-master` or SPIDER_SPARK_MASTER
(`local[*]` by default; `spark://host:7077`, `yarn`, `k8s://...`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import combinations
from typing import Any, TypeVar

import numpy as np

from spider.errors import SpiderError
from spider.resolve.block import (
    _IDENTITY_IDS,
    PLACE_SPLIT_RULES,
    RULE_ID,
    BlockLimits,
    Candidates,
    block_keys,
    key_hash,
)
from spider.resolve.prepare import Prepared, Weights, prepare_record
from spider.resolve.score import ScoreConfig, _score_slice

DEFAULT_MASTER = "local[*]"
# Up to this many distinct records, every executor gets a copy of them to score pairs with
# (a broadcast join, a few hundred MB at most); beyond it, each pair's records are joined to
# it by index.
BROADCAST_RECORDS = 1_000_000
T = TypeVar("T")
_SPLIT_IDS = frozenset(RULE_ID[r] for r in PLACE_SPLIT_RULES)
_RULE_CAP = {RULE_ID["token_pair"]: "pair_block", RULE_ID["place_word"]: "place_block",
               RULE_ID["near"]: "near_block"}  # fmt: skip

# One block member: (rule id, record index, tag hash or 0, place hash or 0).
Member = tuple[int, int, int, int]


def session(master: str | None = None) -> Any:
    """A Spark session on MASTER (else SPIDER_SPARK_MASTER, else local[*]); a clear error if
    PySpark or Java is missing."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SpiderError("--engine spark needs PySpark: pip install 'spider[spark]' (or "
                          "'.[spark]' in a checkout), with Java 17 on the PATH") from None
    master = master or os.environ.get("SPIDER_SPARK_MASTER") or DEFAULT_MASTER
    if master.startswith("local"):
        # Workers run this interpreter (the one Spider is installed in), not the first
        # python3 on the PATH; on a cluster, PYSPARK_PYTHON names the executors' own.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        return (SparkSession.builder.master(master).appName("spider-dedupe")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "8")
                .getOrCreate())  # fmt: skip
    except Exception as exc:  # the JVM failed to start or the master is unreachable
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpiderError(f"Spark at {master} did not start ({first}); check Java 17 "
                          "(java -version) and --spark-master") from None


class SparkEngine:
    """Prepare, block and score on Spark; everything else stays with the caller."""

    def __init__(self, master: str | None = None, partitions: int | None = None, *,
                 broadcast_records: int = BROADCAST_RECORDS) -> None:
        self.spark = session(master)
        self.sc = self.spark.sparkContext
        self.sc.setLogLevel("ERROR")
        self.partitions = partitions or max(2, self.sc.defaultParallelism * 2)
        self.cores = self.sc.defaultParallelism
        self.broadcast_records = broadcast_records
        # (stage, items, seconds) of each Spark job, for the bench's per-core costs.
        self.timings: list[tuple[str, int, float]] = []

    def prepare(self, chunks: Iterable[list[dict[str, Any]]]) -> list[Prepared]:
        """Prepared records, indexes counting from 0 in the chunks' order."""
        numbered, start = [], 0
        for rows in chunks:
            numbered.append((start, rows))
            start += len(rows)
        if not numbered:
            return []
        started = time.perf_counter()
        rdd = self.sc.parallelize(numbered, min(len(numbered), self.partitions * 4))
        out = rdd.flatMap(_prepare_chunk).collect()
        out.sort(key=lambda rec: rec.index)
        self.timings.append(("prepare records", len(out), time.perf_counter() - started))
        return out

    def block_and_score(self, reps: Sequence[Prepared], weights: Weights, limits: BlockLimits,
                        config: ScoreConfig, keep: float,
                        ) -> tuple[Candidates, dict[tuple[int, int], float]]:
        """Candidate pairs (first rule each) and the scores of those at or above KEEP, as
        spider.resolve.block.block and spider.resolve.score.score_candidates give them."""
        started = time.perf_counter()
        n = max(len(reps), 1)
        shared = self.sc.broadcast((weights, limits, config, keep, n))
        records = self.sc.parallelize(list(reps), self.partitions)
        keys = records.mapPartitions(lambda recs: _keys_of(recs, shared.value))
        # One shuffle: each key's members meet in one partition, where a common key of a
        # splittable rule is split by place before its pairs are made.
        blocks = keys.groupByKey(self.partitions)
        firsts = blocks.flatMap(lambda kv: _key_pairs(kv[1], shared.value)).reduceByKey(min)
        firsts.persist()
        count = firsts.count()
        self.timings.append(("block (records)", len(reps), time.perf_counter() - started))
        started = time.perf_counter()
        if len(reps) <= self.broadcast_records:
            # Few enough records to send every executor a copy (a broadcast join): each pair
            # is scored where it lies, no record is shuffled.
            table = self.sc.broadcast(list(reps))
            parts = firsts.mapPartitions(
                lambda part: _score_broadcast(part, shared.value, table.value)).collect()
            table.unpersist()
        else:  # both records of each pair joined to it by index (two shuffles)
            by_index = records.map(lambda rec: (rec.index, rec))
            with_a = firsts.map(lambda cr: (cr[0] // n, cr)).join(by_index)
            with_b = with_a.map(lambda x: (x[1][0][0] % n, (x[1][0], x[1][1]))).join(by_index)
            parts = with_b.mapPartitions(lambda part: _score_part(part, shared.value)).collect()
        firsts.unpersist()
        shared.unpersist()
        codes = np.concatenate([p[0] for p in parts] or [np.zeros(0, np.int64)])
        rules = np.concatenate([p[1] for p in parts] or [np.zeros(0, np.int8)])
        order = np.argsort(codes)
        kept = sorted(pair for p in parts for pair in p[2])  # pair order, as embedded scoring
        self.timings.append(("score (pairs)", count, time.perf_counter() - started))
        return Candidates(codes[order], rules[order], n), dict(kept)

    def map_groups(self, func: Callable[[Any, Any], T], context: Any, groups: Iterable[Any], *,
                   wave: int = 50_000) -> Iterator[T]:
        """func(group, context) for every group, in order, on Spark: the groups are sent a
        wave at a time (the driver never holds more than a wave), CONTEXT once per wave's
        executors (broadcast). The signal build's per-company pass runs here."""
        shared = self.sc.broadcast(context)
        batch: list[Any] = []
        for group in groups:
            batch.append(group)
            if len(batch) >= wave:
                yield from self._wave(func, shared, batch)
                batch = []
        if batch:
            yield from self._wave(func, shared, batch)
        shared.unpersist()

    def _wave(self, func: Callable[[Any, Any], T], shared: Any, batch: list[Any]) -> list[T]:
        started = time.perf_counter()
        rdd = self.sc.parallelize(batch, min(self.partitions, len(batch)))
        out = rdd.map(lambda group: func(group, shared.value)).collect()
        self.timings.append((f"{getattr(func, '__name__', 'map')} (groups)", len(batch),
                             time.perf_counter() - started))
        return out

    def report(self) -> list[str]:
        """One line per kind of Spark job: items, seconds, and microseconds per item and core."""
        totals: dict[str, list[float]] = {}
        for stage, items, seconds in self.timings:
            total = totals.setdefault(stage, [0, 0.0])
            total[0] += items
            total[1] += seconds
        return [f"  spark {stage}: {int(items)} in {seconds:.1f} s on {self.cores} cores "
                f"({seconds * self.cores / max(items, 1) * 1e6:.0f} µs each per core)"
                for stage, (items, seconds) in totals.items()]

    def stop(self) -> None:
        self.spark.stop()


def _prepare_chunk(numbered: tuple[int, list[dict[str, Any]]]) -> list[Prepared]:
    start, rows = numbered
    return [prepare_record(start + i, row) for i, row in enumerate(rows)]


def _keys_of(recs: Iterable[Prepared], shared: tuple) -> Iterator[tuple[int, Member]]:
    """(key hash, member) for every block key of every record, once per record and key."""
    weights, limits = shared[0], shared[1]
    for rec in recs:
        place = rec.city or rec.postal
        place_hash = key_hash(place) if place else 0
        seen: set[int] = set()
        for rule, key, tag in block_keys(rec, weights, limits):
            h = key_hash(f"{rule}\x1f{key}")
            if h not in seen:
                seen.add(h)
                yield h, (RULE_ID[rule], rec.index, (key_hash(tag) or 1) if tag else 0, place_hash)


def _key_pairs(members: Iterable[Member], shared: tuple) -> Iterator[tuple[int, int]]:
    """The pairs of one key's members: a common key of a splittable rule (held by more than
    split_at records) is taken within each place, as spider.resolve.block._split_by_place
    does, each place its own block."""
    block = list(members)
    if len(block) > shared[1].split_at and block[0][0] in _SPLIT_IDS:
        by_place: dict[int, list[Member]] = {}
        for member in block:
            by_place.setdefault(member[3], []).append(member)
        for part in by_place.values():
            yield from _pairs_of(part, shared)
    else:
        yield from _pairs_of(block, shared)


def _cap(rule: int, tagged: bool, limits: BlockLimits) -> int:
    """A block's size limit, as spider.resolve.block._limits_of sets it."""
    if rule in _RULE_CAP:
        return min(getattr(limits, _RULE_CAP[rule]), limits.max_block)
    return min(limits.fuzzy_block, limits.max_block) if tagged else limits.max_block


def _pairs_of(members: Iterable[Member], shared: tuple) -> Iterator[tuple[int, int]]:
    """(a * n + b, rule id) for the pairs one block proposes, as spider.resolve.block._rule_pairs:
    every pair within the cap (members of a tagged block only with other tags), an oversized
    identity block chained in index order, any other oversized block skipped."""
    limits, n = shared[1], shared[4]
    block = list(members)
    size = len(block)
    if size < 2:
        return
    rule = block[0][0]
    if size > _cap(rule, block[0][2] != 0, limits):
        if rule in _IDENTITY_IDS:
            ordered = sorted(m[1] for m in block)
            for a, b in zip(ordered, ordered[1:], strict=False):
                yield a * n + b, rule
        return
    for (_, a, ta, _), (_, b, tb, _) in combinations(block, 2):
        if ta == 0 or ta != tb:
            yield min(a, b) * n + max(a, b), rule


def _score_broadcast(part: Iterable[tuple[int, int]], shared: tuple, reps: list[Prepared],
                     ) -> Iterator[tuple[np.ndarray, np.ndarray, list[tuple[tuple[int, int], float]]]]:
    """`_score_part` for pairs whose records every executor holds (a broadcast list)."""
    weights, _, config, keep, n = shared
    pairs = list(part)
    array = np.array([code for code, _ in pairs], np.int64)
    rule_ids = np.array([rule for _, rule in pairs], np.int8)
    state = (reps, weights, config, array // n, array % n, rule_ids, keep)
    yield array, rule_ids, _score_slice(state, (0, len(pairs)))


def _score_part(part: Iterable[tuple[int, tuple]], shared: tuple,
                ) -> Iterator[tuple[np.ndarray, np.ndarray, list[tuple[tuple[int, int], float]]]]:
    """One partition's candidate pairs, as arrays (codes, rule ids: compact on the way back to
    the driver), and those of them scoring at or above the keep threshold."""
    weights, _, config, keep, n = shared
    local: dict[int, Prepared] = {}
    codes, rules = [], []
    for _b, (((code, rule), rec_a), rec_b) in part:
        local[rec_a.index] = rec_a
        local[rec_b.index] = rec_b
        codes.append(code)
        rules.append(rule)
    array, rule_ids = np.array(codes, np.int64), np.array(rules, np.int8)
    state = (local, weights, config, array // n, array % n, rule_ids, keep)
    yield array, rule_ids, _score_slice(state, (0, len(codes)))
