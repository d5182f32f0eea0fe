"""Local-push personalized PageRank on the seeded graph, checked against networkx's exact answer."""

from __future__ import annotations

import networkx as nx
import pytest

from spider.expand import expand
from spider.graph import graph_stats, load_graph
from spider.query import resolve_query
from spider.rank import Adjacency, personalized_pagerank, signal_contributions
from spider.settings import Settings

SETTINGS = Settings()
QUERIES = {"company": "Palace Hotel Tokyo", "segment": "Tokyo five-star hotel"}


@pytest.fixture(scope="module")
def graph(seeded_db):
    return load_graph(seeded_db)


@pytest.fixture(scope="module")
def runs(seeded_db, graph):
    """For each query: its seeds, the push answer (estimate, residual, reads), the exact answer."""
    out = {}
    for kind, text in QUERIES.items():
        seeds = resolve_query(seeded_db, text).seeds()
        assert resolve_query(seeded_db, text).kind == kind
        adjacency = Adjacency(seeded_db)
        estimate, residual = personalized_pagerank(
            adjacency, seeds, alpha=SETTINGS.restart_probability, epsilon=SETTINGS.push_epsilon
        )
        exact = nx.pagerank(
            graph,
            alpha=1 - SETTINGS.restart_probability,
            personalization=seeds,
            tol=1e-12,
            max_iter=1000,
            weight="weight",
        )
        out[kind] = (seeds, estimate, residual, adjacency.reads, exact)
    return out


def top_companies(scores: dict, seeds: dict, n: int = 20) -> list:
    companies = [node for node in scores if node[0] == "c" and node not in seeds]
    return sorted(companies, key=lambda node: (-scores[node], str(node[1])))[:n]


@pytest.mark.parametrize("kind", sorted(QUERIES))
def test_local_push_agrees_with_networkx_pagerank(runs, kind):
    seeds, estimate, residual, _, exact = runs[kind]
    pushed = {
        node: estimate.get(node, 0.0) + SETTINGS.restart_probability * residual.get(node, 0.0)
        for node in set(estimate) | set(residual)
    }  # what expand ranks by
    ours, theirs = top_companies(pushed, seeds), top_companies(exact, seeds)
    assert len(ours) == len(theirs) == 20
    assert len(set(ours) & set(theirs)) >= 18
    # The few that differ sit at the boundary, within a few per cent of the 20th exact score.
    cut = exact[theirs[-1]]
    assert min(exact[node] for node in ours) >= 0.85 * cut
    assert ours[0] == theirs[0]


@pytest.mark.parametrize("kind", sorted(QUERIES))
def test_mass_is_conserved(runs, kind):
    _, estimate, residual, _, _ = runs[kind]
    assert sum(estimate.values()) + sum(residual.values()) == pytest.approx(1.0, abs=1e-9)
    assert all(v >= 0 for v in estimate.values()) and all(v >= -1e-15 for v in residual.values())


def test_residual_left_is_below_epsilon_per_unit_degree(seeded_db, runs):
    _, _, residual, _, _ = runs["company"]
    adjacency = Adjacency(seeded_db)
    worst = max(residual.items(), key=lambda item: item[1] / max(adjacency.degree(item[0]), 1e-12))
    assert worst[1] < SETTINGS.push_epsilon * adjacency.degree(worst[0]) + 1e-15


def test_company_seed_reads_a_small_part_of_the_graph(seeded_db, runs):
    edges = seeded_db.execute("select count(*) from company_signals").fetchone()[0]
    _, estimate, _, reads, _ = runs["company"]
    assert reads < edges / 2
    pushed = sum(1 for node in estimate if node[0] == "c")
    companies = seeded_db.execute("select count(*) from companies").fetchone()[0]
    assert pushed < companies / 4
    # As expand runs it (signals most companies share do not walk), it reads less still.
    assert expand(seeded_db, SETTINGS, QUERIES["company"], save=False).touched < edges / 4


def test_signals_most_companies_share_do_not_walk(seeded_db):
    toyota = resolve_query(seeded_db, "トヨタ自動車").company_id
    japan = seeded_db.execute(
        "select companies from signals where signal = 'place:country:JP'"
    ).fetchone()[0]
    adjacency = Adjacency(seeded_db, max_signal_companies=japan - 1)
    stored = seeded_db.execute(
        "select weight_sum from company_weights where company_id = ?", [toyota]
    ).fetchone()[0]
    neighbours = {node for node, _ in adjacency.neighbours(("c", toyota))}
    # Toyota keeps every edge, so its degree is the same before and after its list is read
    # (the push's stopping rule r < epsilon * degree relies on that) ...
    assert ("s", "place:country:JP") in neighbours and ("s", "industry:jpx33:3700") in neighbours
    assert adjacency.degree(("c", toyota)) == pytest.approx(stored, rel=1e-6)
    # ... but the walk goes no further than a signal that nearly every company shares.
    assert adjacency.neighbours(("s", "place:country:JP")) == []
    assert adjacency.degree(("s", "place:country:JP")) == 0.0


def test_a_seed_without_links_keeps_its_mass(seeded_db):
    estimate, residual = personalized_pagerank(Adjacency(seeded_db), {("c", -1): 2.0})
    assert estimate == {("c", -1): 1.0} and not any(residual.values())
    assert personalized_pagerank(Adjacency(seeded_db), {}) == ({}, {})


def test_contributions_name_the_signals_that_carried_the_score(seeded_db, runs):
    seeds, estimate, residual, _, _ = runs["segment"]
    adjacency = Adjacency(seeded_db)
    best = top_companies(estimate, seeds, 1)[0]
    flows = signal_contributions(adjacency, estimate, best[1])
    assert flows and all(a[1] >= b[1] for a, b in zip(flows, flows[1:], strict=False))
    own = {
        s
        for (s,) in seeded_db.execute(
            "select signal from company_signals where company_id = ?", [best[1]]
        )
    }
    assert {s for s, _ in flows} <= own
    assert {s for s, _ in flows[:3]} & {"tier:five-star", "category:hotel", "place:region:JP-13"}


def test_graph_stats_match_the_tables(seeded_db, graph):
    stats = graph_stats(seeded_db)
    count = seeded_db.execute
    assert stats["companies"] == count("select count(*) from companies").fetchone()[0]
    assert stats["links"] == count("select count(*) from company_signals").fetchone()[0]
    assert stats["signals"] == count("select count(*) from signals").fetchone()[0]
    assert stats["records"] == count("select count(*) from records").fetchone()[0] > 5000
    assert sum(stats["by_kind"].values()) == stats["signals"]
    assert graph.number_of_edges() == stats["links"]
    assert stats["largest_component"] > 0.9 * graph.number_of_nodes()
