"""Stage 4, cluster: merge pairs best first, never through a bridge (average link over the
cross pairs), never across a cannot-link, a class (hotel vs organisation), two corporate
numbers or two entries of one list; a person's merges last, always.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations

from spider.resolve.groups import Groups
from spider.resolve.prepare import Prepared, Weights
from spider.resolve.score import (
    DEFAULT_SCORE,
    ScoreConfig,
    distance_km,
    score_pair,
    two_entries,
)


class _Clusters:
    """Union-find whose roots carry what forbids a merge: classes, corporate numbers, cannot-links.

    Sized for a million records: per record one list slot each for parent, classes and
    corporate numbers (shared tuples, not a set per record); member lists only for roots that
    merged something.
    """

    def __init__(self, prepared: Sequence[Prepared]) -> None:
        self.parent = list(range(len(prepared)))
        self._members: dict[int, list[int]] = {}
        shared: dict[str, tuple[str, ...]] = {"": ()}
        self.classes: list[tuple[str, ...]] = [
            shared.get(r.klass) or shared.setdefault(r.klass, (r.klass,)) for r in prepared]
        self.jcns: list[tuple[str, ...]] = [(r.jcn,) if r.jcn else () for r in prepared]
        self.apart: dict[int, set[int]] = defaultdict(set)
        # Members whose name goes on after the legal form with words that may name a site.
        self.sites: dict[int, list[int]] = {r.index: [r.index] for r in prepared if r.site}

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def members(self, root: int) -> list[int]:
        return self._members.get(root) or [root]

    def size(self, root: int) -> int:
        members = self._members.get(root)
        return len(members) if members else 1

    def keep_apart(self, a: int, b: int) -> None:
        self.apart[a].add(b)
        self.apart[b].add(a)

    def allowed(self, ra: int, rb: int) -> bool:
        if len(set(self.classes[ra]) | set(self.classes[rb])) > 1:
            return False
        if len(set(self.jcns[ra]) | set(self.jcns[rb])) > 1:
            return False
        if self.apart:
            small, other = (ra, rb) if self.size(ra) <= self.size(rb) else (rb, ra)
            for i in self.members(small):
                for j in self.apart.get(i, ()):
                    if self.find(j) == other:
                        return False
        return True

    def union(self, ra: int, rb: int) -> int:
        if self.size(ra) < self.size(rb):
            ra, rb = rb, ra
        self.parent[rb] = ra
        merged = self._members.pop(ra, [ra])
        merged.extend(self._members.pop(rb, [rb]))
        self._members[ra] = merged
        for attr in (self.classes, self.jcns):
            if attr[rb] and attr[rb] != attr[ra]:
                attr[ra] = tuple(sorted({*attr[ra], *attr[rb]}))
        if rb in self.sites:
            self.sites.setdefault(ra, []).extend(self.sites.pop(rb))
        return ra

    def clusters(self) -> list[list[int]]:
        """Every cluster's members, sorted (singletons included)."""
        parent = self.parent
        return [sorted(self._members[i]) if i in self._members else [i]
                for i in range(len(parent)) if parent[i] == i]


def _placeless(rec: Prepared) -> bool:
    """A place named with nothing to say where it is (not a registered company, which is one
    organisation wherever it files from)."""
    return rec.lat is None and not rec.address and not rec.phone and not rec.firm


def _two_places(a: Prepared, b: Prepared, config: ScoreConfig) -> bool:
    """Whether two records are known to be two places: two entries of one list, or two
    sites further apart than a chain's branches may be one."""
    if two_entries(a, b, config):
        return True
    # Sites on a map (a kind of place with a point), not an organisation's many addresses.
    distance = distance_km(a, b)
    return (distance is not None and distance > config.site_apart_km
            and bool(a.spot and b.spot) and 2 in (a.spot, b.spot))


def ambiguous_placeless(prepared: Sequence[Prepared], scored: dict[tuple[int, int], float],
                        threshold: float, config: ScoreConfig = DEFAULT_SCORE,
                        most: int = 30) -> set[int]:
    """Records that say nothing of where they are (no point, address or phone) and match two
    places by name: a bare "一蘭" beside two 一蘭 branches may be either. Which one is for a
    person to say; merging it into whichever came first would depend on the order of files."""
    strong: dict[int, list[int]] = defaultdict(list)
    for (i, j), value in scored.items():
        if value >= threshold:
            if _placeless(prepared[i]):
                strong[i].append(j)
            if _placeless(prepared[j]):
                strong[j].append(i)
    return {i for i, others in strong.items() if len(others) > 1 and any(
        _two_places(prepared[x], prepared[y], config)
        for x, y in combinations(sorted(others)[:most], 2))}


