"""The similarity graph: companies and signals as one bipartite networkx graph.

Ranking never loads this whole graph (see spider.rank, which pushes over the stored
adjacency); loading is for stats, exports (GraphML, pictures) and checks.
"""

from __future__ import annotations

from typing import TypedDict

import networkx as nx

from spider.db import Database


def load_graph(db: Database, *, kinds: set[str] | None = None) -> nx.Graph:
    """Companies ("c", id) and signals ("s", signal) linked by weighted edges."""
    graph: nx.Graph[tuple[str, object]] = nx.Graph()
    for cid, name in db.execute("select id, name from companies"):
        graph.add_node(("c", cid), bipartite=0, label=name or "")
    for signal, kind, label, idf in db.execute("select signal, kind, label, idf from signals"):
        if kinds is None or kind in kinds:
            graph.add_node(("s", signal), bipartite=1, kind=kind, label=label or "", idf=idf)
    for cid, signal, weight in db.execute("select company_id, signal, weight from company_signals"):
        if ("s", signal) in graph:
            graph.add_edge(("c", cid), ("s", signal), weight=weight)
    return graph


class GraphStats(TypedDict):
    records: int
    companies: int
    signals: int
    links: int
    by_kind: dict[str, int]
    largest_component: int
    mean_degree: float


def graph_stats(db: Database) -> GraphStats:
    graph = load_graph(db)
    companies = [n for n in graph if n[0] == "c"]
    by_kind = dict(db.execute(
        "select kind, count(*) from signals group by kind order by count(*) desc").fetchall())
    largest = max((len(c) for c in nx.connected_components(graph)), default=0)
    degrees = [graph.degree(n) for n in companies]
    return {
        "records": db.execute("select count(*) from records").fetchone()[0],
        "companies": len(companies),
        "signals": graph.number_of_nodes() - len(companies),
        "links": graph.number_of_edges(),
        "by_kind": by_kind,
        "largest_component": largest,
        "mean_degree": sum(degrees) / len(degrees) if degrees else 0.0,
    }
