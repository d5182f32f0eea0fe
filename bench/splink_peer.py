"""Benchmark peer: Splink 5 (DuckDB backend) deduplicating the same company CSV our resolver is
timed and scored on, with the same clocks and the same quality measures.

    python bench/splink_peer.py FILE.csv --truth TRUTH.csv [--threshold 0.9] [--u-pairs 1e7]

Install the peer into its own environment (it is not a dependency of spider itself):
`pip install '.[bench]'` (which pulls splink>=5 and duckdb), or just `pip install 'splink>=5'`.
This file imports splink only inside main(), so it can be imported and linted without it; it
needs nothing else beyond the standard library (no pandas).

FILE.csv is what bench/make_companies.py writes (listing_id,name,name_en,address,city,region,
country,postal_code,phone,website,category,description) and TRUTH.csv its listing_id,entity_id.

The setup is the one a competent Splink user would write for a company directory, following
the Splink tutorial recipe:

* Cleaning, in DuckDB SQL before Splink sees the data: `name_clean` is the name lowercased,
  punctuation dropped and legal forms stripped (inc, incorporated, ltd, limited, llc, l.l.c.,
  corp, corporation, co, company, group, gmbh, plc, kk, 株式会社, (株)); `name_latin` is the
  cleaned English name (name_en) or, for a name already in Latin script, name_clean, so a
  romaji-only listing can meet its kanji/kana listing; `address_clean` lowercased, full-width
  digits folded, street types abbreviated (street->st, avenue->ave, ...); city lowercased;
  postal code upper-cased without spaces; `phone_key` the last 9 digits of the phone, so "+1
  450-808-7611", "450 808 7611" and "4508087611" agree (the calling code and trunk 0 drop
  out).
* Comparisons: name (null / exact with term-frequency adjustment / Jaro-Winkler >= 0.92 /
  >= 0.80 / exact name_latin across scripts / else), address (exact / Levenshtein <= 2 /
  else), city (exact, TF), postal code (exact, TF), phone (exact). The website is left out on
  purpose: in these files it is the name run together (www.<name>.com), so comparing it
  counts name agreement twice, and with it Splink merged same-named firms in one city
  (Harbor Dental at two addresses and phones): pairwise precision 0.996 at 100k rows, 0.9999
  without.
* Blocking rules for prediction (union, each pair scored once): same name_clean + country;
  same phone_key; same postal code + first 3 characters of name_clean; same first name token
  + city; same address_clean + postal code; same name_latin + country. A first-token +
  country rule was rejected: it makes 430,000 pairs at 100k rows, so about 70 million at 1.3
  million (common first words: "Summit", "Golden"), where first token + city makes 28,000.
* Training: probability_two_random_records_match by direct estimation from two near-certain
  deterministic rules (recall 0.7); u by random sampling (`--u-pairs`, default 1e7, seeded;
  at 1.3 million rows 1e8 took 77 s instead of about 8 s and moved 7 of 227,000 pairs);
  m by expectation maximisation on two blocking rules, first same name_clean (trains the
  non-name fields) then same postal code (trains name, capped at 5 million pairs with
  Splink's deterministic hash sampling). Seeds are fixed, so a rerun gives the same model.
* predict() at the threshold (default match probability 0.9), then connected components at
  the same threshold (cluster_pairwise_predictions_at_threshold).

Printed: the time of each phase (import, read+clean, train, predict, cluster, score) by
time.perf_counter; the wall time since this module was imported; the CPU time (user+sys, this
process and its children, from resource.getrusage; DuckDB works in threads of this process);
the peak RSS (ru_maxrss, taken after clustering, before scoring, and again at the end); and
B-cubed and pairwise precision/recall/F1 of the clusters against the truth, computed here
from the cluster x entity contingency table (never by enumerating pairs), then one line:

    splink: wall 31.9 s, cpu 55.2 s, peak 1.90 GiB, B-cubed F1 0.9950, pairwise F1 0.9800, ...
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import logging  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterable  # noqa: E402
from pathlib import Path  # noqa: E402

LEGAL_FORMS = ["inc", "incorporated", "ltd", "limited", "llc", "l l c", "corp", "corporation",
               "co", "company", "group", "gmbh", "plc", "kk"]
STREET_TYPES = {"street": "st", "avenue": "ave", "road": "rd", "boulevard": "blvd",
                "lane": "ln", "drive": "dr", "court": "ct", "place": "pl"}


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def clean_sql(csv_path: Path) -> str:
    """The DuckDB statement that reads the CSV and writes the cleaned table `companies`."""
    legal = "|".join(LEGAL_FORMS)
    addr = "lower(translate(address, '０１２３４５６７８９－', '0123456789-'))"
    addr = f"regexp_replace({addr}, '[^\\p{{L}}\\p{{N}}]+', ' ', 'g')"
    for long, short in STREET_TYPES.items():
        addr = f"regexp_replace({addr}, '\\b{long}\\b', '{short}', 'g')"
    return f"""
    create or replace macro clean_name(s) as nullif(trim(regexp_replace(regexp_replace(
        regexp_replace(replace(replace(replace(lower(s), '株式会社', ' '), '(株)', ' '),
                               '（株）', ' '),
                       '[^\\p{{L}}\\p{{N}}]+', ' ', 'g'),
        '\\b({legal})\\b', ' ', 'g'), '\\s+', ' ', 'g')), '');
    create or replace table companies as
    with raw as (
        select * from read_csv({_sql_str(str(csv_path))}, header = true, all_varchar = true)
    ), cleaned as (
        select listing_id as unique_id,
               clean_name(name) as name_clean,
               coalesce(clean_name(name_en),
                        case when regexp_matches(name, '^[\\x00-\\x7F]*$')
                             then clean_name(name) end) as name_latin,
               nullif(trim(regexp_replace({addr}, '\\s+', ' ', 'g')), '') as address_clean,
               nullif(lower(trim(city)), '') as city_clean,
               nullif(upper(trim(country)), '') as country,
               nullif(upper(regexp_replace(postal_code, '\\s+', '', 'g')), '') as postal_clean,
               nullif(right(regexp_replace(phone, '[^0-9]', '', 'g'), 9), '') as phone_key
        from raw
    )
    select *, split_part(name_clean, ' ', 1) as name_token1 from cleaned
    """


def scores(cells: Iterable[tuple[int, int, int]]) -> dict[str, float]:
    """B-cubed and pairwise precision/recall/F1 from the contingency table of the clustering
    against the truth: one (n, cluster_size, entity_size) per non-empty (cluster, entity) cell,
    n the records in both. Each record's B-cubed precision is |its cluster & its entity| /
    |its cluster|, so a cell adds n * n / cluster_size; recall likewise with entity_size.
    Pairwise: true positive pairs are n*(n-1)/2 per cell; predicted pairs sum to
    size*(size-1)/2 per cluster, which a cell's share n*(cluster_size-1)/2 adds up to."""
    records = 0
    clusters = entities = 0.0
    b_p = b_r = 0.0
    tp = pred = true = 0
    for n, cs, es in cells:
        records += n
        b_p += n * n / cs
        b_r += n * n / es
        tp += n * (n - 1) // 2
        pred += n * (cs - 1)
        true += n * (es - 1)
        clusters += n / cs
        entities += n / es
    pred //= 2
    true //= 2

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    bp = b_p / records if records else 1.0
    br = b_r / records if records else 1.0
    pp = tp / pred if pred else 1.0
    pr = tp / true if true else 1.0
    return {"records": records, "clusters": round(clusters), "entities": round(entities),
            "bcubed_p": bp, "bcubed_r": br, "bcubed_f1": f1(bp, br),
            "pair_tp": tp, "pair_pred": pred, "pair_true": true,
            "pair_p": pp, "pair_r": pr, "pair_f1": f1(pp, pr)}


