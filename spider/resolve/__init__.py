"""Entity resolution: records -> companies, in stages a reader can run and inspect one by one.

    normalize, kana, concepts, keys   names in any script and hard keys, folded (pure)
    prepare    one record's comparable features; IDF weights of name tokens
    block      candidate pairs, each with the rule that proposed it
    score      a 0..100 score per pair with a breakdown by field
    cluster    merges best first, never through a bridge, never across a cannot-link
    records    the four above in memory (`resolve_records`), for the stage and the benchmarks
    survive    a company's fields from its records
    stage      `resolve_companies`: `records` + `decisions` -> `companies`, `record_links`,
               `review_queue`
    decisions  merges, splits and review answers a person makes, kept by stable record keys
    properties hotel property links across scripts and lists (a matcher the stage adds)
    parallel   the executor seam: pure slices of work in forked processes

This package imports nothing on its own: import the module you need, so that reading a name
key (`spider.resolve.normalize`) never loads numpy.
"""
