"""Query resolution: a company name (fuzzy, any script) or a segment ("Tokyo five-star hotel").

A company name seeds the walk at that company; a segment seeds it at the signal nodes its
words name, through a vocabulary of synonyms (spider/data/vocabulary.toml) plus the labels
of the signals in the database. Words that match nothing are reported, never dropped.

The vocabulary is compiled once per build (`build_vocabulary`, into `query_terms` and
`query_phrases`), so a query reads only the phrases it contains: its cost does not grow with
the number of signals in the graph.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import tomllib
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import sqlite_utils
from rapidfuzz import fuzz, process

from spider import places
from spider.db import dicts_in, insert_rows, rows_in, transaction
from spider.errors import QueryError
from spider.names import COMPANY_EXACT, describe_company, find_companies
from spider.signals import HOTEL_OPERATOR

# A phrase's alternates weigh less than the word the user typed ("five-star" seeds
# tier:five-star fully and tier:luxury at half).
ALTERNATE_WEIGHT = 0.5
COMPANY_FUZZY = 90.0
COMPANY_MARGIN = 3.0


@dataclass
class Term:
    """What a phrase names: a label, its facet, the signal patterns it stands for (globs
    allowed), and those patterns as found in this database (`expanded`)."""

    label: str
    facet: str
    signals: list[str]
    implies: list[str] = field(default_factory=list)
    expanded: list[str] = field(default_factory=list)


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


# ---------------------------------------------------------------- the vocabulary of a build


@functools.cache
def _shipped_vocabulary() -> tuple[list[Term], frozenset[str], dict[str, Term]]:
    """The shipped vocabulary: its terms, filler words, and each phrase's term."""
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


class _Signals:
    """The signal names of a database, to expand a term's patterns (case-insensitive; globs
    by their literal prefix, so no pattern scans every signal)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.by_key: dict[str, str] = {}
        for (signal,) in db.execute("select signal from signals"):
            self.by_key[signal.lower()] = signal
        self.keys = sorted(self.by_key)

    def expand(self, patterns: Iterable[str]) -> list[str]:
        out: list[str] = []
        for pattern in patterns:
            pattern = pattern.lower()
            wild = min((pattern.index(ch) for ch in "*?[" if ch in pattern), default=-1)
            if wild < 0:
                if pattern in self.by_key:
                    out.append(self.by_key[pattern])
                continue
            prefix = pattern[:wild]
            found = []
            for key in self.keys[bisect_left(self.keys, prefix):]:
                if not key.startswith(prefix):
                    break
                if fnmatch.fnmatchcase(key, pattern):
                    found.append(self.by_key[key])
            out += sorted(found)  # in signal order, as the signals table lists them
        return list(dict.fromkeys(out))


def build_vocabulary(db: sqlite_utils.Database) -> str:
    """Write this build's query vocabulary: the shipped terms and the phrases of every signal
    label in the database (prefectures, wards, industries, categories, brands ...), each term
    with the signals it names here. Run after the signals are built."""
    shipped, _, by_phrase = _shipped_vocabulary()
    phrases: dict[str, Term] = dict(by_phrase)
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
    signals = _Signals(db)
    ids: dict[int, int] = {}
    term_rows: list[dict[str, Any]] = []
    for number, term in enumerate([*shipped, *learned.values()], 1):
        ids[id(term)] = number
        term_rows.append({"id": number, "label": term.label, "facet": term.facet,
                          "patterns": json.dumps(term.signals, ensure_ascii=False),
                          "signals": json.dumps(signals.expand(term.signals), ensure_ascii=False),
                          "implies": json.dumps(term.implies, ensure_ascii=False),
                          "vocabulary": int(number <= len(shipped))})
    phrase_rows = [{"phrase": phrase, "term_id": ids[id(term)], "seq": seq, "length": len(phrase),
                    "single": int(" " not in phrase and phrase.isascii())}
                   for seq, (phrase, term) in enumerate(phrases.items())]
    with transaction(db):
        db.execute("delete from query_phrases")
        db.execute("delete from query_terms")
        insert_rows(db, "query_terms", term_rows)
        insert_rows(db, "query_phrases", phrase_rows)
    return f"{len(phrase_rows)} query phrases"


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


# ---------------------------------------------------------------- reading the vocabulary


_TERM_COLUMNS = "t.id, t.label, t.facet, t.patterns, t.signals, t.implies"


class _Vocabulary:
    """The phrases of this build that one query may use, read by the phrases it contains."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.filler = _shipped_vocabulary()[1]
        self.longest = db.execute("select max(length) from query_phrases").fetchone()[0] or 1
        self._terms: dict[int, Term] = {}

    def _term(self, row: dict[str, Any]) -> Term:
        term = self._terms.get(row["id"])
        if term is None:
            term = self._terms[row["id"]] = Term(
                row["label"], row["facet"], json.loads(row["patterns"]),
                json.loads(row["implies"]), json.loads(row["signals"]))
        return term

    def lookup(self, pieces: Iterable[str]) -> dict[str, Term]:
        """The pieces of the query that are phrases, with their terms."""
        return {row["phrase"]: self._term(row) for row in dicts_in(
            self.db, f"select p.phrase, {_TERM_COLUMNS} from query_phrases p join query_terms t "
            "on t.id = p.term_id where p.phrase in ({marks})", sorted(set(pieces)))}

    def near(self, word: str) -> dict[str, Term]:
        """Single-word ASCII phrases within two letters of WORD's length, in vocabulary order."""
        return {row["phrase"]: self._term(row) for row in self.db.query(
            f"select p.phrase, {_TERM_COLUMNS} from query_phrases p join query_terms t "
            "on t.id = p.term_id where p.single = 1 and p.length between ? and ? order by p.seq",
            [len(word) - 2, len(word) + 2])}

    def implied(self, labels: Iterable[str]) -> dict[str, Term]:
        """Shipped terms by label (a term `implies` others: 'business hotel' is a hotel)."""
        return {row["label"]: self._term(row) for row in dicts_in(
            self.db, f"select {_TERM_COLUMNS} from query_terms t where t.vocabulary = 1 and "
            "t.label in ({marks}) order by t.id", sorted(set(labels)))}