def cluster(
    prepared: Sequence[Prepared],
    scored: dict[tuple[int, int], float],
    weights: Weights,
    *,
    threshold: float,
    link_threshold: float,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    config: ScoreConfig = DEFAULT_SCORE,
    max_check: int = 400,
    hold: Iterable[int] = (),
) -> list[list[int]]:
    """Merge pairs at or above `threshold`, best first, without chaining through a bridge.

    Two clusters join only if the average score over all their cross pairs (scored on demand)
    reaches `link_threshold`, no cannot-link pair would end up together, and classes and
    corporate numbers agree. User merges (must_link) are applied last and always win.
    Records in `hold` (`ambiguous_placeless`) join nothing but by a user merge.
    """
    held = set(hold)
    clusters = _Clusters(prepared)
    must_link = list(must_link)
    # What a person keeps apart stays apart from everything the person joined to it (merge A
    # with B, keep B from C: the resolver must not join A and C), as the merges come last.
    joined: Groups[int] = Groups()
    for a, b in must_link:
        joined.join(a, b)
    members = joined.members()
    for a, b in cannot_link:
        for i in members.get(joined.find(a), [a]):
            for j in members.get(joined.find(b), [b]):
                clusters.keep_apart(i, j)
    cache: dict[tuple[int, int], float | None] = {}

    def pair_score(i: int, j: int) -> float | None:
        """The pair's score, or None when the two names share no script to compare in."""
        key = (i, j) if i < j else (j, i)
        if key in cache:
            return cache[key]
        if key in scored:
            # Already scored, by the scorer or by another matcher (spider.resolve.properties links a
            # katakana name to its English one, which the name scorer alone rates low).
            cache[key] = scored[key]
            return cache[key]
        value, breakdown = score_pair(prepared[key[0]], prepared[key[1]], weights, config)
        # Two sites at one spot whose names disagree may be one place named in two languages
        # (Osaka-jo Tenshukaku, Osaka Castle Main Tower): the names say nothing either way,
        # as when they share no script, and the records that link both decide.
        unsure = breakdown.get("names_compared") == "" or (
            breakdown.get("spot") == "same" and value < link_threshold)
        cache[key] = None if unsure else value
        return cache[key]

    def sites_apart(ra: int, rb: int) -> bool:
        """Two sites ("… Corp. - Hope for Youth", "… Corp. - Just For You") join only if their
        whole names match, even when the operator's bare name would bridge them."""
        sites = clusters.sites
        return any(
            (score := pair_score(i, j)) is None or score < threshold
            for i in sites.get(ra, ()) for j in sites.get(rb, ())
        )  # fmt: skip

    def entries_apart(ma: list[int], mb: list[int]) -> bool:
        """Whether the two clusters hold two entries of one list (two points, two house
        numbers): one list names each place once, so they are two places, however alike."""
        by_source: dict[str, list[Prepared]] = defaultdict(list)
        for i in ma:
            if prepared[i].source:
                by_source[prepared[i].source].append(prepared[i])
        return bool(by_source) and any(
            two_entries(rec, prepared[j], config)
            for j in mb for rec in by_source.get(prepared[j].source, ()))

    # Best first; equal scores (to float noise) in pair order, so the result never depends on
    # the last bit of a sum.
    edges = sorted(((s, p) for p, s in scored.items() if s >= threshold),
                   key=lambda e: (-round(e[0], 6), e[1]))  # fmt: skip
    for _, (a, b) in edges:
        if a in held or b in held:
            continue
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb or not clusters.allowed(ra, rb):
            continue
        ma, mb = clusters.members(ra), clusters.members(rb)
        if len(ma) * len(mb) > 1:
            # every cross pair; a sample keeps the check linear on huge clusters
            pairs = ((i, j) for i in ma for j in mb) if len(ma) * len(mb) <= max_check else \
                ((i, j) for i in ma[:20] for j in mb[:20])
            cross = [x for i, j in pairs if (x := pair_score(i, j)) is not None]
            if cross and sum(cross) / len(cross) < link_threshold:
                continue
        if sites_apart(ra, rb) or entries_apart(ma, mb):
            continue
        clusters.union(ra, rb)
    # A person's merges join what the resolver built, last: applied first, the bridge check
    # would weigh every later record against both halves of the person's company (a hotel's
    # other records against the other hotel's names) and a rebuild would undo what the merge
    # and the resolver had joined together.
    for a, b in must_link:
        ra, rb = clusters.find(a), clusters.find(b)
        if ra != rb:
            clusters.union(ra, rb)
    return clusters.clusters()