def score_labels(predicted: dict[str, object], truth: dict[str, object]) -> dict[str, float]:
    """scores() for in-memory labellings (record -> cluster id, record -> entity id), for small
    inputs and tests; records missing from `truth` are their own entity."""
    cell: dict[tuple[object, object], int] = {}
    csize: dict[object, int] = {}
    esize: dict[object, int] = {}
    for rec, c in predicted.items():
        e = truth.get(rec, ("__none__", rec))
        cell[c, e] = cell.get((c, e), 0) + 1
        csize[c] = csize.get(c, 0) + 1
        esize[e] = esize.get(e, 0) + 1
    return scores((n, csize[c], esize[e]) for (c, e), n in cell.items())


CONTINGENCY_SQL = """
with j as (
    select c.cluster_id, coalesce(t.entity_id, '__none__' || c.unique_id) as entity_id
    from {clusters} as c left join truth as t on c.unique_id = t.listing_id
), cell as (
    select cluster_id, entity_id, count(*) as n from j group by cluster_id, entity_id
)
select n, sum(n) over (partition by cluster_id) as cs, sum(n) over (partition by entity_id) as es
from cell
"""


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def _cpu_s() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", type=Path)
    parser.add_argument("--truth", type=Path, required=True, help="listing_id,entity_id CSV")
    parser.add_argument("--threshold", type=float, default=0.9,
                        help="match probability to predict and cluster at (default 0.9)")
    parser.add_argument("--u-pairs", type=float, default=1e7,
                        help="pairs sampled to estimate u (default 1e7)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--verbose", action="store_true", help="show Splink's INFO log")
    args = parser.parse_args(argv)

    phases: list[tuple[str, float]] = []
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        phases.append((name, now - t))
        print(f"  {name:<11} {now - t:8.2f} s", flush=True)
        t = now

    import duckdb
    import splink
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    print(f"splink {splink.__version__}, duckdb {duckdb.__version__}: {args.csv}", flush=True)
    lap("import")

    con = duckdb.connect(":memory:")
    con.execute(clean_sql(args.csv))
    rows = con.execute("select count(*) from companies").fetchall()[0][0]
    db_api = DuckDBAPI(connection=con)
    df = db_api.register("companies")
    lap("read+clean")

    name = cl.CustomComparison(
        output_column_name="name_clean",
        comparison_levels=[
            cll.NullLevel("name_clean"),
            cll.ExactMatchLevel("name_clean", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("name_clean", 0.92),
            cll.JaroWinklerLevel("name_clean", 0.80),
            cll.ExactMatchLevel("name_latin").configure(
                label_for_charts="Exact match on name_latin (across scripts)"),
            cll.ElseLevel(),
        ],
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            name,
            cl.LevenshteinAtThresholds("address_clean", 2),
            cl.ExactMatch("city_clean").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postal_clean").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone_key"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name_clean", "country"),
            block_on("phone_key"),
            block_on("postal_clean", "substr(name_clean, 1, 3)"),
            block_on("name_token1", "city_clean"),
            block_on("address_clean", "postal_clean"),
            block_on("name_latin", "country"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    log_level = logging.INFO if args.verbose else logging.WARNING
    linker = Linker(df, settings, log_level=log_level)

    linker.training.estimate_probability_two_random_records_match(
        [
            "l.name_clean = r.name_clean and l.postal_clean = r.postal_clean",
            "l.phone_key = r.phone_key and l.address_clean = r.address_clean",
        ],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=args.u_pairs, seed=args.seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name_clean"), estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postal_clean"), estimate_without_term_frequencies=True, max_pairs=5e6)
    lap("train")

    predictions = linker.inference.predict(threshold_match_probability=args.threshold)
    edges = con.execute(f"select count(*) from {predictions.physical_name}").fetchall()[0][0]
    lap("predict")

    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=args.threshold)
    lap("cluster")
    peak_splink = _rss_gib()

    con.execute("create or replace table truth as select listing_id, entity_id from read_csv("
                f"{_sql_str(str(args.truth))}, header = true, all_varchar = true)")
    cur = con.execute(CONTINGENCY_SQL.format(clusters=clusters.physical_name))

    def cells() -> Iterable[tuple[int, int, int]]:
        while batch := cur.fetchmany(100_000):
            yield from batch

    s = scores(cells())
    lap("score")

    wall = time.perf_counter() - _T0
    cpu = _cpu_s()
    peak_end = _rss_gib()
    print(f"  rows {rows}, edges >= {args.threshold} {edges}, clusters {s['clusters']}, "
          f"true entities {s['entities']}")
    print(f"  wall {wall:.1f} s, cpu {cpu:.1f} s (user+sys, self+children), "
          f"peak RSS {peak_splink:.2f} GiB through clustering, {peak_end:.2f} GiB at the end")
    print(f"  B-cubed  P {s['bcubed_p']:.4f}  R {s['bcubed_r']:.4f}  F1 {s['bcubed_f1']:.4f}")
    print(f"  pairwise P {s['pair_p']:.4f}  R {s['pair_r']:.4f}  F1 {s['pair_f1']:.4f}  "
          f"(tp {s['pair_tp']}, predicted {s['pair_pred']}, true {s['pair_true']})")
    print(f"splink: wall {wall:.1f} s, cpu {cpu:.1f} s, peak {peak_splink:.2f} GiB, "
          f"B-cubed F1 {s['bcubed_f1']:.4f}, pairwise F1 {s['pair_f1']:.4f}, rows {rows}, "
          f"clusters {s['clusters']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