# ---------------------------------------------------------------- parsing


def _pieces(q: str, longest: int) -> set[str]:
    """Every piece of the folded query that could be a phrase: from a word start to a word
    end, at most `longest` characters."""
    out = set()
    for i in range(len(q)):
        if q[i] == " " or not (i == 0 or q[i - 1] == " " or _is_cjk(q[i]) or _is_cjk(q[i - 1])):
            continue
        for end in range(i + 1, min(len(q), i + longest) + 1):
            if end == len(q) or q[end] == " " or _is_cjk(q[end]) or _is_cjk(q[end - 1]):
                out.add(q[i:end])
    return out


def parse_segment(db: sqlite_utils.Database, text: str, *, vocabulary: _Vocabulary | None = None,
                  ) -> tuple[list[tuple[str, Term]], list[str], list[str]]:
    """Split a query into known phrases (longest first), filler words and unknown words.

    A phrase matched only approximately (a typo) comes back as "~word".
    """
    vocabulary = vocabulary or _Vocabulary(db)
    filler, longest = vocabulary.filler, vocabulary.longest
    q = fold_query(text)
    phrases = vocabulary.lookup(_pieces(q, longest))
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
        guess = _fuzzy_phrase(word, vocabulary)
        if guess:
            found.append(("~" + word, guess[1]))  # ~ marks a typo-tolerant match
        else:
            unknown.append(word)
        i = end
    if pending:
        unknown.append(pending)
    return found, fillers, unknown


def _fuzzy_phrase(word: str, vocabulary: _Vocabulary) -> tuple[str, Term] | None:
    if len(word) < 5 or not word.isascii():
        return None
    near = vocabulary.near(word)
    best = process.extractOne(word, list(near), scorer=fuzz.ratio, score_cutoff=85)
    return (best[0], near[best[0]]) if best else None


