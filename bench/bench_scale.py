"""Does query cost stay flat as the graph grows? Local push on synthetic graphs of growing size.

    python bench/bench_scale.py [--sizes 10000,100000,1000000] [--queries 20]

Each graph is written straight into the tables ranking reads (signals, company_signals,
company_weights), with realistic shapes: a Zipf spread of industries and description terms,
prefectures and cities, tiers, and directory lists of about 20 companies each. For each size
it prints the build time, then per query (seeded at random companies) the median and max time
and edges read by personalized PageRank (local push, the default epsilon), and the ratio of
those to the smallest graph. A flat ratio is the point; networkx's whole-graph pagerank is
the baseline that grows with the graph (run it with --networkx up to a size that fits).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from pathlib import Path


def zipf_choice(rng: random.Random, n: int, s: float = 1.1) -> int:
    # Inverse-CDF sampling of a Zipf-like rank in [0, n).
    u = rng.random()
    return min(n - 1, int((n ** (1 - s) * u + (1 - u)) ** (1 / (1 - s))) - 1) if s != 1 else 0


def build(path: Path, n: int, seed: int = 7) -> float:
    from spider.db import open_db
    from spider.signals import KIND_WEIGHTS

    rng = random.Random(seed)
    started = time.perf_counter()
    db = open_db(path)
    edges: list[tuple[int, str, str]] = []
    industries, cities, terms = 300, max(50, n // 500), max(1000, n // 20)
    lists = max(10, n // 20)
    for cid in range(1, n + 1):
        facts = {
            (f"industry:x:{zipf_choice(rng, industries)}", "industry"),
            (f"place:region:{rng.randrange(47)}", "region"),
            (f"place:city:{zipf_choice(rng, cities)}", "city"),
            ("place:country:JP", "country"),
            (f"size:{rng.randrange(6)}", "size"),
        }
        if rng.random() < 0.3:
            facts.add((f"tier:{rng.randrange(7)}", "tier"))
        if rng.random() < 0.5:
            facts.add((f"list:{rng.randrange(lists)}", "list"))
        for _ in range(rng.randrange(2, 8)):
            facts.add((f"term:{zipf_choice(rng, terms)}", "term"))
        edges.extend((cid, sig, kind) for sig, kind in facts)
    df: dict[str, int] = {}
    kinds: dict[str, str] = {}
    for _, sig, kind in edges:
        df[sig] = df.get(sig, 0) + 1
        kinds[sig] = kind
    idf = {s: math.log((n + 1) / (c + 0.5)) for s, c in df.items()}
    weight_sum: dict[str, float] = {}
    company_sum: dict[int, float] = {}
    rows = []
    for cid, sig, kind in edges:
        w = round(idf[sig] * KIND_WEIGHTS.get(kind, 0.5), 6)
        weight_sum[sig] = weight_sum.get(sig, 0.0) + w
        company_sum[cid] = company_sum.get(cid, 0.0) + w
        rows.append((cid, sig, w))
    conn = db.conn
    with conn:
        conn.executemany("insert into signals(signal, kind, label, companies, idf, weight_sum) "
                         "values (?, ?, ?, ?, ?, ?)",
                         ((s, kinds[s], s, df[s], idf[s], weight_sum[s]) for s in df))
        conn.executemany("insert into company_signals(company_id, signal, weight) values (?, ?, ?)",
                         rows)
        conn.executemany("insert into company_weights(company_id, weight_sum) values (?, ?)",
                         company_sum.items())
    return time.perf_counter() - started


def measure(path: Path, n: int, queries: int, seed: int = 11) -> tuple[float, float, float]:
    from spider.db import open_db
    from spider.rank import Adjacency, personalized_pagerank
    from spider.settings import Settings

    db = open_db(path)
    settings = Settings()
    rng = random.Random(seed)
    times, reads = [], []
    for _ in range(queries):
        cid = rng.randrange(1, n + 1)
        adjacency = Adjacency(db, max_signal_companies=max(50, int(settings.max_signal_share * n)))
        started = time.perf_counter()
        personalized_pagerank(adjacency, {("c", cid): 1.0}, alpha=settings.restart_probability,
                              epsilon=settings.push_epsilon)
        times.append(time.perf_counter() - started)
        reads.append(adjacency.reads)
    return statistics.median(times), max(times), statistics.median(reads)


def networkx_baseline(path: Path, n: int) -> float:
    import networkx as nx

    from spider.db import open_db
    from spider.graph import load_graph

    db = open_db(path)
    started = time.perf_counter()
    graph = load_graph(db)
    nx.pagerank(graph, personalization={("c", 1): 1.0}, weight="weight", tol=1e-10)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--networkx", type=int, default=100000,
                        help="run the networkx baseline up to this many companies")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    base: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"scale_{n}.db"
            built = build(path, n)
            median_s, max_s, reads = measure(path, n, args.queries)
            base = base or (median_s, reads)
            line = (f"{n:>9,} companies (built in {built:6.1f} s): local push median "
                    f"{median_s * 1000:7.1f} ms, max {max_s * 1000:7.1f} ms, {reads:8,.0f} edge ends "
                    f"read; ratio to the smallest graph: time {median_s / base[0]:.2f}, reads "
                    f"{reads / base[1]:.2f}")
            if n <= args.networkx:
                line += f"; networkx whole-graph pagerank {networkx_baseline(path, n):.1f} s"
            print(line, flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
