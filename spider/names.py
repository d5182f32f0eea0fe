"""Company-name lookup: every name a company goes by, under normalized keys (`company_names`),
with a trigram full-text index so a fuzzy lookup reads only the names that share character
trigrams with what the user typed, however many companies there are.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from typing import Any

from rapidfuzz import fuzz, process

from spider.db import (
    Database,
    bulk_load,
    dicts_in,
    execute_in,
    has_table,
    insert_rows,
    rows_in,
    transaction,
)
from spider.fields import REGISTERED_NAME_SQL
from spider.resolve.kana import romaji_key
from spider.resolve.normalize import compact, is_japanese, normalize_name
from spider.resolve.readings import reading_words
from spider.runtime import lazy_pattern

COMPANY_EXACT = 100.0
GONE_BELOW = 5.0  # how far a company gone from every source ranks below a live one
PREFIX_SCORE = 90.0
# How many trigram-sharing names a fuzzy lookup scores; bounds its cost at any scale.
TRIGRAM_CANDIDATES = 2000
# An index of more names than this looks up the rarer half of a key's trigrams (at least
# RARE_TRIGRAMS of them), not all: the shipped seeds' index (15,000 names) reads them all.
LARGE_INDEX = 200_000
RARE_TRIGRAMS = 8
CLOSE_TRIGRAMS = 4  # the fewest trigrams a budgeted lookup reads (`_rarer_half`)
# The names' entries a lookup for close names beside an exact one reads (all of them scored,
# none ranked first: 8,000 in 0.03 s on a national register, against 0.09 s ranking 20,000)
CLOSE_POSTINGS = 10_000


# Words a company's name carries that people drop when they say it ("Sony" for Sony Group
# Corporation, "パナソニック" for パナソニック ホールディングス).
_GENERIC_NAME_WORDS = lazy_pattern(
    r"(?:^|(?<=\s))(group|holdings?|hd|corporation|company|international|worldwide|global|"
    r"incorporated|limited|the)(?=\s|$)|ホールディングス|グループ|ＨＤ|HD$")


def name_keys(name: str) -> set[str]:
    """Every key a name is found under: its normalized form, and that form without the
    generic words people leave out when they say it."""
    normalized = normalize_name(name)
    keys = {compact(normalized)}
    core = compact(_GENERIC_NAME_WORDS.sub(" ", normalized))
    if len(core) >= 2:
        keys.add(core)
    if is_japanese(normalized):
        # Read aloud, so a rep who types the name in Latin letters finds it: 加賀屋 is Kagaya.
        read = "".join(reading_words(normalized))
        if read.isascii() and len(read) >= 3:
            keys |= {read, romaji_key(read)}
    return {k for k in keys if k}


_UPSERT = ("insert into company_names (company_id, name, key) values (?, ?, ?) on conflict "
           "(company_id, key) do update set name = excluded.name")


def build_name_index(db: Database, *, workers: int | None = None) -> None:
    """Write `company_names`: every name a company goes by, with its normalized keys.
    Streamed: a name met again under a key the company already has replaces the earlier one
    in place, as the last writer wins. A large directory's keys are worked out in `workers`
    forked processes (default: the CPUs), in order, so the last writer is the same."""
    with transaction(db):
        with bulk_load(db, "company_names", ("key",)):
            db.execute("delete from company_names")
            _load_names(db, workers)
        _index_trigrams(db)
    _name_keys.cache_clear()


_NAMES_ROWS = 5000  # records sent to a worker at a time
# Every name each company's records give, the company first (the name index's input).
# (and its reading in kana, where its list gives one: a rep types ボタニカ for BOTANICA)
_NAMES_OF = ("select l.company_id, r.name, r.name_local, r.name_en, r.legal_name, "
             f"{REGISTERED_NAME_SQL}, r.name_kana from records r join record_links l on "
             "l.record_id = r.id")


def _load_names(db: Database, workers: int | None) -> None:
    from spider.resolve import parallel  # multiprocessing: loaded when a build runs

    cursor = db.execute(_NAMES_OF)
    size = db.execute("select count(*) from record_links").fetchone()[0]
    chunks = iter(lambda: cursor.fetchmany(_NAMES_ROWS), [])
    for keyed in parallel.map_chunks(_keyed_names, chunks, parallel.pool_size(size, workers)):
        db.conn.executemany(_UPSERT, keyed)


def _keyed_names(_state: None, _start: int, rows: list[tuple[Any, ...]]
                 ) -> list[tuple[int, str, str]]:
    """(company id, name, key) for every name of ROWS (company id, then its names) and each
    key it is found under."""
    return [(company_id, name, key) for company_id, *names in rows
            for name in names if name for key in name_keys(name)]


def refresh_names(db: Database, changed: list[int], removed: list[int]) -> None:
    """Re-index the names of a few companies (after a merge or a split), the full-text index
    row by row: `company_names_fts` is an external-content index, told of each row it loses."""
    affected = [*changed, *removed]
    fts = has_table(db, "company_names_fts")
    with transaction(db):
        old = list(rows_in(db, "select rowid, key from company_names where company_id in ({marks})",
                           affected))
        if fts:
            db.conn.executemany("insert into company_names_fts(company_names_fts, rowid, key) "
                                "values ('delete', ?, ?)", old)
        execute_in(db, "delete from company_names where company_id in ({marks})", affected)
        rows = {}
        for company_id, *names in rows_in(db, _NAMES_OF + " where l.company_id in ({marks})",
                                          changed):
            for name in names:
                if name:
                    for key in name_keys(name):
                        rows[(company_id, key)] = {"company_id": company_id, "name": name, "key": key}
        top = db.execute("select coalesce(max(rowid), 0) from company_names").fetchone()[0]
        insert_rows(db, "company_names", rows.values())
        if fts:
            db.execute("insert into company_names_fts(rowid, key) select rowid, key from "
                       "company_names where rowid > ?", [top])
    _name_keys.cache_clear()


def _index_trigrams(db: Database) -> None:
    """A trigram full-text index over name keys, so a fuzzy lookup reads only the names that
    share character trigrams with the query, however many companies there are."""
    try:
        with transaction(db):
            db.execute("create virtual table if not exists company_names_fts using fts5("
                       "key, tokenize='trigram', content='company_names', content_rowid='rowid')")
            db.execute("insert into company_names_fts(company_names_fts) values ('rebuild')")
            # How many names hold each trigram (a view over the index, nothing stored), so a
            # lookup in a large index reads only the names sharing its rarer trigrams.
            db.execute("create virtual table if not exists company_names_vocab using "
                       "fts5vocab(company_names_fts, 'row')")
            # ... counted once here (a national register's 8,000 trigrams in about a second):
            # the view counts a trigram by reading its whole list of names, 1.5 ms a lookup,
            # and a name looked up in a large index asks for twenty. (A merge or split that
            # re-indexes a few names leaves the counts a little behind: they only choose
            # which trigrams to read.)
            db.execute("drop table if exists company_names_grams")
            db.execute("create table company_names_grams (term text primary key, docs integer) "
                       "without rowid")
            db.execute("insert into company_names_grams select term, doc from company_names_vocab")
    except sqlite3.OperationalError:
        pass  # an SQLite without FTS5: lookups scan the names in memory instead


def _trigram_candidates(db: Database, key: str, limit: int, *, budget: int | None = None,
                        ) -> tuple[list[str], list[int], list[str]] | None:
    """Name keys sharing trigrams with `key`, best (bm25) first; None if there is no index.
    BUDGET: in a large index, the rarest trigrams only while the names holding them stay
    within it (see `_rarer_half`)."""
    grams = sorted({key[i:i + 3] for i in range(len(key) - 2)})
    if not grams:
        return None
    postings = None
    if len(grams) > RARE_TRIGRAMS:
        grams, postings = _rarer_half(db, grams, budget)
    match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
    try:
        if budget is not None and postings is not None and postings <= budget:
            # Few enough names hold them to score every one: no ranking by bm25 (which
            # scores each before the first is returned), no candidate left out.
            rows = db.execute(
                "select n.key, n.company_id, n.name from company_names_fts f join "
                "company_names n on n.rowid = f.rowid where company_names_fts match ?",
                [match]).fetchall()
        else:
            rows = db.execute(
                "select n.key, n.company_id, n.name from company_names_fts f join company_names "
                "n on n.rowid = f.rowid where company_names_fts match ? order by f.rank limit ?",
                [match, limit]).fetchall()
    except sqlite3.OperationalError:
        return None
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def _rarer_half(db: Database, grams: list[str], budget: int | None = None
                ) -> tuple[list[str], int | None]:
    """In a large index, the rarer half of a key's trigrams (at least RARE_TRIGRAMS): ranking
    every name that shares "ent" or "oup" costs a national register a third of a second, and
    a name like the one typed shares its rarer trigrams too. A small index: all of them.
    BUDGET: fewer, while the names holding them stay within it (at least CLOSE_TRIGRAMS):
    used only for close names beside an exact one, where a miss costs a note, not the
    answer. Not for every lookup: on a national register it would halve a lookup's time
    (0.13 -> 0.06 s) but find fewer typo'd names first (252 of 300 against 261). Returns the
    trigrams and how many names' entries they hold in all (None when not counted)."""
    try:
        if (db.execute("select max(rowid) from company_names").fetchone()[0] or 0) < LARGE_INDEX:
            return grams, None
        docs = _gram_counts(db, grams)
    except sqlite3.OperationalError:  # an index built before the vocabulary view
        return grams, None
    # A trigram no name has finds nothing: the rarest are taken among those some name holds
    # (junk words or swapped letters typed into the box would otherwise leave no candidate).
    held = sorted((docs[g], g) for g in grams if docs.get(g, 0) > 0)
    if not held:
        return grams, None
    keep = max(RARE_TRIGRAMS, len(held) // 2)
    if budget is not None:
        total = 0
        for count, (docs_of, _) in enumerate(held[:keep]):
            total += docs_of
            if count >= CLOSE_TRIGRAMS and total > budget:
                keep = count
                break
    return [g for _, g in held[:keep]], sum(n for n, _ in held[:keep])


def _gram_counts(db: Database, grams: list[str]) -> dict[str, int]:
    """How many names hold each of GRAMS: from the counts the build kept, else the index's
    vocabulary view (a database indexed before the counts were kept)."""
    marks = ", ".join("?" * len(grams))
    try:
        return dict(db.execute(f"select term, docs from company_names_grams where term in "
                               f"({marks})", grams).fetchall())
    except sqlite3.OperationalError:
        return dict(db.execute(f"select term, doc from company_names_vocab where term in "
                               f"({marks})", grams).fetchall())


@functools.lru_cache(maxsize=4)
def _name_keys(db_path: str, built_at: str) -> tuple[list[str], list[int], list[str]]:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("select key, company_id, name from company_names").fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def find_companies(db: Database, text: str, *, limit: int = 8,
                   cutoff: float = 70.0, exact_only: bool = False) -> list[dict]:
    """Companies whose names match `text`, best first: [{company_id, name, score}, ...].
    EXACT_ONLY: only those named exactly that (an index lookup, where the fuzzy search ranks
    every name sharing a trigram: a third of a second in a national register)."""
    key = compact(normalize_name(text))
    if not key:
        return []
    # A name in Latin letters may be a Japanese name read aloud, spelt any way (Tôkyô).
    wanted = list(dict.fromkeys([key, romaji_key(key)] if key.isascii() else [key]))
    exact = [r[0] for r in db.execute("select distinct company_id from company_names where key in "
                                      f"({', '.join('?' * len(wanted))})", wanted)]
    scores: dict[int, float] = {cid: COMPANY_EXACT for cid in exact}
    if not exact_only:
        for cid, score in _close_names(db, text, key, limit, cutoff, bool(exact)).items():
            scores[cid] = max(scores.get(cid, 0.0), score)
    # A company gone from every source (its rows removed on a re-read) ranks below a live
    # one of its name: the rep means the one still listed, not the ghost of an older read.
    for cid, in rows_in(db, "select id from companies where id in ({marks}) and status = 'gone'",
                        sorted(scores)):
        scores[cid] -= GONE_BELOW
    best = sorted(scores.items(), key=lambda item: -item[1])[:limit]
    described = describe_companies(db, [cid for cid, _ in best])
    return [{"company_id": cid, "score": score, **described[cid]} for cid, score in best]


def _close_names(db: Database, text: str, key: str, limit: int, cutoff: float,
                 beside_exact: bool) -> dict[int, float]:
    """Companies whose names are like KEY (TEXT normalized and compacted), by fuzzy score of
    at least CUTOFF: candidates from the trigram index (BESIDE_EXACT: a name is typed
    exactly, so fewer trigrams are read, `_rarer_half`), else every name."""
    found = _trigram_candidates(db, key, TRIGRAM_CANDIDATES,
                                budget=CLOSE_POSTINGS if beside_exact else None)
    if found is not None and len(key) < 3 and not key.isascii():
        # Two characters are no trigram: a short Japanese name (一蘭) is looked for at the
        # start of every name ("一蘭 道頓堀店本館").
        rows = db.execute("select key, company_id, name from company_names where key like ? "
                          "limit ?", [key.replace("%", "") + "%", TRIGRAM_CANDIDATES]).fetchall()
        found = ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    if found is None:
        path = db.conn.execute("pragma database_list").fetchone()[2]
        built = db.execute("select value from meta where key = 'built_at'").fetchone()
        found = _name_keys(path, built[0] if built else "")
    keys, ids, names = found
    spaced = normalize_name(text)
    scores: dict[int, float] = {}
    for choice, score, index in process.extract(key, keys, scorer=fuzz.ratio, limit=limit * 4,
                                                score_cutoff=0):
        # A name that starts with the whole query, word for word ("Hilton" in "Hilton
        # Worldwide", ソニー in ソニーグループ), is a strong candidate though the two differ in
        # length; never exact, and "Toyota" is no prefix of "Toyo Tanso".
        if ((len(key) >= 3 or not key.isascii()) and len(key) >= 2 and choice.startswith(key)
                and _starts_with_words(names[index], spaced)):
            score = max(score, PREFIX_SCORE)
        if score < cutoff:
            continue
        cid = ids[index]
        scores[cid] = max(scores.get(cid, 0.0), score)
    return scores


def whole_words(words: str) -> re.Pattern[str]:
    """WORDS (a normalized name's) as whole words of another normalized name: "gruber" in
    "praxis dr josef gruber", not in "grubermann"."""
    return re.compile(r"(?<![^ ])" + re.escape(words) + r"(?![^ ])")


def named_within(db: Database, text: str, *, score: float) -> list[dict]:
    """Companies whose name holds TEXT as whole words ("Poilâne" of Boulangerie Poilâne,
    "Landemaine" of Maison Landemaine Bastille), each with SCORE, best (bm25) first: a rep
    types a client's own word, not the kind of business its name begins with. In Japanese,
    whose words run together, three characters or more inside the name."""
    spaced = normalize_name(text)
    key = compact(spaced)
    japanese = is_japanese(spaced) and len(key) >= 3
    if not japanese and (len(key) < 4 or not spaced.isascii()):
        return []
    found = _trigram_candidates(db, key, TRIGRAM_CANDIDATES)
    if found is None:
        return []
    whole = whole_words(spaced)

    def holds(name: str) -> bool:
        # A Japanese name's own part, where its words run together ("白石ライフ" of
        # 特別養護老人ホーム 白石ライフ), is inside the name; a Latin one is whole words of it
        return key in compact(name) if japanese else whole.search(name) is not None

    ids = list(dict.fromkeys(cid for cid, name in zip(found[1], found[2], strict=True)
                             if holds(normalize_name(name))))
    described = describe_companies(db, ids)
    return [{"company_id": cid, "score": score, **described[cid]} for cid in ids]


def _starts_with_words(name: str, query: str) -> bool:
    normalized = normalize_name(name)
    if not normalized.startswith(query):
        return False
    rest = normalized[len(query):]
    return not rest or rest[0] == " " or not (query[-1:].isascii() and rest[0].isascii())


def describe_companies(db: Database, ids: list[int]) -> dict[int, dict[str, str]]:
    """Each company's name and a label that tells same-named companies apart:
    '#12 APA Hotel / アパホテル (hotel; Shinjuku, Tokyo, JP)'."""
    rows = {r["id"]: r for r in dicts_in(
        db, "select id, name, name_local, name_en, city, region, country, category, address, "
        "status from companies where id in ({marks})", ids)}
    # Where exactly, so that branches sharing a name (four "APA Hotel"s) can be told apart.
    districts: dict[int, str] = {}
    for row in dicts_in(db, "select cs.company_id, s.label from company_signals cs join signals s "
                        "on s.signal = cs.signal where cs.company_id in ({marks}) and "
                        "s.kind = 'district'", ids):
        districts.setdefault(row["company_id"], row["label"])
    out: dict[int, dict[str, str]] = {}
    for company_id in ids:
        found = rows.get(company_id)
        if found is None:
            out[company_id] = {"name": f"#{company_id}", "label": f"#{company_id}"}
            continue
        row = found
        district = districts.get(company_id)
        city = district.split(",")[0] if district else (row["address"] or row["city"])
        # The town beside a street ("Aachener Straße, Köln"), unless the address says it.
        town = row["city"] if (not district and row["address"] and row["city"]
                               and row["city"].lower() not in row["address"].lower()) else ""
        shown = row["name"] or row["name_en"] or row["name_local"]
        other = next((n for n in (row["name_local"], row["name_en"]) if n and n != shown), "")
        where = ", ".join(p for p in (city, town, row["region"], row["country"]) if p)
        kind = row["category"] or "company"
        label = f"#{company_id} {shown}" + (f" / {other}" if other else "")
        label += f" ({kind}; {where})" if where else f" ({kind})"
        if row["status"] == "gone":
            label += " [gone from every source]"
        out[company_id] = {"name": shown, "label": label}
    return out


def describe_company(db: Database, company_id: int) -> dict[str, str]:
    return describe_companies(db, [company_id])[company_id]


def named_as_typed(candidates: list[dict], text: str) -> dict | None:
    """Of companies alike once their legal forms are set aside (two branches, "Hartley Moss
    Accountants Ltd" in Leeds, "Hartley Moss Accountants" in Wetherby), the one whose name is
    the very text typed, if exactly one is."""
    said = " ".join(text.casefold().split())
    typed = [c for c in candidates if " ".join(str(c.get("name") or "").casefold().split()) == said]
    return typed[0] if len(typed) == 1 else None
