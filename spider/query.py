"""Query resolution: a company name (fuzzy, any script) or a segment ("Tokyo five-star hotel").

A company name seeds the walk at that company; a segment seeds it at the signal nodes its
words name, through a vocabulary of synonyms (spider/data/vocabulary.toml) plus the labels
of the signals in the database. Words that match nothing are reported, never dropped.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import sqlite3
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources

import sqlite_utils
from rapidfuzz import fuzz, process

from spider import places
from spider.errors import QueryError
from spider.normalize import compact, normalize_name

# A phrase's alternates weigh less than the word the user typed ("five-star" seeds
# tier:five-star fully and tier:luxury at half).
ALTERNATE_WEIGHT = 0.5
COMPANY_EXACT = 100.0
COMPANY_FUZZY = 90.0
COMPANY_MARGIN = 3.0
PREFIX_SCORE = 90.0
# How many trigram-sharing names a fuzzy lookup scores; bounds its cost at any scale.
TRIGRAM_CANDIDATES = 2000


@dataclass
class Term:
    label: str
    facet: str
    signals: list[str]
    implies: list[str] = field(default_factory=list)


@dataclass
class Facet:
    """One part of a segment; a company matches it if it has any of `signals`."""

    label: str
    signals: dict[str, float]
    place: bool = False


@dataclass
class Query:
    text: str
    kind: str  # "company" or "segment"
    company_id: int | None = None
    company_name: str = ""
    facets: list[Facet] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def seeds(self) -> dict[tuple[str, object], float]:
        if self.kind == "company":
            return {("c", self.company_id): 1.0}
        seeds: dict[tuple[str, object], float] = defaultdict(float)
        for facet in self.facets:
            total = sum(facet.signals.values()) or 1.0
            for signal, weight in facet.signals.items():
                seeds[("s", signal)] += weight / total / len(self.facets)
        return dict(seeds)


def fold_query(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = re.sub(r"[\"'“”‘’「」、。,;:!?()（）]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _is_cjk(ch: str) -> bool:
    return ord(ch) > 0x2E7F


# ---------------------------------------------------------------- name index


# Words a company's name carries that people drop when they say it ("Sony" for Sony Group
# Corporation, "パナソニック" for パナソニック ホールディングス).
_GENERIC_NAME_WORDS = re.compile(
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
    return {k for k in keys if k}


def build_name_index(db: sqlite_utils.Database) -> None:
    """Write `company_names`: every name a company goes by, with its normalized keys."""
    rows = {}
    for company_id, *names in db.execute(
        "select l.company_id, r.name, r.name_local, r.name_en, r.legal_name from records r "
        "join record_links l on l.record_id = r.id"
    ):
        for name in names:
            if name:
                for key in name_keys(name):
                    rows[(company_id, key)] = {"company_id": company_id, "name": name, "key": key}
    with db.conn:
        db.execute("delete from company_names")
        db["company_names"].insert_all(rows.values(), batch_size=5000)
    _index_trigrams(db)
    _name_keys.cache_clear()


def _index_trigrams(db: sqlite_utils.Database) -> None:
    """A trigram full-text index over name keys, so a fuzzy lookup reads only the names that
    share character trigrams with the query, however many companies there are."""
    try:
        with db.conn:
            db.execute("create virtual table if not exists company_names_fts using fts5("
                       "key, tokenize='trigram', content='company_names', content_rowid='rowid')")
            db.execute("insert into company_names_fts(company_names_fts) values ('rebuild')")
    except sqlite3.OperationalError:
        pass  # an SQLite without FTS5: lookups scan the names in memory instead


def _trigram_candidates(db: sqlite_utils.Database, key: str,
                        limit: int) -> tuple[list[str], list[int], list[str]] | None:
    """Name keys sharing trigrams with `key`, best (bm25) first; None if there is no index."""
    grams = sorted({key[i:i + 3] for i in range(len(key) - 2)})
    if not grams:
        return None
    match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
    try:
        rows = db.execute(
            "select n.key, n.company_id, n.name from company_names_fts f join company_names n "
            "on n.rowid = f.rowid where company_names_fts match ? order by f.rank limit ?",
            [match, limit]).fetchall()
    except sqlite3.OperationalError:
        return None
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


@functools.lru_cache(maxsize=4)
def _name_keys(db_path: str, built_at: str) -> tuple[list[str], list[int], list[str]]:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("select key, company_id, name from company_names").fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def find_companies(db: sqlite_utils.Database, text: str, *, limit: int = 8,
                   cutoff: float = 70.0) -> list[dict]:
    """Companies whose names match `text`, best first: [{company_id, name, score}, ...]."""
    key = compact(normalize_name(text))
    if not key:
        return []
    exact = [r[0] for r in db.execute("select distinct company_id from company_names where key = ?", [key])]
    scores: dict[int, float] = {cid: COMPANY_EXACT for cid in exact}
    found = _trigram_candidates(db, key, TRIGRAM_CANDIDATES)
    if found is None:
        path = db.conn.execute("pragma database_list").fetchone()[2]
        built = db.execute("select value from meta where key = 'built_at'").fetchone()
        found = _name_keys(path, built[0] if built else "")
    keys, ids, names = found
    spaced = normalize_name(text)
    for choice, score, index in process.extract(key, keys, scorer=fuzz.ratio, limit=limit * 4,
                                                score_cutoff=0):
        # A name that starts with the whole query, word for word ("Hilton" in "Hilton
        # Worldwide", ソニー in ソニーグループ), is a strong candidate though the two differ in
        # length; never exact, and "Toyota" is no prefix of "Toyo Tanso".
        if len(key) >= 3 and choice.startswith(key) and _starts_with_words(names[index], spaced):
            score = max(score, PREFIX_SCORE)
        if score < cutoff:
            continue
        cid = ids[index]
        scores[cid] = max(scores.get(cid, 0.0), score)
    best = sorted(scores.items(), key=lambda item: -item[1])[:limit]
    return [{"company_id": cid, "score": score, **describe_company(db, cid)} for cid, score in best]


def _starts_with_words(name: str, query: str) -> bool:
    normalized = normalize_name(name)
    if not normalized.startswith(query):
        return False
    rest = normalized[len(query):]
    return not rest or rest[0] == " " or not (query[-1:].isascii() and rest[0].isascii())


def describe_company(db: sqlite_utils.Database, company_id: int) -> dict:
    row = db.execute(
        "select name, name_local, name_en, city, region, country, category, address "
        "from companies where id = ?", [company_id]).fetchone()
    if not row:
        return {"name": f"#{company_id}", "label": f"#{company_id}"}
    name, local, en, city, region, country, category, address = row
    # Where exactly, so that branches sharing a name (four "APA Hotel"s) can be told apart.
    district = db.execute(
        "select s.label from company_signals cs join signals s on s.signal = cs.signal "
        "where cs.company_id = ? and s.kind = 'district'", [company_id]).fetchone()
    city = district[0].split(",")[0] if district else (address or city)
    shown = name or en or local
    other = next((n for n in (local, en) if n and n != shown), "")
    where = ", ".join(p for p in (city, region, country) if p)
    kind = category or "company"
    label = f"#{company_id} {shown}" + (f" / {other}" if other else "") + f" ({kind}; {where})" if where \
        else f"#{company_id} {shown}" + (f" / {other}" if other else "") + f" ({kind})"
    return {"name": shown, "label": label}


# ---------------------------------------------------------------- vocabulary


@functools.cache
def _vocabulary() -> tuple[list[Term], frozenset[str], dict[str, Term]]:
    text = resources.files("spider.data").joinpath("vocabulary.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    terms, by_phrase = [], {}
    for entry in data.get("term", []):
        term = Term(entry["label"], entry["facet"], entry["signals"], entry.get("implies", []))
        terms.append(term)
        for phrase in entry["phrases"]:
            by_phrase[fold_query(phrase)] = term
    filler = frozenset(fold_query(p) for p in data.get("filler", {}).get("phrases", []))
    return terms, filler, by_phrase


_FACET_OF_KIND = {"country": "place", "region": "place", "city": "place", "district": "place",
                  "industry": "industry", "concept": "industry", "sector": "industry",
                  "category": "category", "brand": "brand", "group": "brand", "tier": "tier"}


def phrase_table(db: sqlite_utils.Database) -> dict[str, Term]:
    """Every phrase the query parser knows: the vocabulary plus signal labels in this database."""
    _, _, table = _vocabulary()
    phrases = dict(table)
    learned: dict[str, Term] = {}
    for signal, kind, label in db.execute(
        "select signal, kind, label from signals where kind in "
        "('region','city','district','industry','concept','sector','brand','group','category') "
        "order by companies desc"
    ):
        for phrase in _label_phrases(kind, label, signal):
            if not phrase or phrase in phrases or len(phrase) < 2:
                continue
            facet = _FACET_OF_KIND[kind]
            term = learned.get(phrase)
            if term is None:
                learned[phrase] = Term(label, facet, [signal])
            elif term.facet == facet and signal not in term.signals:
                # One phrase, several signals of one facet (a city with and without its
                # state): the phrase names all of them.
                term.signals.append(signal)
    phrases.update(learned)
    return phrases


def _label_phrases(kind: str, label: str, signal: str) -> list[str]:
    label = label or ""
    out = []
    head, _, paren = label.partition(" (")
    for part in (label, head, paren.rstrip(")")):
        part = fold_query(part)
        if not part:
            continue
        forms = [part]
        if part.isascii() and " " in part:
            forms.append(part.replace(" ", ""))  # "steak houses" is also "steakhouses"
        for form in forms:
            out.append(form)
            if form.endswith("s") and form.isascii() and len(form) > 4:
                out.append(form[:-1])
    if kind in ("city", "district"):
        out.append(fold_query(label.split(",")[0]))
    if kind == "district":
        name = signal.split(":", 2)[2]
        for d in places.tokyo_districts():
            if d.en == name:
                out.append(d.ja)
    if kind == "city" and signal.startswith("place:city:JP-13/"):
        ward = signal.rsplit("/", 1)[1]
        for ja, en in places.tokyo_wards().items():
            if en == ward and not ja.isascii():
                out.append(ja)
    if kind == "region" and signal.startswith("place:region:JP-"):
        code = signal.split(":", 2)[2]
        out += [k for k, (c, _) in places.prefectures().items() if c == code]
    return out


# ---------------------------------------------------------------- parsing


def parse_segment(db: sqlite_utils.Database, text: str) -> tuple[list[tuple[str, Term]], list[str], list[str]]:
    """Split a query into known phrases (longest first), filler words and unknown words.

    A phrase matched only approximately (a typo) comes back as "~word".
    """
    phrases = phrase_table(db)
    _, filler, _ = _vocabulary()
    longest = max((len(p) for p in phrases), default=1)
    q = fold_query(text)
    found: list[tuple[str, Term]] = []
    unknown: list[str] = []
    fillers: list[str] = []
    pending = ""
    i = 0
    while i < len(q):
        if q[i] == " ":
            i += 1
            continue
        at_word_start = i == 0 or q[i - 1] == " " or _is_cjk(q[i]) or _is_cjk(q[i - 1])
        match = None
        if at_word_start:
            for length in range(min(longest, len(q) - i), 0, -1):
                piece = q[i:i + length]
                end = i + length
                if piece in phrases or piece in filler:
                    ends_word = end == len(q) or q[end] == " " or _is_cjk(q[end]) or _is_cjk(q[end - 1])
                    if ends_word:
                        match = piece
                        break
        if match:
            if pending:
                unknown.append(pending)
                pending = ""
            if match in phrases:
                found.append((match, phrases[match]))
            else:
                fillers.append(match)
            i += len(match)
            continue
        if _is_cjk(q[i]):
            pending += q[i]
            i += 1
            continue
        end = q.find(" ", i)
        end = len(q) if end < 0 else end
        while end > i + 1 and _is_cjk(q[end - 1]):
            end -= 1
        word = q[i:end]
        if pending:
            unknown.append(pending)
            pending = ""
        guess = _fuzzy_phrase(word, phrases)
        if guess:
            found.append(("~" + word, phrases[guess]))  # ~ marks a typo-tolerant match
        else:
            unknown.append(word)
        i = end
    if pending:
        unknown.append(pending)
    return found, fillers, unknown


def _fuzzy_phrase(word: str, phrases: dict[str, Term]) -> str | None:
    if len(word) < 5 or not word.isascii():
        return None
    single = [p for p in phrases if " " not in p and p.isascii() and abs(len(p) - len(word)) <= 2]
    best = process.extractOne(word, single, scorer=fuzz.ratio, score_cutoff=85)
    return best[0] if best else None


def _expand_signals(db: sqlite_utils.Database, patterns: list[str]) -> list[str]:
    known = _signal_names(db)
    out: list[str] = []
    for pattern in patterns:
        pattern = pattern.lower()
        if any(ch in pattern for ch in "*?["):
            out += [s for s in known if fnmatch.fnmatchcase(s.lower(), pattern)]
        elif pattern in known:
            out.append(known[pattern])
    return list(dict.fromkeys(out))


def _signal_names(db: sqlite_utils.Database) -> dict[str, str]:
    return {row[0].lower(): row[0] for row in db.execute("select signal from signals")}


def resolve_query(db: sqlite_utils.Database, text: str) -> Query:
    """Resolve QUERY to a company (by name) or a segment (by signal vocabulary)."""
    text = (text or "").strip()
    if not text:
        raise QueryError("empty query; give a company name or a segment like 'Tokyo five-star hotel'")
    if not db.execute("select exists(select 1 from company_signals)").fetchone()[0]:
        path = db.conn.execute("pragma database_list").fetchone()[2]
        raise QueryError(f"{path} holds no companies yet; add sources with `spider ingest FILE` "
                         "or `spider crawl URL`, or build the shipped seeds with `spider init --force`")
    match = re.fullmatch(r"#?(\d{1,18})", text)
    if match and db.execute("select 1 from companies where id = ?", [int(match.group(1))]).fetchone():
        cid = int(match.group(1))
        return Query(text, "company", company_id=cid, company_name=describe_company(db, cid)["name"])
    candidates = find_companies(db, text)
    strong = [c for c in candidates if c["score"] >= COMPANY_FUZZY]
    found, fillers, unknown = parse_segment(db, text)
    segment_covers = bool(found) and not unknown
    exact = [c for c in strong if c["score"] >= COMPANY_EXACT]
    facets_named = {t.facet for _, t in found}
    if segment_covers and len(facets_named) >= 2 and "brand" not in facets_named and exact:
        # Every word is a segment word ("Tokyo business hotel"): the user means the segment,
        # even if some hotel is called just that. A brand plus a place ("Conrad Tokyo") is a
        # property's name, not a segment.
        query = _segment_query(db, text, found, fillers, unknown, candidates)
        query.notes.append("also the name of " + "; ".join(c["label"] for c in exact[:3]) +
                           f"; expand '#{exact[0]['company_id']}' for that company's lookalikes")
        return query
    if len(exact) == 1 or (strong and not exact and not segment_covers):
        top = exact or strong
        rivals = [c for c in top[1:] if c["score"] >= top[0]["score"] - COMPANY_MARGIN]
        if not exact and rivals:
            raise QueryError(f"{text!r} matches several companies; rerun with one of these ids "
                             f"(e.g. spider expand '#{top[0]['company_id']}')", candidates=top[:8])
        query = Query(text, "company", company_id=top[0]["company_id"], company_name=top[0]["name"])
        others = [c for c in candidates if c["company_id"] != query.company_id and c["score"] >= 85]
        if others:
            query.notes.append("also close: " + "; ".join(c["label"] for c in others[:3]))
        return query
    if len(exact) > 1:
        chosen = _property_of_group(db, exact)
        if chosen:
            query = Query(text, "company", company_id=chosen["company_id"], company_name=chosen["name"])
            group = next(c for c in exact if c is not chosen)
            query.notes.append(f"'{text}' also names its operating group {group['label']}; "
                               f"expand '#{group['company_id']}' for the group's peers")
            return query
        raise QueryError(f"{text!r} is the name of {len(exact)} companies; rerun with one id "
                         f"(e.g. spider expand '#{exact[0]['company_id']}')", candidates=exact[:8])
    return _segment_query(db, text, found, fillers, unknown, candidates)


def _property_of_group(db: sqlite_utils.Database, exact: list[dict]) -> dict | None:
    """When one name is both a listed group and its own flagship property (帝国ホテル the firm
    and 帝国ホテル the hotel), the name is not ambiguous to a rep: pick the property."""
    groups = []
    for cand in exact:
        groups.append({s for s, in db.execute(
            "select signal from company_signals where company_id = ? and signal like 'group:%'",
            [cand["company_id"]])})
    if not groups or not set.intersection(*groups):
        return None
    properties = [c for c in exact if not db.execute(
        "select 1 from company_signals where company_id = ? and (signal like 'industry:%' "
        "or signal = 'concept:hotel_operator')", [c["company_id"]]).fetchone()]
    return properties[0] if len(properties) == 1 else None


def _segment_query(db, text, found, fillers, unknown, candidates) -> Query:
    terms_by_label = {t.label: t for t in _vocabulary()[0]}
    by_facet: dict[str, dict[str, float]] = defaultdict(dict)
    labels: dict[str, list[str]] = defaultdict(list)
    notes: list[str] = []
    terms = [t for _, t in found]
    for term in list(terms):
        terms += [terms_by_label[name] for name in term.implies if name in terms_by_label]
    for term in terms:
        signals = _expand_signals(db, term.signals)
        if not signals:
            notes.append(f"'{term.label}' is understood, but no company in this database has it")
            continue
        for rank, signal in enumerate(signals):
            weight = 1.0 if rank == 0 or signal in term.signals[:1] else ALTERNATE_WEIGHT
            by_facet[term.facet][signal] = max(by_facet[term.facet].get(signal, 0.0), weight)
        if term.label not in labels[term.facet]:
            labels[term.facet].append(term.label)
    for word, term in found:
        if word.startswith("~"):
            notes.append(f"read '{word[1:]}' as '{term.label}'")
    if not by_facet:
        hint = "; the closest company names are below" if candidates else ""
        raise QueryError(f"{text!r} matches no company and no segment word{hint}. Try a company "
                         "name as `spider records` shows it, or words like 'Tokyo five-star hotel'",
                         candidates=candidates[:5])
    order = ["tier", "category", "industry", "brand", "place"]
    facets = [Facet(" or ".join(labels[f]), by_facet[f], place=(f == "place"))
              for f in order if f in by_facet]
    query = Query(text, "segment", facets=facets, ignored=unknown, notes=notes)
    if fillers:
        query.notes.append("filler words ignored: " + ", ".join(fillers))
    return query
