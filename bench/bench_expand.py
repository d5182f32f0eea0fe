"""Measure `spider expand`: first run (database built from seeds) and later queries, as whole
processes, plus local-push ranking against networkx's converged PageRank in this process.

    python bench/bench_expand.py [--queries N]

Prints seconds per step and the ratio of local push to the networkx baseline (time and top-k
agreement with the converged answer). Targets (issue 2): first command <= 30 s, later <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = ["Tokyo five-star hotel", "Palace Hotel Tokyo", "帝国ホテル", "Toyota Motor",
           "Marriott International", "東京 5つ星ホテル", "Japanese automaker", "US hotel REIT"]


def run(db: Path, *args: str) -> float:
    env = dict(os.environ, SPIDER_DB=str(db))
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "spider", *args], env=env, capture_output=True,
                          text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"spider {' '.join(args)} failed: {proc.stderr.strip()}")
    return elapsed


def compare_with_networkx(db_path: Path, query: str, k: int = 25) -> None:
    """Local push at several epsilons against networkx's converged PageRank, same graph."""
    import networkx as nx

    from spider.db import open_db
    from spider.graph import load_graph
    from spider.query import resolve_query
    from spider.rank import Adjacency, personalized_pagerank
    from spider.settings import Settings

    db = open_db(db_path)
    settings = Settings()
    seeds = resolve_query(db, query).seeds()
    started = time.perf_counter()
    graph = load_graph(db)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    exact = nx.pagerank(graph, alpha=1 - settings.restart_probability, personalization=seeds,
                        weight="weight", tol=1e-12, max_iter=1000)
    nx_s = time.perf_counter() - started
    edges = graph.number_of_edges()

    def top(scores):
        companies = [(n, s) for n, s in scores.items() if n[0] == "c" and n not in seeds]
        return [n for n, _ in sorted(companies, key=lambda t: -t[1])[:k]]

    truth = set(top(exact))
    print(f"  {query!r}: networkx load {load_s * 1000:.0f} ms + pagerank {nx_s * 1000:.0f} ms "
          f"over {edges} edges (baseline)")
    for epsilon in (1e-4, 3e-5, 1e-5, 1e-6):
        started = time.perf_counter()
        adjacency = Adjacency(db)
        estimate, residual = personalized_pagerank(
            adjacency, seeds, alpha=settings.restart_probability, epsilon=epsilon)
        push_s = time.perf_counter() - started
        approx = dict(estimate)
        for node, value in residual.items():
            approx[node] = approx.get(node, 0.0) + value
        overlap = len(set(top(approx)) & truth)
        mark = "  <- default" if epsilon == settings.push_epsilon else ""
        print(f"    epsilon {epsilon:g}: {push_s * 1000:7.1f} ms, {adjacency.reads:6d} edge ends read "
              f"({adjacency.reads / (2 * edges):.0%} of the graph), time ratio push/networkx "
              f"{push_s / (load_s + nx_s):.3f}, top-{k} agreement {overlap}/{k}{mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=len(QUERIES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        first = run(db, "expand", QUERIES[0], "--format", "json")
        print(f"first command (builds the database from seeds, then answers): {first:.2f} s  "
              f"(target <= 30 s)")
        times = []
        for query in QUERIES[: args.queries]:
            elapsed = run(db, "expand", query, "--format", "json")
            times.append(elapsed)
            print(f"  later query {query!r}: {elapsed:.2f} s")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        startup = time.perf_counter() - started
        print(f"later queries: median {sorted(times)[len(times) // 2]:.2f} s, max {max(times):.2f} s "
              f"(target <= 1 s; bare interpreter start {startup:.2f} s)")
        print("ranking in-process, local push vs networkx.pagerank(tol=1e-12) on the whole graph:")
        for query in QUERIES[: min(4, args.queries)]:
            compare_with_networkx(db, query)


if __name__ == "__main__":
    main()