def resolve_query(db: sqlite_utils.Database, text: str) -> Query:
    """Resolve QUERY to a company (by name) or a segment (by signal vocabulary)."""
    query = _resolve(db, text)
    if query.kind == "company":
        row = db.execute("select status, stale_since from companies where id = ?",
                         [query.company_id]).fetchone()
        if row and row[0] == "gone":
            raise QueryError(f"#{query.company_id} {query.company_name} is gone from every source "
                             f"since {(row[1] or '?')[:10]} (its rows were removed on a re-read); "
                             "it is kept for what you recorded about it, but has no lookalikes")
    return query


def _resolve(db: sqlite_utils.Database, text: str) -> Query:
    text = (text or "").strip()
    if not text:
        raise QueryError("empty query; give a company name or a segment like 'Tokyo five-star hotel'")
    if not db.execute("select exists(select 1 from company_signals)").fetchone()[0]:
        path = db.conn.execute("pragma database_list").fetchone()[2]
        raise QueryError(f"{path} holds no companies yet; add sources with `spider ingest FILE` "
                         "or `spider crawl URL`, or build the shipped seeds with `spider init --force`")
    if not db.execute("select exists(select 1 from query_phrases)").fetchone()[0]:
        path = db.conn.execute("pragma database_list").fetchone()[2]
        raise QueryError(f"{path}: the graph was not fully built (no query vocabulary); "
                         "rebuild it with `spider dedupe`")
    match = re.fullmatch(r"#?(\d{1,18})", text)
    if match and db.execute("select 1 from companies where id = ?", [int(match.group(1))]).fetchone():
        cid = int(match.group(1))
        return Query(text, "company", company_id=cid, company_name=describe_company(db, cid)["name"])
    candidates = find_companies(db, text)
    strong = [c for c in candidates if c["score"] >= COMPANY_FUZZY]
    vocabulary = _Vocabulary(db)
    found, fillers, unknown = parse_segment(db, text, vocabulary=vocabulary)
    segment_covers = bool(found) and not unknown
    exact = [c for c in strong if c["score"] >= COMPANY_EXACT]
    facets_named = {t.facet for _, t in found}
    if segment_covers and len(facets_named) >= 2 and "brand" not in facets_named and exact:
        # Every word is a segment word ("Tokyo business hotel"): the user means the segment,
        # even if some hotel is called just that. A brand plus a place ("Conrad Tokyo") is a
        # property's name, not a segment.
        query = _segment_query(vocabulary, text, found, fillers, unknown, candidates)
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
    return _segment_query(vocabulary, text, found, fillers, unknown, candidates)


def _property_of_group(db: sqlite_utils.Database, exact: list[dict]) -> dict | None:
    """When one name is both a listed group and its own flagship property (帝国ホテル the firm
    and 帝国ホテル the hotel), the name is not ambiguous to a rep: pick the property."""
    ids = [c["company_id"] for c in exact]
    groups: dict[int, set[str]] = {cid: set() for cid in ids}
    for cid, signal in rows_in(db, "select company_id, signal from company_signals where "
                               "company_id in ({marks}) and signal like 'group:%'", ids):
        groups[cid].add(signal)
    if not groups or not set.intersection(*groups.values()):
        return None
    firms = {cid for cid, in rows_in(
        db, "select distinct company_id from company_signals where company_id in ({marks}) and "
        "(signal like 'industry:%' or signal = ?)", ids, after=[HOTEL_OPERATOR])}
    properties = [c for c in exact if c["company_id"] not in firms]
    return properties[0] if len(properties) == 1 else None


def _segment_query(vocabulary: _Vocabulary, text: str, found: list[tuple[str, Term]],
                   fillers: list[str], unknown: list[str], candidates: list[dict]) -> Query:
    by_facet: dict[str, dict[str, float]] = defaultdict(dict)
    labels: dict[str, list[str]] = defaultdict(list)
    notes: list[str] = []
    terms = [t for _, t in found]
    terms_by_label = vocabulary.implied(name for t in terms for name in t.implies)
    for term in list(terms):
        terms += [terms_by_label[name] for name in term.implies if name in terms_by_label]
    for term in terms:
        signals = term.expanded
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
