"""Ranking: personalized PageRank by local push over the stored company-signal adjacency.

The walk restarts at the seed nodes (a company, or the signal nodes a segment names) with
probability `alpha`. Andersen-Chung-Lang push only touches nodes whose residual exceeds
`epsilon` times their weighted degree, so a query costs O(1 / (epsilon * alpha)) edge reads
however large the graph grows; adjacency is read lazily from SQLite and never loaded whole.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from spider.db import Database, rows_in
from spider.signals import BUSINESS_KINDS

Node = tuple[str, object]  # ("c", company_id) or ("s", signal)


@dataclass
class Adjacency:
    """Lazy, cached neighbour lists of the bipartite graph stored in `company_signals`.

    Each read returns the neighbours with their own weighted degree (stored at build time in
    `signals.weight_sum` and `company_weights`), so deciding whether a neighbour needs a push
    never reads that neighbour's list.
    """

    db: Database
    max_signal_companies: int | None = None
    # Stop at a signal only the company stepping onto it has (expand: see neighbours).
    stop_at_own_signals: bool = False
    # Signals (by prefix) the walk steps onto and stops at: a segment's ranking owes nothing
    # to who owns a company ("group:"), or chains would outrank the independents beside them.
    dead_ends: tuple[str, ...] = ()
    reads: int = 0
    _cache: dict[Node, list[tuple[Node, float]]] = field(default_factory=dict)
    _degree: dict[Node, float] = field(default_factory=dict)
    _capped: set[Node] = field(default_factory=set)
    _uncapped: set[Node] = field(default_factory=set)
    _companies: dict[object, int] = field(default_factory=dict)
    # Companies' signal rows read ahead in one statement (`read_ahead`), each kept until the
    # company's list is asked for and made then, as a list read on its own would be.
    _ahead: dict[object, list[tuple[str, float, float, int]]] = field(default_factory=dict)

    def read_ahead(self, nodes: list[Node]) -> None:
        """Read the signal rows of the companies among NODES whose lists are not read yet, in
        one statement per chunk (the push queues a broad signal's holders by the thousand,
        and a statement each is most of a walk's time on a national register)."""
        keys = [key for kind, key in nodes
                if kind == "c" and (kind, key) not in self._cache and key not in self._ahead]
        if len(keys) < 2:
            return
        ahead = self._ahead
        for key in keys:
            ahead[key] = []
        for cid, sig, weight, degree, count in rows_in(
                self.db, "select cs.company_id, cs.signal, cs.weight, s.weight_sum, s.companies "
                "from company_signals cs join signals s on s.signal = cs.signal "
                "where cs.company_id in ({marks}) order by cs.company_id, cs.signal", keys):
            ahead[cid].append((sig, weight, degree, count))

    def neighbours(self, node: Node) -> list[tuple[Node, float]]:
        cached = self._cache.get(node)
        if cached is not None:
            return cached
        kind, key = node
        out: list[tuple[Node, float]] = []
        if kind == "c":
            ahead = self._ahead.pop(key, None)
            rows: Iterable[tuple[str, float, float, int]] = ahead if ahead is not None else \
                self.db.execute(
                    "select cs.signal, cs.weight, s.weight_sum, s.companies from company_signals cs "
                    "join signals s on s.signal = cs.signal where cs.company_id = ? "
                    "order by cs.signal", [key])
            holding = self._companies
            for sig, weight, degree, count in rows:
                other = ("s", sig)
                out.append((other, weight))
                holding[sig] = count
                # A signal most companies share says nothing about lookalikes, and one only
                # this company has leads nowhere but back to it (a trap that would lift
                # companies with many signals of their own, a town no one else is in, above
                # those sharing more with the seed): the walk may step onto either but goes
                # no further (degree 0: its mass stays where it lands).
                if ((self.max_signal_companies and count > self.max_signal_companies)
                        or (self.stop_at_own_signals and count <= 1 and other not in self._cache)
                        or (self.dead_ends and sig.startswith(self.dead_ends))):
                    self._capped.add(other)
                    self._cache[other] = []
                    self._degree[other] = 0.0
                else:
                    self._uncapped.add(other)
                    self._degree.setdefault(other, degree or 0.0)
        elif node in self._capped or (node not in self._uncapped and self._is_capped(key)):
            out = []
        elif self._holding(key) > DEGREES_WITH_HOLDERS:
            # A broad signal's holders come without their degrees: a push from it leaves
            # each so little that its edge weight alone (a degree is at least that) rules
            # most out; the push reads the rest's at once (`learn_degrees`).
            self._uncapped.add(node)
            out = [(("c", cid), weight) for cid, weight in self.db.execute(
                "select company_id, weight from company_signals where signal = ?", [key])]
        else:
            self._uncapped.add(node)
            held = self.db.execute(
                "select cs.company_id, cs.weight, w.weight_sum from company_signals cs "
                "join company_weights w on w.company_id = cs.company_id where cs.signal = ?",
                [key]).fetchall()
            out = [(("c", cid), weight) for cid, weight, _ in held]
            known = self._degree
            known.update({("c", cid): degree or 0.0 for cid, _, degree in held
                          if ("c", cid) not in known})
        self.reads += len(out)
        self._cache[node] = out
        # Every edge counts, so a node's degree is the same before and after its list is read:
        # the push's stopping rule (r < epsilon * degree) relies on that.
        self._degree[node] = sum(w for _, w in out)
        return out

    def holders_read(self, signal: str) -> list[int] | None:
        """The companies holding SIGNAL, if the walk has read them (a capped signal's are
        never read: None)."""
        node = ("s", signal)
        if node not in self._uncapped or node not in self._cache:
            return None
        return [int(other[1]) for other, _ in self._cache[node]]  # type: ignore[call-overload]

    def _is_capped(self, signal: object) -> bool:
        return bool(self.max_signal_companies) and self._holding(signal) > (
            self.max_signal_companies or 0)

    def _holding(self, signal: object) -> int:
        """How many companies hold SIGNAL (as the last build counted them)."""
        if signal not in self._companies:
            row = self.db.execute("select companies from signals where signal = ?",
                                  [signal]).fetchone()
            self._companies[signal] = row[0] if row else 0
        return self._companies[signal]

    def degree(self, node: Node) -> float:
        if node not in self._degree:
            self.neighbours(node)
        return self._degree[node]

    def learn_degrees(self, nodes: list[Node]) -> None:
        """Read the degrees of NODES not known yet: companies met on a broad signal (read
        without them) from what the build stored, at once; anything else by its list."""
        known = self._degree
        companies = [key for kind, key in nodes if kind == "c" and (kind, key) not in known]
        for cid, degree in rows_in(self.db, "select company_id, weight_sum from company_weights "
                                   "where company_id in ({marks})", companies):
            known[("c", cid)] = degree or 0.0
        for node in nodes:
            self.degree(node)


# A signal held by more companies than this is read without its holders' degrees (see
# Adjacency.neighbours): the join costs a national register's country 0.1 s.
DEGREES_WITH_HOLDERS = 2000


# How near two companies are, by the finest place they share (no place shared: 0).
# (an area, a county or Landkreis, between the town and the region)
PLACE_LEVELS = {"district": 5, "city": 4, "area": 3, "region": 2, "country": 1}
PLACE_KINDS = tuple(sorted(PLACE_LEVELS, key=PLACE_LEVELS.__getitem__, reverse=True))  # finest first


BROAD_KIND_SHARE = 1e-6  # what a kind the whole list holds shares (see direct_similarity)
# Which signal of a kind of business a company shares it by (direct_similarity): what its
# list calls it, then what its name says, then a concept.
_KIND_RANK = {"category": 0, "kind": 1, "concept": 2}


# What a shared rating or size band counts for, beside a shared business (see below).
WITHIN_MARKET_SHARE = 0.1


def direct_similarity(db: Database, company_id: int, *, max_signal_companies: int,
                      max_holders: int = 20_000, market: dict[int, float] | None = None,
                      business: dict[str, set[int]] | None = None
                      ) -> tuple[dict[int, float], dict[int, int]]:
    """What every other company shares with COMPANY_ID directly: the walk's first return
    (company -> signal -> company) over the signals that are not places, computed exactly
    over every holder, and the finest place level it shares (PLACE_LEVELS).

    Local push skips a signal whose residual is small beside its degree, so a signal many
    companies share may never be pushed and the companies sharing it with the seed would miss
    its mass; this does not. Places (read whatever the walk's cap) are kept apart because a
    place many unrelated companies share (a prefecture in a register of listed firms) weighs
    almost nothing in a walk, yet among the seed's own kind of business the one next door is
    the nearer competitor. Signals
    held by one company, by more than MAX_SIGNAL_COMPANIES (the walk's cap) or by more than
    MAX_HOLDERS are left out. Given MARKET, what a review score or a size band shares goes
    there, not into what is shared: the caller orders peers by it within one place, and a
    list of one kind (a register of nursing homes, whose kind every company holds and so
    weighs nothing) does not rank another state's five-rated homes before the ones in
    town. Given BUSINESS, the companies sharing one of its kinds of business (BUSINESS_KINDS)
    go in it by the signal's kind (category, kind, concept), those of a kind held past the
    walk's cap too (a list of dentists, each a dentist), sharing it for BROAD_KIND_SHARE of
    its share."""
    row = db.execute("select weight_sum from company_weights where company_id = ?",
                     [company_id]).fetchone()
    if not row or not row[0]:
        return {}, {}
    shared: dict[int, float] = defaultdict(float)
    level: dict[int, int] = {}
    rows = db.execute(
        "select cs.signal, cs.weight, s.weight_sum, s.companies from company_signals cs "
        "join signals s on s.signal = cs.signal where cs.company_id = ?", [company_id]).fetchall()
    # A kind the whole list holds says it however it is known: a bakery directory's
    # "boulangerie" in a name is the bakery its category says every row is, and shares
    # nothing the category does not (it had ranked the shops named so above the bakeries
    # next door). And a kind said twice, by a category and by a name ("Dentist", "... Dental
    # Care"), is one kind shared: each company shares a kind of business once, by what its
    # list calls it where it does, else by what its name says (a solo dentist named by a
    # person came after dental practices in other towns, for lacking the word).
    broad_kinds = {signal.split(":", 1)[1] for signal, _, _, count in rows
                   if count > max_signal_companies and signal.split(":", 1)[0] in BUSINESS_KINDS}
    # a kind -> each company's share through it, by the plainest signal it holds of it
    by_kind: dict[str, dict[int, tuple[int, float]]] = {}
    own_categories: dict[str, tuple[float, float]] = {}  # the client's categories -> share, weight
    for signal, weight, total, count in rows:
        place = signal.startswith("place:")
        of_business = business is not None and signal.split(":", 1)[0] in BUSINESS_KINDS
        if count <= 1 or count > (max_holders if place or of_business
                                  else min(max_holders, max_signal_companies)) or not total:
            continue
        holders: Iterable[tuple[int, float]] = db.execute(
            "select company_id, weight from company_signals where signal = ?", [signal])
        if place:
            here = PLACE_LEVELS.get(signal.split(":")[1], 1)
            for other, _ in holders:
                level[other] = max(level.get(other, 0), here)
            continue
        share = weight / row[0] / total
        if market is not None and signal.startswith(("rating:rating", "size:")):
            for other, theirs in holders:
                market[other] = market.get(other, 0.0) + share * theirs
            continue
        if signal.startswith(("rating:", "size:")):
            # A rating or a size ranks peers within one business and market, never above
            # them: a two-star Indian restaurant's competitors are Indian restaurants, the
            # two-star ones first; a Dayton credit union's are Ohio's, its size first.
            share *= WITHIN_MARKET_SHARE
        if of_business:
            assert business is not None
            holders = list(holders)
            others = {other for other, _ in holders if other != company_id}
            business.setdefault(signal.split(":", 1)[0], set()).update(others)
            business[signal] = others  # (by signal too: the kind a category says, below)
            kind_key = signal.split(":", 1)[1]
            if kind_key in broad_kinds:
                # (the kind a whole list holds: it orders that list's companies by place,
                # below anything else shared)
                share *= BROAD_KIND_SHARE
            rank = _KIND_RANK[signal.split(":", 1)[0]]
            best = by_kind.setdefault(kind_key, {})
            for other, theirs in holders:
                if other not in best or rank < best[other][0]:
                    best[other] = (rank, share * theirs)
            if rank == 0:
                own_categories[kind_key] = (share, weight)
            continue
        for other, theirs in holders:
            shared[other] += share * theirs
    if own_categories:
        _synonym_categories(db, own_categories, by_kind, business, company_id)
    for best in by_kind.values():
        for other, (_, value) in best.items():
            shared[other] += value
    shared.pop(company_id, None)
    if market is not None:
        market.pop(company_id, None)
    return dict(shared), level


def _synonym_categories(db: Database, own: dict[str, tuple[float, float]],
                        by_kind: dict[str, dict[int, tuple[int, float]]],
                        business: dict[str, set[int]] | None, company_id: int) -> None:
    """Companies whose category is another word for one of the client's (its list says
    "Centre dentaire" where the client's says "Clinique dentaire"; ヘアサロン beside 美容室:
    one kind of the shipped vocabulary, each word the whole kind) share it as fully as the
    client's own word: each counted under the client's category in BY_KIND. They had shared
    only the vocabulary's kind, and fallen below other towns' clinics of the client's word."""
    from spider.signals import kind_of_category

    heads: dict[str, str] = {}
    for key in own:
        head = kind_of_category(key)
        if head:
            heads.setdefault(head, key)
    if not heads:
        return
    synonyms: dict[str, str] = {}  # another category's signal -> the client's category
    for signal, in db.execute("select signal from signals where kind = 'category'"):
        key = signal.split(":", 1)[1]
        head = kind_of_category(key) if key not in own else None
        if head in heads:
            synonyms[signal] = heads[head]
    for signal, key in synonyms.items():
        # (as one of the client's own word weighs: a rarer synonym is no nearer for its rarity)
        share, weight = own[key]  # (damped already where the whole list holds the kind)
        best = by_kind.setdefault(key, {})
        holders = db.execute("select company_id, weight from company_signals where signal = ?",
                             [signal]).fetchall()
        for other, _ in holders:
            if other != company_id and (other not in best or best[other][0] > 0):
                best[other] = (0, share * weight)
        if business is not None:
            business.setdefault("category", set()).update(o for o, _ in holders if o != company_id)


def text_similarity(db: Database, company_id: int) -> dict[int, float]:
    """For a company known only by its description: the cosine of its description words with
    every other company's (each word weighted by its rarity), over the companies sharing one."""
    mine = dict(db.execute("select signal, weight from company_signals where company_id = ? and "
                           "signal like 'term:%'", [company_id]).fetchall())
    norm = math.sqrt(sum(w * w for w in mine.values()))
    if not norm:
        return {}
    dot: dict[int, float] = defaultdict(float)
    for signal, weight in mine.items():
        for other, theirs in db.execute("select company_id, weight from company_signals where "
                                        "signal = ?", [signal]):
            dot[other] += weight * theirs
    dot.pop(company_id, None)
    theirs_norm = {cid: math.sqrt(squares) for cid, squares in rows_in(
        db, "select company_id, sum(weight * weight) from company_signals where company_id in "
        "({marks}) and signal like 'term:%' group by company_id", sorted(dot))}
    return {cid: d / (norm * theirs_norm[cid]) for cid, d in dot.items() if theirs_norm.get(cid)}


def personalized_pagerank(adjacency: Adjacency, seeds: Mapping[Node, float], *, alpha: float = 0.15,
                          epsilon: float = 1e-5, max_pushes: int = 2_000_000,
                          ) -> tuple[dict[Node, float], dict[Node, float]]:
    """Approximate PPR by local push. Returns (estimate p, residual r).

    Invariant: the exact PPR equals p plus the PPR of r, and every node left with residual
    has r[u] < epsilon * degree(u), so the error is bounded by epsilon per unit degree.
    """
    total = sum(seeds.values())
    if total <= 0:
        return {}, {}
    residual: dict[Node, float] = {node: mass / total for node, mass in seeds.items()}
    estimate: dict[Node, float] = {}
    queue = deque(residual)
    queued = set(queue)
    degrees = adjacency._degree
    pushes = 0
    while queue and pushes < max_pushes:
        node = queue.popleft()
        queued.discard(node)
        mass = residual.get(node, 0.0)
        neighbours = adjacency.neighbours(node)
        degree = adjacency.degree(node)
        if degree <= 0:
            # A dangling node keeps its mass (restart), so nothing is lost.
            estimate[node] = estimate.get(node, 0.0) + mass
            residual[node] = 0.0
            continue
        if mass < epsilon * degree:
            continue
        pushes += 1
        estimate[node] = estimate.get(node, 0.0) + alpha * mass
        residual[node] = 0.0
        spread = (1.0 - alpha) * mass / degree
        # Neighbours that may need a push, in list order; of those whose degree is not known
        # yet (a broad signal's holders), only the ones left more than epsilon times their
        # edge weight (a degree is at least that), their degrees then read at once.
        maybe: list[tuple[Node, float, bool]] = []
        for other, weight in neighbours:
            value = residual.get(other, 0.0) + spread * weight
            residual[other] = value
            if other not in queued:
                # The neighbour's degree came with this list (Adjacency keeps it), so this is
                # a dict read, not a call, on the walk's innermost line.
                theirs = degrees.get(other)
                if value >= epsilon * (weight if theirs is None else theirs):
                    maybe.append((other, value, theirs is None))
        if any(unknown for *_, unknown in maybe):
            adjacency.learn_degrees([other for other, _, unknown in maybe if unknown])
        queueing = [other for other, value, unknown in maybe
                    if not unknown or value >= epsilon * degrees[other]]
        if len(queueing) > 1:
            adjacency.read_ahead(queueing)
        queue.extend(queueing)
        queued.update(queueing)
    return estimate, residual


def signal_contributions(adjacency: Adjacency, estimate: Mapping[Node, float],
                         company_id: int) -> list[tuple[str, float]]:
    """How much of a company's score flowed in through each of its signals, largest first.

    The flow from signal s into company c at the fixed point is
    (1 - alpha) * ppr(s) * w(s, c) / degree(s); we rank signals by ppr(s) * w / degree(s).
    """
    flows = []
    for (kind, sig), weight in adjacency.neighbours(("c", company_id)):
        mass = estimate.get((kind, sig), 0.0)
        if mass <= 0:
            continue
        degree = adjacency.degree((kind, sig))
        if degree > 0:
            flows.append((str(sig), mass * weight / degree))
    flows.sort(key=lambda item: -item[1])
    return flows
