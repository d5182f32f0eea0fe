"""The in-memory pipeline: prepare, block, score and cluster rows (dicts in the field
vocabulary), used by the stage and by the benchmarks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from spider.resolve import parallel
from spider.resolve.block import BlockLimits, Candidates, block
from spider.resolve.cluster import ambiguous_placeless, cluster
from spider.resolve.prepare import Prepared, Weights, prepare_records
from spider.resolve.score import DEFAULT_SCORE, ScoreConfig, score_candidates
from spider.runtime import no_cyclic_gc


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
    prepared: Sequence[Prepared], keep: Collection[int] = frozenset(), *, in_place: bool = False
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


Progress = Callable[[str], None]


def resolve_records(
    rows: Sequence[dict[str, Any]],
    *,
    match_threshold: float = 90.0,
    review_threshold: float = 75.0,
    link_threshold: float | None = None,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    extra_scores: Iterable[tuple[int, int, float]] = (),
    config: ScoreConfig = DEFAULT_SCORE,
    max_block: int = 60,
    workers: int | None = None,
) -> Resolution:
    """Prepare, block, score and cluster rows (dicts in the field vocabulary), all in memory.

    must_link / cannot_link are pairs of row indexes (user decisions). extra_scores are scored
    pairs of row indexes found by another matcher (spider.resolve.properties): they join the scored
    pairs and go through the same clustering checks, unlike user decisions.
    """
    workers = parallel.default_workers() if workers is None else max(1, workers)
    with no_cyclic_gc():
        prepared = prepare_records(rows, workers=workers)
        return resolve_prepared(
            prepared, match_threshold=match_threshold, review_threshold=review_threshold,
            link_threshold=link_threshold, must_link=must_link, cannot_link=cannot_link,
            extra_scores=extra_scores, config=config, max_block=max_block, workers=workers)


def resolve_prepared(
    prepared: list[Prepared],
    *,
    match_threshold: float = 90.0,
    review_threshold: float = 75.0,
    link_threshold: float | None = None,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    extra_scores: Iterable[tuple[int, int, float]] = (),
    config: ScoreConfig = DEFAULT_SCORE,
    max_block: int = 60,
    workers: int | None = None,
    progress: Progress | None = None,
    weights: Weights | None = None,
    size: int | None = None,
    engine: Any = None,
    keep_keys: bool = False,
) -> Resolution:
    """`resolve_records` on records already prepared (indexes 0..n-1, in order); the list is
    re-indexed in place onto representatives. `progress` hears each step as it starts.

    `weights` and `size` resolve a few records as part of a larger whole (an update in place):
    token weights counted over all of it, and blocking limits for its size. `engine` blocks and
    scores elsewhere (spider.resolve.spark.SparkEngine); clustering stays here. `keep_keys`:
    blocking also works out the keys an update in place keeps (`Resolution.pairs.kept`)."""
    workers = parallel.default_workers() if workers is None else max(1, workers)
    with no_cyclic_gc():
        return _resolve(prepared, match_threshold, review_threshold, link_threshold, must_link,
                        cannot_link, extra_scores, config, max_block, workers, progress,
                        weights, size, engine, keep_keys)  # fmt: skip


def _resolve(
    prepared: list[Prepared],
    match_threshold: float,
    review_threshold: float,
    link_threshold: float | None,
    must_link: Iterable[tuple[int, int]],
    cannot_link: Iterable[tuple[int, int]],
    extra_scores: Iterable[tuple[int, int, float]],
    config: ScoreConfig,
    max_block: int,
    workers: int,
    progress: Progress | None,
    weights: Weights | None = None,
    size: int | None = None,
    engine: Any = None,
    keep_keys: bool = False,
) -> Resolution:
    say = progress or (lambda what: None)
    must, cannot = list(must_link), list(cannot_link)
    decided = {i for pair in must + cannot for i in pair}
    reps, rep_of = collapse(prepared, decided, in_place=True)
    prepared.clear()
    weights = weights or Weights(reps)
    keep = min(review_threshold, match_threshold)
    if engine is not None:
        say(f"blocking and scoring {len(reps)} distinct records on {type(engine).__name__}")
        limits = BlockLimits.for_size(size or len(reps), max_block)
        pairs, scores = engine.block_and_score(reps, weights, limits, config, keep)
    else:
        say(f"blocking {len(reps)} distinct records")
        pairs = block(reps, weights, max_block=max_block, workers=workers, size=size,
                      kept=keep_keys)
        say(f"scoring {len(pairs)} candidate pairs")
        scores = score_candidates(reps, weights, pairs, config, keep=keep, workers=workers)
    for a, b, value in extra_scores:
        ra, rb = rep_of[a], rep_of[b]
        if ra != rb:
            key = (min(ra, rb), max(ra, rb))
            scores[key] = max(scores.get(key, 0.0), value)
    if link_threshold is None:
        link_threshold = (match_threshold + review_threshold) / 2
    say("clustering")
    rep_cannot = [(rep_of[a], rep_of[b]) for a, b in cannot]
    held = ambiguous_placeless(reps, scores, match_threshold, config)
    rep_clusters = cluster(
        reps, scores, weights, threshold=match_threshold, link_threshold=link_threshold,
        must_link=[(rep_of[a], rep_of[b]) for a, b in must], cannot_link=rep_cannot,
        config=config, hold=held,
    )  # fmt: skip
    owner = [0] * len(reps)
    for members in rep_clusters:
        for i in members:
            owner[i] = members[0]
    if len(rep_of) == len(reps):  # nothing collapsed: clusters over records are the same
        clusters = rep_clusters
    else:
        by_rep: dict[int, list[int]] = defaultdict(list)
        for i, rep in enumerate(rep_of):
            by_rep[rep].append(i)
        clusters = [sorted(i for rep in members for i in by_rep[rep]) for members in rep_clusters]
    forbidden = {(min(a, b), max(a, b)) for a, b in rep_cannot}
    review = sorted(
        ((a, b, s) for (a, b), s in scores.items()
         if review_threshold <= s and (s < match_threshold or a in held or b in held)
         and owner[a] != owner[b] and (a, b) not in forbidden),
        key=lambda x: -x[2],
    )  # fmt: skip
    return Resolution(reps, rep_of, pairs, scores, clusters, review, weights)
