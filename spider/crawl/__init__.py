"""Directories on the web: fetch politely, extract records, and resume where a crawl stopped.

    urls       one normal form for URLs, the crawl's scope, links worth a request
    robots     robots.txt per RFC 9309 (pure)
    cache      the HTTP cache (validators, compressed bodies) and the robots.txt cache
    fetch      the polite `Fetcher`: robots, per-host delay, retries, size cap, redirects
    frontier   one run's queue of pages in SQLite, so a crawl resumes
    decode     a page's bytes to text (Shift_JIS and EUC-JP included)
    html       text, list titles, links and pagination
    schemaorg  JSON-LD and microdata organisations
    recipes    per-directory CSS-selector recipes in TOML
    extract    a page to records: structured data, tables, recipes, repeated items
    crawler    `crawl_directory` (yields pages) and `ingest_directory` (saves them)

Fetching is separate from saving: nothing here but `ingest_directory` writes records.
"""
