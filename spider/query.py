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
import math
import re
import sqlite3
import tomllib
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from spider import places
from spider.data import read_text
from spider.db import Database, company_count, dicts_in, insert_rows, rows_in, transaction
from spider.errors import QueryError
from spider.names import (
    COMPANY_EXACT,
    describe_company,
    find_companies,
    named_as_typed,
    named_within,
    whole_words,
)
from spider.rank import PLACE_LEVELS
from spider.resolve.normalize import is_japanese, normalize_name
from spider.resolve.readings import nouns, place_reading, town_stem
from spider.runtime import lazy_pattern
from spider.seeds import SEEDS
from spider.signals import HOTEL_OPERATOR, NAME_KIND_EVIDENCE, STAR_WORDS
from spider.text import ENTITY_NOUNS, entity_noun, is_latin, plural_noun, strip_accents

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
    # How many of `expanded` weigh fully (0: the first, and the first pattern's matches);
    # the rest are alternates that rank after them.
    primary: int = 0
    shipped: bool = False  # a term of the shipped vocabulary, not a label of this database
    # The companies the word names exactly, within the place it reads as (a postal code's:
    # "bistrot 75011" is Paris, those of 75011 first).
    companies: frozenset[int] = frozenset()


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
    exact: frozenset[int] = frozenset()  # companies a place word names exactly: listed first

    def seeds(self) -> dict[tuple[str, object], float]:
        if self.kind == "company":
            return {("c", self.company_id): 1.0}
        seeds: dict[tuple[str, object], float] = defaultdict(float)
        for facet in self.facets:
            total = sum(facet.signals.values()) or 1.0
            for signal, weight in facet.signals.items():
                seeds[("s", signal)] += weight / total / len(self.facets)
        return dict(seeds)


_QUERY_PUNCT = re.compile(r"[\"'“”‘’「」、。,;:!?()（）]+")


def fold_query(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(_QUERY_PUNCT.sub(" ", text).split())


def _is_cjk(ch: str) -> bool:
    return ord(ch) > 0x2E7F


# ---------------------------------------------------------------- the vocabulary of a build


@functools.cache
def _shipped_vocabulary() -> tuple[list[Term], frozenset[str], dict[str, Term]]:
    """The shipped vocabulary: its terms, filler words, and each phrase's term."""
    data = _shipped_toml()
    terms, by_phrase = [], {}
    for entry in data.get("term", []):
        term = Term(entry["label"], entry["facet"], entry["signals"], entry.get("implies", []))
        terms.append(term)
        for phrase in entry["phrases"]:
            by_phrase[fold_query(phrase)] = term
    filler = frozenset(fold_query(p) for p in data.get("filler", {}).get("phrases", []))
    return terms, filler, by_phrase


@functools.cache
def _shipped_toml() -> dict[str, Any]:
    text = read_text("vocabulary.toml")
    return tomllib.loads(text)


Synonyms = dict[str, frozenset[str]]
SYNONYM_SPAN = 24  # the longest query piece looked up as a synonym, in characters


def _synonym_groups(data: Any, origin: str) -> list[list[str]]:
    """Groups of words that mean one thing, from a [synonyms] table: `groups = [[...], ...]`
    and/or `word = ["other", ...]` entries."""
    if not isinstance(data, dict):
        raise QueryError(f"{origin}: [synonyms] should be a table of word = [\"other\", ...]")
    groups: list[list[str]] = []
    for key, value in data.items():
        if key == "groups":
            items = value if isinstance(value, list) else []
            if not all(isinstance(g, list) and all(isinstance(w, str) for w in g) for g in items):
                raise QueryError(f"{origin}: synonyms.groups should be lists of words, like "
                                 '[["sushi", "寿司"]]')
            groups.extend(items)
        elif isinstance(value, list) and all(isinstance(w, str) for w in value):
            groups.append([key, *value])
        elif isinstance(value, str):
            groups.append([key, value])
        else:
            raise QueryError(f"{origin}: synonyms.{key} should be a list of words, like "
                             f'{key} = ["another word"]')
    return groups


@functools.cache
def shipped_synonym_groups() -> tuple[tuple[str, ...], ...]:
    """The shipped vocabulary's groups of words that mean one thing, each as written (its
    first word heads it: dentist, dental, 歯科 ...)."""
    return tuple(tuple(group) for group in _synonym_groups(_shipped_toml().get("synonyms", {}),
                                                           "vocabulary.toml"))


@functools.cache
def _shipped_synonyms() -> Synonyms:
    return _synonym_table([list(group) for group in shipped_synonym_groups()])


@functools.cache
def _japanese_business_words() -> tuple[str, ...]:
    """The Japanese words of the shipped synonyms (寿司, 酒蔵, 日本酒 ...), two characters or
    more."""
    words = {w for key, others in _shipped_synonyms().items() for w in (key, *others)}
    return tuple(sorted(w for w in words if len(w) >= 2 and any(_is_cjk(c) for c in w)))


def _synonym_table(groups: list[list[str]], base: Synonyms | None = None) -> Synonyms:
    table: dict[str, set[str]] = {k: set(v) for k, v in (base or {}).items()}
    for group in groups:
        words = {folded for folded in map(fold_query, group) if folded}
        for word in words:
            table.setdefault(word, set()).update(words - {word})
    return {k: frozenset(v) for k, v in table.items()}


def load_synonyms(path: str | None) -> Synonyms:
    """The shipped synonyms, and the user's own TOML file (the `synonyms` setting) over them."""
    if not path:
        return _shipped_synonyms()
    file = Path(path).expanduser()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QueryError(f"{file}: no such synonyms file; fix the `synonyms` setting") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise QueryError(f"{file}: not valid TOML ({exc}); fix the file") from None
    return _synonym_table(_synonym_groups(data.get("synonyms", data), str(file)),
                          _shipped_synonyms())


def english_word(word: str) -> str | None:
    """An English word for a Japanese business word, from the shipped synonyms (私立 ->
    private), for English lines about Japanese data: of its group's English words (those
    listed before its first word in another script; the German, French ... words follow),
    the one of fewest words (美容室 -> beauty salon, not kosmetikstudio)."""
    english = _english_words().get(fold_query(word))
    others = english or {o for o in _shipped_synonyms().get(fold_query(word), frozenset())
                         if o.isascii()}
    return min(others, key=lambda o: (len(o.split()), o), default=None)


@functools.cache
def _english_words() -> dict[str, set[str]]:
    """Each shipped synonym's English words: its groups' words before their first one in
    another script (a group is written English first)."""
    out: dict[str, set[str]] = defaultdict(set)
    for group in shipped_synonym_groups():
        words = [fold_query(w) for w in group]
        first = next((i for i, w in enumerate(words) if not w.isascii()), len(words))
        if first < len(words):
            for w in words:
                out[w] |= set(words[:first]) - {w}
    return dict(out)


# Words only an English phrase holds: a label with one is English, however its other words
# sound ("dental" is Spanish too).
_ENGLISH_LABEL_WORDS = frozenset({"of", "and", "the", "for", "with", "without", "except",
                                  "other", "activities", "wholesale", "retail", "manufacture",
                                  "manufacturing", "n.e.c", "nec"})


def english_noun(label: str) -> str | None:
    """The English noun for a kind of business a label says in another language, from the
    shipped synonyms (Brauerei -> brewery, Zahnarzt -> dentist); None for an English label."""
    key = fold_query(label)
    if not key or singular(key) in ENTITY_NOUNS or key in ENTITY_NOUNS:
        return None
    head = _group_heads().get(key)
    if head and head != key and head.isascii():
        return head  # Steuerberater: tax advisor; Kfz-Werkstatt: car repair
    words = key.replace(",", " ").split()
    if len(words) < 2 or singular(words[-1]) in ENTITY_NOUNS or _ENGLISH_LABEL_WORDS & set(words):
        return None  # (an English label's words are its own: "Wholesale of dental instruments")
    # A register's official label that names its kind inside a phrase ("Consultorios
    # dentales del sector privado", "Fabricação de produtos de padaria ..."): the first
    # shipped business word it holds, whole words, where that word's English head is a noun
    # of a business (dentist, bakery), not an English label's own words.
    for i in range(len(words)):
        for n in (3, 2, 1):
            piece = " ".join(words[i:i + n])
            found = _group_heads().get(piece) or _group_heads().get(singular(piece))
            if found and len(piece) >= 4 and found.isascii() and found != piece and \
                    singular(found.split()[-1]) in ENTITY_NOUNS:
                return found
    return None


@functools.cache
def _group_heads() -> dict[str, str]:
    """Each shipped synonym's group head, the English word the group is listed under."""
    heads: dict[str, str] = {}
    for group in _synonym_groups(_shipped_toml().get("synonyms", {}), "vocabulary.toml"):
        if group and group[0].isascii():
            for word in group:
                heads.setdefault(fold_query(word), fold_query(group[0]))
    return heads


def english_label(label: str) -> str | None:
    """An English phrase for a Japanese kind of business, word by word where every word has
    one (とんこつラーメン -> tonkotsu ramen), else the shipped business word it ends with
    (日本酒蔵 -> sake brewery); None when nothing in it is known."""
    whole = fold_query(label).replace(" ", "")
    direct = english_word(whole)
    if direct or not whole:
        return direct
    parts = [p for p in nouns(whole) if p]
    english = [english_word(p) for p in parts]
    if len(parts) > 1 and all(english):
        return " ".join(e for e in english if e)
    inside = sorted((w for w in _japanese_business_words() if w in whole and english_word(w)),
                    key=lambda w: (whole.endswith(w), len(w)), reverse=True)
    return english_word(inside[0]) if inside else None


def japanese_word(word: str) -> str | None:
    """A Japanese word for an English business word, from the shipped synonyms (hotel ->
    ホテル), for Japanese lines about English data."""
    others = _shipped_synonyms().get(fold_query(word), frozenset())
    return min((o for o in others if not o.isascii()), key=lambda o: (len(o), o), default=None)


def singular(word: str) -> str:
    """An English plural's singular, for matching only ("breweries" -> "brewery", "museums"
    -> "museum", "clinics" -> "clinic"; "bus", "glass", "analysis" stay)."""
    if not word.isascii() or len(word) < 4:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_WORD_SPLIT = re.compile(r"[^0-9a-z\u00c0-\u024f]+")


def label_words(label: str, *, split: bool = True) -> list[str]:
    """The words of a category or industry label that a query may name it by: Latin words
    (singular, no filler), or a label in Japanese as one word and (SPLIT) the words the
    analyser finds in it."""
    text = fold_query(label).replace("'s", "")
    if not text:
        return []
    if not text.isascii() and any(_is_cjk(ch) for ch in text):
        whole = text.replace(" ", "")
        if not split:
            return [whole]
        # The label whole, the words the analyser finds in it (回転寿司 is also 寿司), and the
        # business words of the shipped vocabulary inside it (日本酒蔵 holds 日本酒 and 酒蔵,
        # though the analyser reads 日本 + 酒蔵).
        parts = [w for w in nouns(whole) if len(w) >= 2 and w != whole]
        parts += [w for w in _japanese_business_words() if w in whole and w != whole]
        return list(dict.fromkeys([whole, *parts]))
    filler = _shipped_vocabulary()[1]
    # What a label says a business is not ("Care home service without nursing") names it by
    # none of those words.
    text = _WITHOUT.split(text, maxsplit=1)[0]
    return list(dict.fromkeys(singular(w) for w in _WORD_SPLIT.split(text)
                              if w and w not in filler and not w.isdigit()))


_WITHOUT = re.compile(r"\b(?:without|except|excluding|other than|ohne|außer|sans|hors|sin|"
                      r"excepto|senza|escluso)\b")


_FACET_OF_KIND = {"country": "place", "region": "place", "area": "place", "city": "place",
                  "district": "place",
                  "industry": "industry", "concept": "industry", "sector": "industry",
                  "category": "category", "brand": "brand", "group": "brand", "tier": "tier",
                  "score": "tier"}


class _Signals:
    """The signal names of a database, to expand a term's patterns (case-insensitive; globs
    by their literal prefix, so no pattern scans every signal)."""

    def __init__(self, db: Database) -> None:
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


def build_vocabulary(db: Database) -> str:
    """Write this build's query vocabulary: the shipped terms and the phrases of every signal
    label in the database (countries, regions and their codes and local names, cities,
    industries, categories, brands ...), each term with the signals it names here, and the
    words of each category and industry label. Run after the signals are built.

    A filler word ("in", "or") is never a phrase, though a state code is spelt the same."""
    shipped, filler, by_phrase = _shipped_vocabulary()
    phrases: dict[str, Term] = dict(by_phrase)
    learned: dict[str, Term] = {}
    labels: dict[str, Term] = {}  # one term per category/industry label, for its words
    users = _user_signals(db)
    signals = _Signals(db)
    for signal, kind, label in db.execute(
        "select signal, kind, label from signals where kind in "
        "('country','region','area','city','district','industry','concept','sector','brand','group',"
        "'category') or (kind in ('tier', 'score') and signal like 'rating:%' and signal not like "
        "'%-%') "
        "order by companies desc"
    ):
        facet = _FACET_OF_KIND[kind]
        said = list(_label_phrases(kind, label, signal))
        # (and each as typed without its accents: "alava" is Álava, "penafiel" Peñafiel)
        said += [bare for phrase in said if phrase and (bare := _unaccented(phrase)) != phrase]
        for phrase in dict.fromkeys(said):
            if not phrase or phrase in filler or len(phrase) < 2:
                continue
            if phrase in phrases:
                shipped_term = phrases[phrase]
                if (kind in ("category", "industry") and signal in users
                        and shipped_term in shipped and phrase not in learned):
                    # The user's own category takes the word first, the shipped meaning after
                    # it: "旅館" is the 旅館 of your list, then the seeds' hotels.
                    merged = learned[phrase] = Term(label, facet,
                                                    [signal, *shipped_term.signals])
                    labels.setdefault(f"{facet}:{label}", merged)
                    del phrases[phrase]
                    continue
                # A rating of the user's own ("three-star" sushi bars) takes the word from the
                # shipped hotel tiers when no company of the user's has those.
                if not (kind == "tier" and signal in users and shipped_term in shipped
                        and not users.intersection(signals.expand(shipped_term.signals))):
                    continue
                del phrases[phrase]
            term = learned.get(phrase)
            if term is None:
                term = learned[phrase] = Term(label, facet, _rating_band(signal))
            elif term.facet == facet and signal not in term.signals:
                # One phrase, several signals of one facet (a city with and without its
                # state): the phrase names all of them.
                term.signals.append(signal)
            if kind in ("category", "industry") and term.label == label:
                labels.setdefault(f"{facet}:{label}", term)
    extra = _kind_phrases(db, phrases, learned, filler, shipped, users)
    phrases.update(learned)
    ids: dict[int, int] = {}
    term_rows: list[dict[str, Any]] = []
    for number, term in enumerate([*shipped, *learned.values()], 1):
        ids[id(term)] = number
        expanded = [*signals.expand(term.signals), *extra.get(id(term), [])]
        term_rows.append({"id": number, "label": term.label, "facet": term.facet,
                          "patterns": json.dumps(term.signals, ensure_ascii=False),
                          "signals": json.dumps(expanded, ensure_ascii=False),
                          "implies": json.dumps(term.implies, ensure_ascii=False),
                          "vocabulary": int(number <= len(shipped)),
                          "user": int(any(sig in users for sig in expanded))})
    phrase_rows = [{"phrase": phrase, "term_id": ids[id(term)], "seq": seq, "length": len(phrase),
                    "single": int(" " not in phrase and phrase.isascii())}
                   for seq, (phrase, term) in enumerate(phrases.items())]
    word_rows = _word_rows(labels.values(), ids)
    with transaction(db):
        db.execute("delete from query_phrases")
        db.execute("delete from query_terms")
        db.execute("delete from query_words")
        insert_rows(db, "query_terms", term_rows)
        insert_rows(db, "query_phrases", phrase_rows)
        insert_rows(db, "query_words", word_rows)
    return f"{len(phrase_rows)} query phrases"


def _kind_phrases(db: Database, phrases: dict[str, Term], learned: dict[str, Term],
                  filler: frozenset[str], shipped: list[Term],
                  users: set[str]) -> dict[int, list[str]]:
    """The kinds of business read from names where a directory has no category column
    ('Boston Family Dental': kind:dentist) as the words of the shipped synonym group that names
    each (dentist, dental, 歯科), where no label of the database (or the shipped vocabulary)
    says any of them already: a member list of names and addresses answers "dentists in
    Texas". A kind only categories imply ('dental clinic' is a clinic) is not a phrase: the
    category's own words are read for it, and "dental clinic" is not any clinic.

    Where a shipped term says the word (hotel, ホテル, bank), a kind read from the names of
    the user's own list joins that term's signals (returned by the term's id): "梅田のホテル"
    finds 堂島ホテル of a list of names and addresses; the seeds' own name kinds do not, so
    their answers stay as they were."""
    groups = {fold_query(group[0]): group for group in shipped_synonym_groups()}
    extra: dict[int, list[str]] = {}
    own = {id(term) for term in shipped}
    for signal, label in db.execute(
            "select s.signal, s.label from signals s where s.kind = 'kind' and exists (select 1 "
            "from company_signals cs where cs.signal = s.signal and cs.evidence like ?) "
            "order by s.companies desc", [f"%{NAME_KIND_EVIDENCE}%"]):
        head = signal.split(":", 1)[1]
        words = [label, head, *groups.get(head, ())]
        taken = [phrases.get(fold_query(w)) or learned.get(fold_query(w)) for w in words]
        if any(taken):
            for term in {id(t): t for t in taken if t is not None}.values():
                if id(term) in own and term.facet in ("industry", "category") \
                        and signal in users and signal not in extra.get(id(term), []):
                    extra.setdefault(id(term), []).append(signal)
            continue  # a label here says it already, and its synonyms lead there
        said = [w for word in words for w in _label_phrases("kind", word, signal)]
        plurals = [plural_noun(w) for w in said if w.isascii() and w[-1:].isalpha()]
        for phrase in dict.fromkeys([*said, *plurals]):
            if not phrase or phrase in filler or len(phrase) < 2 or phrase in phrases \
                    or phrase in learned:
                continue
            learned[phrase] = Term(head, "category", [signal])
    return extra


def _rating_band(signal: str) -> list[str]:
    """A rating level and the bands beside it (they weigh as alternates): 'rating:star:3' ->
    [rating:star:3, rating:star:2-3, rating:star:3-4]; any other signal alone."""
    unit, _, level = signal.rpartition(":")
    if not signal.startswith("rating:") or not level.isdigit():
        return [signal]
    n = int(level)
    return [signal, f"{unit}:{n - 1}-{n}", f"{unit}:{n}-{n + 1}"]


_SAY_NUMBER = {1: ("one", "一"), 2: ("two", "二"), 3: ("three", "三"), 4: ("four", "四"),
               5: ("five", "五"), 6: ("six", "六"), 7: ("seven", "七")}


def _rating_phrases(signal: str) -> list[str]:
    """'rating:star:3' -> 3 star, 3 stars, 3-star, three-star, three stars, 3つ星, 三つ星, 星3つ ..."""
    _, unit, level = signal.split(":")
    if not level.isdigit() or unit.startswith("rating"):
        return []
    n = int(level)
    words = [str(n), *(_SAY_NUMBER.get(n, ())[:1])]
    out = [f"{w}{sep}{unit}{s}" for w in words for sep in (" ", "-", "") for s in ("", "s")]
    if unit == "star":
        kanji = _SAY_NUMBER.get(n, ("", ""))[1]
        out += [f"{n}つ星", f"星{n}つ", f"{n}星"] + ([f"{kanji}つ星"] if kanji else [])
        out += [f"{n} {word}" for word in STAR_WORDS]
    return [fold_query(p) for p in out]


def _user_signals(db: Database) -> set[str]:
    """Signals some company holds through a source of the user's (not a shipped seed)."""
    # Signal by signal, stopping at its first such holder: a national register's 4.7 million
    # links read whole for a distinct took 8 s of every build, this 0.02 s.
    return {sig for sig, in db.execute(
        "select s.signal from signals s where exists (select 1 from company_signals c where "
        "c.signal = s.signal and c.source not like ?)", [f"{SEEDS}/%"])}


def _word_rows(terms: Iterable[Term], ids: dict[int, int]) -> list[dict[str, Any]]:
    """Each label's words, weighted by how few labels have them (a word in every label of a
    directory, "museum", says less than "planetarium")."""
    words_of = {id(t): label_words(t.label) for t in terms}
    # A compound label word holds the label word it ends with (German and Dutch write kinds
    # as one word: Gasthausbrauerei is a Brauerei, Klosterbrauerei too).
    known = {w for words in words_of.values() for w in words if w.isascii() and len(w) >= 5}
    for key, words in words_of.items():
        tails = [t for w in words if w.isascii() and len(w) >= 8
                 for t in known if t != w and w.endswith(t) and len(w) - len(t) >= 3]
        if tails:
            words_of[key] = list(dict.fromkeys([*words, *tails]))
    df: Counter[str] = Counter(w for words in words_of.values() for w in words)
    n = len(words_of) or 1
    rows = [{"word": word, "term_id": ids[key], "words": len(words),
             "weight": round(math.log(1 + n / df[word]), 6)}
            for key, words in words_of.items() for word in words]
    # Each word's stem too, a little lighter, so "dentist" meets "Dentistry" and
    # "paediatric" meets "Pediatric" (`word_stem`); under its own key, never a word.
    stems_of = {key: list(dict.fromkeys(word_stem(w) for w in words if word_stem(w) != w))
                for key, words in words_of.items()}
    stem_df: Counter[str] = Counter(stem for stems in stems_of.values() for stem in stems)
    for key, stems in stems_of.items():
        for stem in stems:
            rows.append({"word": STEM + stem, "term_id": ids[key], "words": len(words_of[key]),
                         "weight": round(STEM_WEIGHT * math.log(1 + n / stem_df[stem]), 6)})
    return rows


STEM = "~"  # the key a stem is stored under in query_words
STEM_WEIGHT = 0.9
# ("rist": a podiatrist's, optometrist's or psychiatrist's stem is its -ry's, podiat-)
_STEM_ENDINGS = ("istries", "istry", "rists", "rist", "ists", "ist", "ians", "ian", "ics", "ical", "ic", "ies",
                 "ary", "ry", "al", "y", "es", "s")


@functools.lru_cache(maxsize=4096)
def word_stem(word: str) -> str:
    """The stem a business word shares with its relatives: dentist, dentists, dentistry and
    dental are 'dent'; orthodontist and orthodontics 'orthodont'; British spellings fold
    (paediatric, pediatric 'pediatr'). Latin words of five letters or more; a stem keeps
    four letters at least. Used to match query words to label words, never shown."""
    if not word.isascii() or len(word) < 5 or not word.isalpha():
        return word
    folded = word.replace("ae", "e").replace("oe", "e")
    if folded.endswith("our"):
        folded = folded[:-3] + "or"
    for ending in _STEM_ENDINGS:
        if folded.endswith(ending) and len(folded) - len(ending) >= 4:
            return folded[: -len(ending)]
    return folded


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
    if kind in ("city", "area", "district"):
        out.append(fold_query(label.split(",")[0]))
        out += _japanese_place_forms(label.split(",")[0])
    if kind == "district":
        # A station as the neighbourhood (a salon list's 最寄駅 "表参道駅", "Shibuya Station"):
        # its area's name alone says it too.
        first = fold_query(label.split(",")[0])
        for suffix in ("駅", " station", " sta.", " stn"):
            if first.endswith(suffix) and len(first) > len(suffix) + 1:
                out.append(first[: -len(suffix)].strip())
                # (and read in Latin letters: "hair salon Omotesando" is 表参道駅's)
                out += _japanese_place_forms(first[: -len(suffix)].strip())
        name = signal.split(":", 2)[2]
        if name.startswith("JP-") and "/" in name:
            # A ward of a city of wards, whichever script its label took (横浜市港北区 from
            # one list, "Kohoku-ku, Yokohama" from another): 港北区, 港北, Kohoku, Kohoku Ward.
            ward = name.split("/", 1)[1]
            out += _japanese_place_forms(ward)
            latin = places.ward_in_latin().get(ward)
            if latin:
                out += [fold_query(latin), fold_query(f"{latin}-ku"), fold_query(f"{latin} ward")]
        if re.fullmatch(r"[a-z]+-ku", first):  # "Midori-ku, Yokohama": Midori, Midori Ward
            out += [first[:-3], f"{first[:-3]} ward"]
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
    elif kind == "tier":
        return _rating_phrases(signal)
    elif kind == "region":  # Bavaria is also Bayern, DE-BY; Texas is TX
        out += places.gazetteer().names_of(signal.split(":", 2)[2])
    if kind == "country":
        out += places.gazetteer().country_aliases(signal.split(":", 2)[2])
    if kind == "area":
        out += _area_phrases(label.split(",")[0])
    if kind in ("country", "region", "area", "city", "district"):
        # "Nordrhein-Westfalen" typed with its hyphen; "Frankfurt" for Frankfurt am Main
        out += [form.replace(" ", "-") for form in out if " " in form and form.isascii()]
        town = fold_query(label.split(",")[0])
        short = _TOWN_QUALIFIER.split(town, maxsplit=1)[0]
        if short != town and len(short) >= 4:
            out.append(short)
    return out


def _area_phrases(name: str) -> list[str]:
    """An area as people say it: 'Landkreis Augsburg' is also LK Augsburg and Kreis Augsburg
    (not Augsburg, the town), 'Multnomah County' also Multnomah."""
    folded = fold_query(name)
    rural = re.match(r"(?:landkreis|kreis) (.+)", folded)
    if rural:
        return [f"landkreis {rural.group(1)}", f"lk {rural.group(1)}", f"kreis {rural.group(1)}"]
    county = re.fullmatch(r"(.+) (?:county|parish)", folded)
    return [county.group(1)] if county else []


# What follows a town's own name: Frankfurt am Main, Halle an der Saale, Stratford-upon-Avon.
_TOWN_QUALIFIER = re.compile(r"\s+(?:am|an der|im|in der|ob der|bei|sur|sous|upon|on)\s+|"
                             r"-(?:sur|upon|on|am)-")


def _japanese_place_forms(name: str) -> list[str]:
    """A Japanese town as people say it: without its 市/町/村/区 (箱根町 is 箱根), and read in
    Latin letters (Hakone), so "旅館 箱根" and "ryokan in Hakone" both find 箱根町."""
    name = name.strip()
    if not name or name.isascii() or not any("\u4e00" <= c <= "\u9fff" for c in name):
        return []
    out: list[str] = []
    # A ward of a designated city (京都市伏見区) is also said by itself: 伏見区, 伏見, Fushimi.
    city, mark, ward = name.partition("市")
    names = [name, ward] if mark and city and len(ward) >= 2 else [name]
    # A town or village of a rural district (足柄下郡箱根町) is said without it: 箱根町, Hakone.
    county, mark, town = name.partition("郡")
    if mark and county and len(town) >= 2:
        names.append(town)
    for one in names:
        if one != name:
            out.append(one)
        stem = town_stem(one)
        if stem != one and len(stem) >= 2:  # never one character (港)
            out.append(stem)
        read = place_reading(one)
        if read:
            out.append(fold_query(read))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- reading the vocabulary


_TERM_COLUMNS = "t.id, t.label, t.facet, t.patterns, t.signals, t.implies, t.user, t.vocabulary"


class _Vocabulary:
    """The phrases of this build that one query may use, read by the phrases it contains."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.filler = _shipped_vocabulary()[1]
        self.longest = db.execute("select max(length) from query_phrases").fetchone()[0] or 1
        self._terms: dict[int, Term] = {}
        self.users: set[int] = set()  # terms some of the user's own companies hold
        self.known: set[str] = set()  # label words among the query's words (learn_words)
        # Whether the user has added data of their own (then their data answers first).
        # Words a label only the seeds hold would read, kept for when the user's own names
        # do not say what they mean (parse_segment, _segment_query).
        self.deferred: dict[str, Term] = {}
        self.user_data = bool(db.execute("select exists(select 1 from query_terms where user = 1 "
                                         "and vocabulary = 0)").fetchone()[0])

    def _term(self, row: dict[str, Any]) -> Term:
        term = self._terms.get(row["id"])
        if term is None:
            term = self._terms[row["id"]] = Term(
                row["label"], row["facet"], json.loads(row["patterns"]),
                json.loads(row["implies"]), json.loads(row["signals"]),
                shipped=bool(row.get("vocabulary")))
            if row.get("user"):
                self.users.add(id(term))
        return term

    def words(self, wanted: Iterable[str]) -> dict[str, list[tuple[Term, float, int]]]:
        """Category and industry labels containing each word: (term, weight, label words)."""
        words = sorted(set(wanted))
        out: dict[str, list[tuple[Term, float, int]]] = defaultdict(list)
        for row in dicts_in(
                self.db, f"select w.word, w.weight, w.words, {_TERM_COLUMNS} from query_words w "
                "join query_terms t on t.id = w.term_id where w.word in ({marks}) order by t.id",
                words):
            out[row["word"]].append((self._term(row), row["weight"], row["words"]))
        if not words:  # one statement whatever the query, so its cost never depends on the data
            self.db.execute("select 1 from query_words where 0").fetchall()
        return out

    def learn_words(self, words: Iterable[str]) -> None:
        """Read at once which of WORDS some label has (one statement for a whole query)."""
        wanted = sorted(set(words))
        self.known = {row[0] for row in rows_in(
            self.db, "select distinct word from query_words where word in ({marks})", wanted)}
        if not wanted:
            self.db.execute("select 1 from query_words where 0").fetchall()

    def known_word(self, word: str) -> bool:
        """A word some category or industry label has (of those `learn_words` read)."""
        return word in self.known

    def lookup(self, pieces: Iterable[str]) -> dict[str, Term]:
        """The pieces of the query that are phrases, with their terms."""
        return {row["phrase"]: self._term(row) for row in dicts_in(
            self.db, f"select p.phrase, {_TERM_COLUMNS} from query_phrases p join query_terms t "
            "on t.id = p.term_id where p.phrase in ({marks})", sorted(set(pieces)))}

    def near(self, word: str) -> list[str]:
        """Single-word ASCII phrases within two letters of WORD's length, in vocabulary order
        (a national register's town names are thousands: the term is read only for the one
        a typo is taken for, `term_of`)."""
        return [phrase for phrase, in self.db.execute(
            "select phrase from query_phrases where single = 1 and length between ? and ? "
            "order by seq", [len(word) - 2, len(word) + 2])]

    def term_of(self, phrase: str) -> Term:
        """The term a phrase of the vocabulary stands for."""
        return self._term(next(self.db.query(
            f"select p.phrase, {_TERM_COLUMNS} from query_phrases p join query_terms t on "
            "t.id = p.term_id where p.phrase = ?", [phrase])))

    def implied(self, labels: Iterable[str]) -> dict[str, Term]:
        """Shipped terms by label (a term `implies` others: 'business hotel' is a hotel)."""
        return {row["label"]: self._term(row) for row in dicts_in(
            self.db, f"select {_TERM_COLUMNS} from query_terms t where t.vocabulary = 1 and "
            "t.label in ({marks}) order by t.id", sorted(set(labels)))}


# ---------------------------------------------------------------- parsing


def _unaccented(text: str) -> str:
    """Latin text without its accents (österreich -> osterreich); other text as it is."""
    if text.isascii():
        return text
    bare = strip_accents(text)
    return bare if bare.isascii() else text


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


_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten)"
# "three Michelin stars", "2 AAA diamonds": the guide's name between a count and its unit.
_GUIDE_BETWEEN = re.compile(_NUMBER + r"[ -]([a-z]+)[ -](stars?|diamonds?|keys?|pavilions?)\b")
_STARRED = re.compile(_NUMBER + r"[ -]starred\b")


def _award_words(q: str) -> str:
    """A rating said the way guides say it, as the count and unit the vocabulary knows:
    "three michelin stars" -> "three stars", "two-starred" -> "two-star"."""
    q = _GUIDE_BETWEEN.sub(lambda m: f"{m.group(1)} {m.group(3)}", q)
    return _STARRED.sub(lambda m: f"{m.group(1)}-star", q)


def _region_codes_in_capitals(db: Database, text: str, filler: frozenset[str]) -> str:
    """TEXT with a region's code written in capitals that is also a filler word ("dentist
    OR": Oregon; IN, ME, OK, HI) as the region's name, where the database holds that one
    region of that code; a lower-case "or" stays a filler word."""
    codes = [m for m in re.findall(r"(?<![\w-])([A-Z]{2})(?![\w-])", text) if m.lower() in filler]
    for code in dict.fromkeys(codes):
        held = db.execute("select label from signals where kind = 'region' and signal like ? "
                          "limit 2", [f"place:region:%-{code}"]).fetchall()
        if len(held) == 1 and held[0][0]:
            text = re.sub(rf"(?<![\w-]){code}(?![\w-])", str(held[0][0]), text)
    return text


def parse_segment(db: Database, text: str, *, vocabulary: _Vocabulary | None = None,
                  synonyms: Synonyms | None = None,
                  ) -> tuple[list[tuple[str, Term]], list[str], list[str]]:
    """Split a query into known phrases (longest first), filler words and unknown words.

    In order: exact phrases of this database (a place, a category, a brand, a shipped
    segment word), also through a synonym ("private" for 私立); then the words left over
    against the words of category and industry labels ("planetarium" meets "Science and
    Technology Museum or Planetarium"); only then a typo-tolerant match, never onto a place
    for a word that is itself a place or a business word. A phrase matched by its label's
    words comes back as "=words", one matched approximately (a typo) as "~word". When the
    user has data of their own, a shipped word ("restaurant") that names only the seeds'
    companies is tried against the user's labels first.
    """
    vocabulary = vocabulary or _Vocabulary(db)
    synonyms = _shipped_synonyms() if synonyms is None else synonyms
    filler, longest = vocabulary.filler, vocabulary.longest
    q = _award_words(fold_query(_region_codes_in_capitals(db, text, filler)))
    # A piece may be a synonym longer than any phrase here ("convenience store").
    span = max(longest, SYNONYM_SPAN)
    pieces = _pieces(q, span)
    aliases = {piece: sorted(synonyms[piece]) for piece in pieces if piece in synonyms}
    for piece in pieces - aliases.keys():
        # (a plural of another language's word: "Autohäuser" is what "Autohaus" says)
        for form in sorted(_romance_singulars(piece)):
            if form in synonyms:
                aliases[piece] = sorted({form, *synonyms[form]})
                break
    plain = {piece: _unaccented(piece) for piece in pieces}
    phrases = vocabulary.lookup(pieces | set(plain.values())
                                | {a for v in aliases.values() for a in v})
    vocabulary.learn_words(_candidate_words(q, synonyms))

    def term_of(piece: str) -> Term | None:
        # "Österreich" as typed, or as the gazetteer keeps it (osterreich)
        own = phrases.get(piece) or phrases.get(plain.get(piece, piece))
        also = [phrases[a] for a in aliases.get(piece, ()) if a in phrases]
        direct = own is not None  # (the word typed is a label here itself)
        if own is None:
            if not also:
                return None
            # Only its synonyms name labels here ("Zahnärzte": Zahnarzt and Zahnheilkunde):
            # all of them, as below.
            own, also = also[0], also[1:]
        exact = [t for t in also if not t.shipped and t.facet == "category"
                 and id(t) in vocabulary.users]
        if own.shipped and own.facet != "place" and exact:
            # The word's own synonym is a category of the user's list ("ryokan": 旅館 beside
            # ホテル): that one, not the shipped word's wider kind (hotels of every sort).
            return exact[0]
        also = [t for t in also if t is not own and t.facet == own.facet]
        if direct and not own.shipped and own.facet == "category":
            # A category of this list named by its own word is that one: "trattoria" is not
            # every restaurant its vocabulary group holds (osteria, ristorante stellato), where
            # the list tells them apart. Its word in another script still meets it ("Sushi" in
            # one file, 寿司 in another).
            also = [t for t in also if is_latin(t.label) != is_latin(own.label)]
        if not also:
            return own
        # A word and its synonym both name labels here ("Sushi" in one file, 寿司 in
        # another): the word names all of them, each weighing fully.
        merged = Term(own.label, own.facet, [*own.signals, *(x for t in also for x in t.signals)],
                      own.implies,
                      list(dict.fromkeys([*own.expanded, *(x for t in also for x in t.expanded)])))
        merged.primary = len(merged.expanded)
        if id(own) in vocabulary.users or any(id(t) in vocabulary.users for t in also):
            vocabulary.users.add(id(merged))
        phrases[piece] = merged
        return merged

    found: list[tuple[str, Term]] = []
    fillers: list[str] = []
    loose: list[str] = []  # words no phrase took, in order
    fallback: dict[str, Term] = {}  # a shipped word's term, if the user's labels do not take it
    pending = ""
    i = 0
    while i < len(q):
        if q[i] == " ":
            if pending:  # the user's space ends a word ("梅田 歯科" is 梅田 and 歯科)
                loose.append(pending)
                pending = ""
            i += 1
            continue
        at_word_start = i == 0 or q[i - 1] == " " or _is_cjk(q[i]) or _is_cjk(q[i - 1])
        match, term = None, None
        if at_word_start:
            for length in range(min(span, len(q) - i), 0, -1):
                piece = q[i:i + length]
                end = i + length
                ends_word = end == len(q) or q[end] == " " or _is_cjk(q[end]) or _is_cjk(q[end - 1])
                if not ends_word:
                    continue
                if piece in filler:
                    match = piece
                    break
                term = term_of(piece)
                if term is not None:
                    match = piece
                    break
        if match:
            if pending:
                loose.append(pending)
                pending = ""
            if term is None:
                fillers.append(match)
            elif ((vocabulary.user_data and term.facet != "place"
                   and id(term) not in vocabulary.users)
                  or not term.expanded
                  or (term.facet == "place" and " " not in match
                      and vocabulary.known_word(singular(match)))):
                # The user's own labels get the first say over a shipped word, a word that
                # names nothing here is tried as a label word ("large" in "large airports"
                # where no size is known), and a business word beats a town of that name
                # ("garden" in "botanical garden").
                loose.append(match)
                fallback[match] = term
            else:
                found.append((match, term))
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
        if pending:
            loose.append(pending)
            pending = ""
        loose.append(q[i:end])
        i = end
    if pending:
        loose.append(pending)
    # Two words that are one business word together ("sake brewery": 酒蔵) are read as one.
    joined: list[str] = []
    for word in loose:
        if joined and f"{joined[-1]} {word}" in synonyms:
            joined[-1] = f"{joined[-1]} {word}"
        else:
            joined.append(word)
    loose = [part for word in joined for part in _cjk_place_then_kind(word, synonyms, vocabulary)]
    # Kinds of a category named exactly, read in one statement whatever the query.
    named = [(at, w.split(), t) for at, (w, t) in enumerate(found)
             if t.facet in ("category", "industry") and t.expanded]
    # (a word of a several-word synonym alone names no kind of it: "physio" is physical
    # therapy, and Hand Therapy is no physiotherapy)
    forms = {w: _forms(w, synonyms, vocabulary) - _synonym_phrases(w, synonyms)[1]
             for _, ws, _ in named for w in ws if w not in vocabulary.filler}
    hits = vocabulary.words({f for fs in forms.values() for f in fs})
    for at, ws, term in named:
        found[at] = (found[at][0], _with_containing(ws, term, forms, hits, vocabulary))
    matched, rest = _match_labels(loose, vocabulary, synonyms)
    if vocabulary.user_data:
        # With data of the user's own, labels only the shipped seeds hold are a last resort:
        # a shipped word keeps its own meaning ("hotel" is the hotels, not the REIT industry
        # whose label holds the word), and another word is first read by the user's names
        # ("brewery": their breweries, not the S&P sub-industry Brewers).
        own: list[tuple[str, Term]] = []
        for word, term in matched:
            phrase = word.lstrip("=")
            if id(term) in vocabulary.users:
                own.append((word, term))
            elif phrase in fallback:
                rest.append(phrase)  # "business hotel", a shipped phrase
            else:
                words = phrase.split()
                rest += words
                if not all(w in fallback for w in words):  # shipped words keep their meaning
                    vocabulary.deferred.update((w, term) for w in words)
        matched = own
    found += matched
    answered = any(t.facet != "place" and id(t) in vocabulary.users for _, t in found)
    unknown: list[str] = []
    for word in rest:
        if word in fallback:
            if answered and fallback[word].facet != "place":
                # Your data answers the query's business; a word only the seeds' companies
                # carry would pull them in ("restaurant" -> S&P restaurant chains).
                seeded = vocabulary.db.execute(  # (the few sources, not every record)
                    "select exists(select 1 from sources where location like ?)",
                    [f"{SEEDS}/%"]).fetchone()[0]
                found.append((word, Term(
                    f"'{word}' names only companies of the shipped seeds; left out, as your own "
                    "data answers the rest" if seeded else
                    f"'{word}' names no company in your data (a word Spider knows, but no "
                    "category, name or column of yours says it); left out", "ignored", [])))
            else:
                found.append((word, fallback[word]))
            continue
        guess = None if word in vocabulary.deferred else _fuzzy_phrase(word, vocabulary)
        if guess and vocabulary.user_data and guess[1].facet != "place" \
                and id(guess[1]) not in vocabulary.users:
            # A typo of a word the user's own labels hold ("sofware": Business and domestic
            # software development) before the shipped word only the seeds carry.
            corrected = _fuzzy_label_word(vocabulary, word)
            own_reading = _match_labels([corrected], vocabulary, synonyms)[0] if corrected else []
            if own_reading:
                found += [("~" + word, term) for _, term in own_reading]
                continue
            vocabulary.deferred[word] = guess[1]  # the user's names first, as above
            guess = None
        if guess:
            found.append(("~" + word, guess[1]))  # ~ marks a typo-tolerant match
        else:
            unknown.append(word)
    return found, fillers, unknown


def _romance_singulars(word: str) -> set[str]:
    """Candidate singulars of a Spanish, French, Italian or German plural the English rule
    leaves ("panaderías", "clínicas dentales", "hôpitaux", "Bäckereien"); for matching only,
    beside the word itself."""
    if len(word) < 5 or " " in word or not word.isalpha():
        return set()
    out = set()
    if word.endswith("s") and not word.isascii():
        out.add(word[:-1])  # panaderías, clínicas
    if word.endswith("es") and word[-3] not in "aeiouáéíóú":
        out.add(word[:-2])  # dentales, hospitales
    if word.endswith("ie"):
        out.add(word[:-1] + "a")  # Italian: trattorie, gelaterie, pizzerie
    elif word.endswith("i") and len(word) >= 6:
        out.update({word[:-1] + "e", word[:-1] + "o"})  # Italian: ristoranti, negozi
    if word.endswith("eaux"):
        out.add(word[:-1])  # châteaux
    elif word.endswith("aux"):
        out.add(word[:-3] + "al")  # hôpitaux
    if word.endswith("en") and not word.isascii() or word.endswith("eien"):
        out.add(word[:-2])  # Bäckereien, Brauereien
    umlaut = max(word.rfind(ch) for ch in "äöü")
    if umlaut >= 0:
        # A German plural that changes its vowel: Autohäuser, Zahnärzte, Bauernhöfe, Läden
        plain = word[:umlaut] + {"ä": "a", "ö": "o", "ü": "u"}[word[umlaut]] + word[umlaut + 1:]
        out.add(plain)
        for ending in ("er", "e"):
            if plain.endswith(ending) and len(plain) - len(ending) > umlaut + 1:
                out.add(plain[:-len(ending)])
    return out


def _plain_forms(word: str, synonyms: Synonyms) -> set[str]:
    """A query word, its singular, its own label words ("for-profit") and its synonyms'."""
    forms = {word, singular(word), *label_words(word), *_romance_singulars(word)}
    for other in set().union(*(synonyms.get(f, frozenset()) for f in list(forms))):
        # A synonym whole: a label's own words were split when it was indexed (回転寿司 holds
        # 寿司), so "hotel" need not load the analyser to reach ホテル.
        forms.update(label_words(other, split=False) or [other])
    return forms


def _synonym_words(word: str, synonyms: Synonyms) -> tuple[set[str], list[tuple[str, ...]]]:
    """WORD's synonyms as label words: those of one word (with WORD itself, its singular and
    its own label words), and those written in several ("animal hospital" -> (animal,
    hospital))."""
    alone = {word, singular(word), *label_words(word)}
    phrases: list[tuple[str, ...]] = []
    # (and a plural of another language's: "Autohäuser" says what "Autohaus" does)
    said = [word, singular(word), *sorted(_romance_singulars(word))]
    for other in frozenset().union(*(synonyms.get(w, frozenset()) for w in said)):
        parts = label_words(other, split=False) or [other]
        if len(parts) >= 2:
            phrases.append(tuple(parts))
        else:
            alone.update(parts)
    return alone, phrases


def _synonym_phrases(word: str, synonyms: Synonyms) -> tuple[list[tuple[str, ...]], set[str]]:
    """The synonyms of WORD written in several words, as their label words ("animal hospital"
    -> (animal, hospital)), and the forms only those words (and their stems) give, not the
    word itself, its singular or a one-word synonym."""
    alone, phrases = _synonym_words(word, synonyms)
    alone |= {STEM + word_stem(f) for f in alone}
    parted = {f for phrase in phrases for part in phrase for f in (part, STEM + word_stem(part))}
    return phrases, parted - alone


def _cuts(word: str) -> list[tuple[str, str]]:
    """Where a long Latin word may be a compound: (head, singular tail) at each cut."""
    if not (word.isascii() and len(word) >= 8):
        return []
    return [(word[:cut], singular(word[cut:])) for cut in range(3, len(word) - 2)]


def _candidate_words(q: str, synonyms: Synonyms) -> set[str]:
    """Every label word a query's words could be (`_forms`, and both halves of every cut), to
    be read in one statement."""
    out: set[str] = set()
    for word in q.split():
        out |= _plain_forms(word, synonyms)
        out |= {part for cut in _cuts(word) for part in cut}
    return out | {STEM + word_stem(w) for w in out if word_stem(w) != w}


def _cjk_place_then_kind(word: str, synonyms: Synonyms, vocabulary: _Vocabulary) -> list[str]:
    """A Japanese word of a name no label holds before a business word ("伊香保温泉": 伊香保,
    温泉), as two words: the first is then read as a place the addresses name, not swallowed
    whole by the label the business word reaches. Else the word itself."""
    if " " in word or len(word) < 4 or not all(_is_cjk(ch) for ch in word):
        return [word]
    for cut in range(len(word) - 2, 1, -1):
        head, tail = word[:cut], word[cut:]
        if (tail in synonyms or vocabulary.known_word(tail)) and not (
                head in synonyms or vocabulary.known_word(head)):
            return [head, tail]
    return [word]


def _forms(word: str, synonyms: Synonyms, vocabulary: _Vocabulary) -> set[str]:
    """The label words a query word may stand for: itself, its singular, its synonyms' words,
    and the two halves of a compound whose halves are both label words (microbrewery)."""
    forms = _plain_forms(word, synonyms)
    # and the stems of its forms, which label words' stems may meet ("dentist", "Dentistry")
    forms |= {STEM + word_stem(f) for f in forms if word_stem(f) != f}
    if not any(vocabulary.known_word(f) for f in forms):
        # A compound of a label word and a business word ("microbrewery" in a directory of
        # breweries whose type column says "Micro").
        for head, tail in _cuts(word):
            if vocabulary.known_word(head) and (vocabulary.known_word(tail) or tail in synonyms
                                                or tail in ENTITY_NOUNS):
                forms |= {head, tail}
                break
    return forms


def _match_labels(loose: list[str], vocabulary: _Vocabulary, synonyms: Synonyms,
                  ) -> tuple[list[tuple[str, Term]], list[str]]:
    """Read the words no phrase took against the words of category and industry labels.

    The labels sharing the most (and rarest) of the words win; among them, those the words
    cover entirely ("history museum" is the label History Museum) weigh fully and the rest
    ("Natural History Museum") come after them as alternates; when none is covered entirely
    ("museum"), all of them weigh fully. Repeated for the words left, as another facet.
    """
    words = [w for w in loose if w not in vocabulary.filler]
    forms = {w: _forms(w, synonyms, vocabulary) for w in words}
    phrases = {w: _synonym_phrases(w, synonyms) for w in words}
    hits = vocabulary.words({f for fs in forms.values() for f in fs})
    found: list[tuple[str, Term]] = []
    left = list(words)
    for round_ in range(3):
        scores: dict[int, float] = defaultdict(float)
        covers: dict[int, set[str]] = defaultdict(set)
        size: dict[int, int] = {}
        terms: dict[int, Term] = {}
        seen: dict[int, int] = {}  # first-seen order: ties resolve the same way every run
        own: dict[int, float] = defaultdict(float)  # how many of the typed words reached it
        for word in left:
            best: dict[int, float] = {}
            by: dict[int, set[str]] = defaultdict(set)  # the forms that reached each label
            for form in sorted(forms[word]):
                for term, weight, n in hits.get(form, []):
                    best[id(term)] = max(best.get(id(term), 0.0), weight)
                    by[id(term)].add(form)
                    terms[id(term)], size[id(term)] = term, n
                    seen.setdefault(id(term), len(seen))
            wholes, parted = phrases[word]
            for key in list(best):
                # A word of a synonym of several words reaches a label only with the rest of
                # that synonym: "vet" is an animal hospital, not any label saying "animal"
                # ("Exotic Animal Medicine") or "hospital".
                if not (by[key] - parted) and not any(
                        all(part in by[key] or STEM + word_stem(part) in by[key] for part in phrase)
                        for phrase in wholes):
                    del best[key]
            typed = {singular(w) for w in word.split()}
            for key, weight in best.items():
                scores[key] += weight
                covers[key].add(word)
                # (a trade's head noun counts for little: "roofing contractor" is a roofer
                # before it is a General Building Contractor)
                own[key] += sum(0.1 if w in _HEAD_NOUNS else 1.0 for w in typed & by[key])
        if not scores:
            break
        top = max(scores, key=lambda k: (scores[k], len(covers[k]) / size[k], -seen[k]))
        taken = covers[top]
        # Labels the same words name, whether by the words themselves or their stems
        # ("pediatric" names Pediatric Dentistry and Paediatric Dentistry alike).
        group = [k for k in scores if covers[k] == taken]
        whole = [k for k in group if len(taken) >= size[k]]
        primary = whole or group
        # Of labels a synonym reached alike ("nursing home": care home), those holding more
        # of the words typed come first ("Care home service with nursing"), the rest after.
        most = max(own[k] for k in primary)
        if most and any(own[k] < most for k in primary):
            primary = [k for k in primary if own[k] == most]
        alternates = [k for k in group if k not in primary]
        signals = list(dict.fromkeys(s for k in primary for s in terms[k].expanded))
        more = list(dict.fromkeys(s for k in alternates for s in terms[k].expanded))
        primary.sort(key=seen.__getitem__)
        label = _kinds_label([w for w in left if w in taken], [terms[k].label for k in primary])
        facet = terms[top].facet if round_ == 0 else f"{terms[top].facet} {round_ + 1}"
        term = Term(label, facet, signals, expanded=signals + [s for s in more if s not in signals],
                    primary=len(signals))
        if any(id(terms[k]) in vocabulary.users for k in primary):
            vocabulary.users.add(id(term))
        found.append(("=" + " ".join(w for w in left if w in taken), term))
        left = [w for w in left if w not in taken]
    return found, [w for w in loose if w in left]


def _with_containing(words: list[str], term: Term, forms: dict[str, set[str]],
                     hits: dict[str, list[tuple[Term, float, int]]],
                     vocabulary: _Vocabulary) -> Term:
    """A category named exactly ("ラーメン", "Orthodontics") and, after it as alternates, the
    labels that hold all its words ("とんこつラーメン", "醤油ラーメン"): kinds of it."""
    words = [w for w in words if w in forms]
    if not words:
        return term
    holders: list[set[int]] = []
    terms: dict[int, Term] = {}
    for w in words:
        mine: set[int] = set()
        # A part of a word written without spaces is no kind of it: 訪問介護 (home-visit
        # care) holds 介護, yet a nursing home's 介護老人保健施設 is no home-visit care, where
        # とんこつラーメン holds the whole of ラーメン and is a ramen shop.
        whole = [f for f in forms[w] if f == w or w.isascii() or f not in w]
        for f in whole:
            for other, _weight, _n in hits.get(f, []):
                if other.facet == term.facet:
                    mine.add(id(other))
                    terms[id(other)] = other
        holders.append(mine)
    more = [s for k in sorted(set.intersection(*holders), key=list(terms).index)
            for s in terms[k].expanded if s not in term.expanded]
    if not more:
        return term
    wider = Term(term.label, term.facet, term.signals, term.implies,
                 [*term.expanded, *dict.fromkeys(more)], primary=len(term.expanded))
    if id(term) in vocabulary.users or any(id(terms[k]) in vocabulary.users for k in terms):
        vocabulary.users.add(id(wider))
    return wider


def _kinds_label(words: list[str], labels: list[str]) -> str:
    """'Art Museum', or 'museum (7 kinds: Art Museum / History Museum / ...)'."""
    if len(labels) == 1:
        return labels[0]
    more = " / ..." if len(labels) > 3 else ""
    return f"{' '.join(words)} ({len(labels)} kinds: {' / '.join(labels[:3])}{more})"


def _fuzzy_label_word(vocabulary: _Vocabulary, word: str) -> str | None:
    """The word of the user's own labels a typo stands for ("sofware": software), if one is
    within a letter or two."""
    if len(word) < 5 or not word.isascii():
        return None
    words = [w for w, in vocabulary.db.execute(
        "select distinct w.word from query_words w join query_terms t on t.id = w.term_id "
        "where t.user = 1 and t.vocabulary = 0 and length(w.word) between ? and ?",
        [len(word) - 2, len(word) + 2])]
    best = process.extractOne(word, words, scorer=fuzz.ratio, score_cutoff=85)
    return str(best[0]) if best else None


def _fuzzy_phrase(word: str, vocabulary: _Vocabulary) -> tuple[str, Term] | None:
    """A typo's phrase ("hotle" -> hotel). Never onto a place when the word is a place
    itself (Montana is not Fontana), a business word of this database, or the place with an
    ending added or dropped (brewery is not Brewer)."""
    if len(word) < 5 or not word.isascii():
        return None
    best = process.extractOne(word, vocabulary.near(word), scorer=fuzz.ratio, score_cutoff=85)
    if not best:
        return None
    phrase, term = best[0], vocabulary.term_of(best[0])
    if term.facet == "place" and (
            places.gazetteer().is_place_name(word) or vocabulary.known_word(singular(word))
            or word.startswith(phrase) or phrase.startswith(word)):
        return None
    return phrase, term


def resolve_query(db: Database, text: str, *,
                  synonyms: Synonyms | None = None) -> Query:
    """Resolve QUERY to a company (by name) or a segment (by signal vocabulary)."""
    query = _resolve(db, text, synonyms)
    if query.kind == "company":
        row = db.execute("select status, stale_since from companies where id = ?",
                         [query.company_id]).fetchone()
        if row and row[0] == "gone":
            raise QueryError(f"#{query.company_id} {query.company_name} is gone from every source "
                             f"since {(row[1] or '?')[:10]} (its rows were removed on a re-read); "
                             "it is kept for what you recorded about it, but has no lookalikes")
    return query


def _resolve(db: Database, text: str, synonyms: Synonyms | None) -> Query:
    text = (text or "").strip()
    if not text:
        raise QueryError("empty query; give a company name or a segment like 'Tokyo five-star hotel'")
    if not db.execute("select exists(select 1 from company_signals)").fetchone()[0]:
        path = db.conn.execute("pragma database_list").fetchone()[2]
        if db.execute("select exists(select 1 from companies)").fetchone()[0]:
            # A list of names and street addresses with no town, state or country Spider knows.
            raise QueryError(
                f"{path}: its companies carry nothing to compare them by (no kind of business, "
                "industry or place read from their columns); say the country they are in "
                "(`spider ingest FILE --set country=US`) or map a category column (`--map "
                "category=COLUMN`)")
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
    vocabulary = _Vocabulary(db)
    text = _arrondissements(db, text)
    found, fillers, unknown = parse_segment(db, text, vocabulary=vocabulary, synonyms=synonyms)
    hyphened = [w for w in unknown if "-" in w.strip("-")]
    if hyphened:
        # A town and its quarter joined ("Köln-Ehrenfeld"), or two words a rep hyphenated:
        # read apart where that reads more of them.
        apart = text
        for word in hyphened:
            apart = re.sub(re.escape(word), word.replace("-", " "), apart, flags=re.I)
        again = parse_segment(db, apart, vocabulary=_Vocabulary(db), synonyms=synonyms)
        # (a romanized Japanese place's suffix, "Shimogyo-ku", is the place's, not a word)
        suffixes = {w.rsplit("-", 1)[1] for w in hyphened} & _ROMAJI_PLACE_SUFFIXES
        rest = [w for w in again[2] if w not in suffixes] if len(again[0]) > len(found) \
            else again[2]
        if len("".join(rest)) < len("".join(unknown)):
            found, fillers, unknown = again[0], again[1], rest
    segment_covers = bool(found) and not unknown
    # Words that all read as a segment name a company only by its exact name; the fuzzy
    # search (for the notes on close names) runs only when one does.
    candidates = find_companies(db, text, exact_only=segment_covers)
    if segment_covers and candidates:
        candidates = find_companies(db, text)
    strong = [c for c in candidates if c["score"] >= COMPANY_FUZZY]
    # A kind most of the list's names say, and nothing else ("vets", "veterinary clinic" in
    # a list of "... Veterinary Clinic"s): the segment is meant, not the one name most like
    # it; a company only by its exact name.
    kinds = _shipped_synonyms()
    generic = bool(unknown) and not found and not is_japanese(text) and all(
        fold_query(w) in kinds or singular(fold_query(w)) in kinds for w in unknown) and (
        _most_named(db, text) or all(_most_named(db, word) for word in unknown))
    if generic:
        strong = [c for c in strong if c["score"] >= COMPANY_EXACT]
    if not strong and not segment_covers and not is_japanese(text) and not generic:
        # No name is like the whole text: a name holding it as words is the one meant
        # ("Poilâne" for Boulangerie Poilâne); several are listed to choose from.
        strong = named_within(db, text, score=COMPANY_FUZZY)
        candidates = [*strong, *candidates]
    exact = [c for c in strong if c["score"] >= COMPANY_EXACT]
    facets_named = {t.facet for _, t in found}
    # A segment read only through its label words or a typo ("family" of "Residential
    # REITs") is a looser reading than a company's whole name ("Austin Family Dentistry").
    loose_reading = any(w.startswith(("=", "~")) for w, _ in found)
    if (segment_covers and len(facets_named) >= 2 and "brand" not in facets_named and exact
            and not (len(exact) == 1 and loose_reading)):
        won = _won_among(db, [c["company_id"] for c in exact])
        if len(won) == 1:
            # A won client's own name ("Round Rock Pharmacy", 渋谷整骨院) is the client, though
            # its words read as a segment: the rep asks for its lookalikes.
            client = next(c for c in exact if c["company_id"] == won[0])
            query = Query(text, "company", company_id=won[0], company_name=client["name"])
            what = " ".join(t.label for _, t in found if t.facet != "place")
            where = " ".join(t.label.split(",")[0] for _, t in found if t.facet == "place")
            query.notes.append(f"read '{text}' as your client {client['label']}; for the segment, "
                               f"expand '{what} in {where}'" if what and where else
                               f"read '{text}' as your client {client['label']}")
            return query
        # Every word is a segment word ("Tokyo business hotel"): the user means the segment,
        # even if some hotel is called just that. A brand plus a place ("Conrad Tokyo") is a
        # property's name, not a segment.
        query = _segment_query(vocabulary, text, found, fillers, unknown, candidates)
        query.notes.append("also the name of " + "; ".join(c["label"] for c in exact[:3]) +
                           f"; expand '#{exact[0]['company_id']}' for that company's lookalikes")
        return query
    if segment_covers and facets_named == {"brand", "place"} and not exact:
        # A brand and a place ("Hilton Tokyo", "Imperial Hotel Tokyo") name a property when
        # one company here is that brand in that place: its lookalikes are what is asked.
        one = _only_holder(db, [[x for x in t.expanded if x.startswith("brand:")]
                                or t.expanded[:t.primary or 1] for _, t in found])
        if one is not None:
            name = describe_company(db, one)["name"]
            query = Query(text, "company", company_id=one, company_name=name)
            query.notes.append(f"read '{text}' as {name} (#{one}), the one "
                               f"{' in '.join(t.label for _, t in found)} here")
            return query
    if len(exact) == 1 or (strong and not exact and not segment_covers):
        top = exact or strong
        rivals = [c for c in top[1:] if c["score"] >= top[0]["score"] - COMPANY_MARGIN]
        if not exact and rivals:
            raise QueryError(f"{text!r} matches several companies; rerun with one of these ids "
                             f"(e.g. spider expand '#{top[0]['company_id']}')", candidates=top[:8])
        query = Query(text, "company", company_id=top[0]["company_id"], company_name=top[0]["name"])
        # (beside a name matched exactly, only a name much the same: not every "Autohaus …"
        # of the list for "Autohaus Meyer")
        close = 95 if exact else 85
        others = [c for c in candidates if c["company_id"] != query.company_id
                  and c["score"] >= close]
        if others:
            query.notes.append("also close: " + "; ".join(c["label"] for c in others[:3]))
        return query
    if unknown and not exact and not is_japanese(text) and all(
            t.facet != "place" for _, t in found):
        # Words no kind or place takes, all in one company's name with the rest of the query
        # ("Praxis Gruber": Praxis Dr. Josef Gruber): that company. (Not where a place is
        # named: "planetarium in Illinois" is no Illinois State University Planetarium.)
        owner = _named_with_all(db, text, unknown)
        if owner is not None:
            return _named_query(text, owner)
    if len(exact) > 1:
        chosen = _property_of_group(db, exact)
        if chosen:
            query = Query(text, "company", company_id=chosen["company_id"], company_name=chosen["name"])
            group = next(c for c in exact if c is not chosen)
            query.notes.append(f"'{text}' also names its operating group {group['label']}; "
                               f"expand '#{group['company_id']}' for the group's peers")
            return query
        # Two branches of one firm alike once the legal form is set aside: the one named as
        # typed is meant.
        typed = named_as_typed(exact, text)
        if typed is not None:
            query = Query(text, "company", company_id=typed["company_id"],
                          company_name=typed["name"])
            query.notes.append("also close: " + "; ".join(
                c["label"] for c in exact if c is not typed))
            return query
        raise QueryError(f"{text!r} is the name of {len(exact)} companies; rerun with one id "
                         f"(e.g. spider expand '#{exact[0]['company_id']}')", candidates=exact[:8])
    if not (unknown and is_japanese(text)):
        return _segment_query(vocabulary, text, found, fillers, unknown, candidates)
    # Japanese runs its words together: a part of one name ("白石ライフ" of 特別養護老人ホーム
    # 白石ライフ) is that company, where the words left are no area, kind or name reading
    # ("梅田 歯科" is a ward's dentists).
    try:
        query = _segment_query(vocabulary, text, found, fillers, unknown, candidates)
    except QueryError:
        inside = named_within(db, text, score=COMPANY_FUZZY)
        if len(inside) != 1:
            raise
        return _named_query(text, inside[0])
    if query.ignored:
        inside = named_within(db, text, score=COMPANY_FUZZY)
        if len(inside) == 1:
            return _named_query(text, inside[0])
    return query


def _named_query(text: str, company: dict) -> Query:
    query = Query(text, "company", company_id=company["company_id"], company_name=company["name"])
    query.notes.append(f"read '{text}' as {company['label']}, the one name holding all its words")
    return query


def _named_with_all(db: Database, text: str, unknown: list[str]) -> dict | None:
    """The one company whose name holds every word of TEXT (small words aside) as whole
    words, in any order, found through the rarest of the UNKNOWN words; None if none or
    several do."""
    filler = _shipped_vocabulary()[1]
    words = [w for w in normalize_name(text).split() if w not in filler]
    # (a place's name is no company's own word: "Illinois" of a list without its states read)
    rare = [w for w in unknown if w.isascii() and len(w) >= 4
            and not places.gazetteer().is_place_name(w) and not places.city_other_names(w)]
    if len(words) < 2 or not rare:
        return None
    named = min((found for word in rare if (found := named_within(db, word, score=COMPANY_FUZZY))),
                key=len, default=[])
    if not named or len(named) > NAMED_WORD_MAX:  # a word many names carry is no one's own
        return None
    each = [whole_words(w) for w in words]
    held = [c for c in named if all(p.search(normalize_name(c["name"])) for p in each)]
    return held[0] if len(held) == 1 else None


NAMED_WORD_MAX = 3


def _named_with_words(db: Database, words: list[str]) -> list[dict]:
    """Companies whose names hold the most of WORDS as whole words (at most a few: a word
    half the list carries says nothing)."""
    hits: dict[int, dict] = {}
    count: Counter[int] = Counter()
    for word in words:
        found = named_within(db, word, score=0) if word.isascii() and len(word) >= 4 else []
        if 0 < len(found) <= 5:
            for company in found:
                hits[company["company_id"]] = company
                count[company["company_id"]] += 1
    return [hits[cid] for cid, _ in count.most_common()]


def _won_among(db: Database, ids: list[int]) -> list[int]:
    """Those of IDS that are won clients."""
    return sorted(cid for cid, in rows_in(
        db, "select distinct l.company_id from won_clients w cross join record_links l on "
        "l.record_id = w.record_id where l.company_id in ({marks})", ids)) if ids else []


def _holders_of(db: Database, signals: Iterable[str]) -> set[int]:
    """The companies holding any of SIGNALS."""
    return {cid for cid, in rows_in(
        db, "select distinct company_id from company_signals where signal in ({marks})",
        sorted(set(signals)))}


def _only_holder(db: Database, facets: list[list[str]]) -> int | None:
    """The one company holding a signal of every facet, or None."""
    common: set[int] | None = None
    for signals in facets:
        holders = _holders_of(db, signals)
        common = holders if common is None else common & holders
        if not common:
            return None
    if common and len(common) > 1:
        # a property rather than the firm that runs it (帝国ホテル 東京, not Imperial Hotel, Ltd.)
        firms = {cid for cid, in rows_in(
            db, "select distinct company_id from company_signals where company_id in ({marks}) "
            "and (signal like 'industry:%' or signal = ?)", sorted(common), after=[HOTEL_OPERATOR])}
        common -= firms
    return next(iter(common)) if common and len(common) == 1 else None


def _property_of_group(db: Database, exact: list[dict]) -> dict | None:
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


def _breadth(signal: str) -> int:
    """How wide a place is: a country widest, a district narrowest (PLACE_LEVELS reversed)."""
    finest = max(PLACE_LEVELS.values())
    level = PLACE_LEVELS.get(signal.split(":")[1], 1) if signal.startswith("place:") else 1
    return finest - level


def _nest_places(db: Database, found: list[tuple[str, Term]],
                 notes: list[str]) -> list[tuple[str, Term]]:
    """A town and a region in one query: the town within the region ("Springfield Illinois"
    is one Springfield), or, when no company is in both, a word that only happens to be a
    town's name ("university" beside "California" is not the town University, Mississippi)."""
    placed = [(w, t) for w, t in found if t.facet == "place" and t.expanded]
    out = list(found)
    for word, small in placed:
        small_level = max(_breadth(s) for s in small.expanded)
        for other, big in placed:
            if other == word or max(_breadth(s) for s in big.expanded) <= small_level:
                continue
            inside = {sig for sig, in rows_in(
                db, "select distinct a.signal from company_signals a join company_signals b on "
                "b.company_id = a.company_id where a.signal in ({marks}) and b.signal in (" +
                ",".join("?" * len(big.expanded)) + ")", small.expanded, after=big.expanded)}
            if (word, small) not in out:
                continue
            if inside:
                kept = [s for s in small.expanded if s in inside]
                out[out.index((word, small))] = (word, Term(small.label, small.facet, kept,
                                                            expanded=kept, primary=len(kept)))
                if (other, big) in out:
                    out.remove((other, big))
            else:
                out.remove((word, small))
                notes.append(f"'{word.lstrip('~=')}' not read as the place {small.label}: no "
                             f"company there is also in {big.label}")
            break
    return out


# A word no label holds may still say what kind of business is meant, if the names that carry
# it fall mostly in a few kinds ("university" in a register of colleges: 4-year institutions).
# At least NAME_READING_MIN companies named with it; a kind counts if it holds at least
# NAME_READING_SHARE of them and NAME_READING_LIFT times its share of the whole database, and
# kinds are taken until they hold NAME_READING_COVER of them. Not tuned on any benchmark.
NAME_READING_MIN = 5
NAME_READING_SHARE = 0.15
NAME_READING_LIFT = 1.5
NAME_READING_COVER = 0.8
NAME_READING_ALL = 0.9  # a kind this share of the names carrying a word hold is its reading
NAME_READING_SAMPLE = 5000
_KIND_PREFIXES = ("category:", "industry:", "concept:")


def _most_named(db: Database, word: str) -> bool:
    """Whether the names of at least half the companies here say WORD or a word of its
    shipped synonyms ("vet": Veterinary, Vet, Animal Hospital, Pet Clinic), in a list of
    NAME_READING_MIN or more."""
    total = company_count(db)
    word = fold_query(word)
    if total < NAME_READING_MIN or not word:
        return False
    forms, phrases = _synonym_words(word, _shipped_synonyms())
    named: set[int] = set()
    for form in forms:
        named |= _named_with(db, form)
    for phrase in phrases:
        held = [_named_with(db, part) for part in phrase]
        named |= set.intersection(*held) if held else set()
    return len(named) * 2 >= total


def _named_with(db: Database, word: str) -> set[int]:
    """Companies with WORD as a whole word of one of their names (or, in Japanese, inside
    one): read through the trigram index of name keys, checked against the names."""
    # (the name index keys names without their accents: "bäckerei" is searched as backerei,
    # and meets Bäckerei and Backerei)
    key = _unaccented(re.sub(r"[^\w]", "", word.casefold()))
    if len(key) < 2 or (len(key) < 3 and not all(_is_cjk(c) for c in key)):
        return set()  # 店 alone, "co": says nothing
    endings = r"(?:s|es)?"
    if key.isascii() and len(key) > 4 and key.endswith("s") and not key.endswith("ss"):
        # A plural in the query ("care homes", "bakeries") meets the singular in names, and
        # the plural: the names are searched by the stem both share.
        key, endings = (key[:-3], r"(?:y|ies)") if key.endswith("ies") else (key[:-1], endings)
    if len(key) >= 3:
        try:
            rows = db.execute(
                "select n.company_id, n.name from company_names_fts f join company_names n on "
                "n.rowid = f.rowid where company_names_fts match ? limit ?",
                ['"' + key + '"', NAME_READING_SAMPLE]).fetchall()
        except sqlite3.OperationalError:  # an SQLite without FTS5
            rows = db.execute("select company_id, name from company_names where key like ? "
                              "limit ?", [f"%{key}%", NAME_READING_SAMPLE]).fetchall()
    else:
        rows = db.execute("select company_id, name from company_names where name like ? limit ?",
                          [f"%{key}%", NAME_READING_SAMPLE]).fetchall()
    if all(_is_cjk(c) for c in key):
        return {cid for cid, name in rows if key in (name or "")}
    if endings == r"(?:s|es)?" and key.isascii() and key.endswith("y") and len(key) > 3:
        key, endings = key[:-1], r"(?:y|ies)"  # "bakery" meets "Bakeries" too
    whole = re.compile(r"(?<![\w])" + re.escape(key) + endings + r"(?![\w])")
    return {cid for cid, name in rows if whole.search(_unaccented(fold_query(name or "")))}


# An area no gazetteer has (梅田, Shinsaibashi, Soho) read from the addresses that name it:
# at least ADDRESS_READING_MIN companies, of which ADDRESS_READING_SHARE share one district,
# city or region (the finest that holds them). Not tuned on any benchmark.
ADDRESS_READING_MIN = 3
ADDRESS_READING_MIN_CJK = 2  # companies whose address or name carries a kanji or kana word
ADDRESS_READING_SHARE = 0.6
ADDRESS_READING_SAMPLE = 2000
# The addresses read for it at most: an area is named by many of a large register's (a word
# that is in none would otherwise cost a national register a full scan, 1.2 s a query).
ADDRESS_READING_SCAN = 200_000
_PLACE_FINEST = ("district", "city", "region")


def _city_reading(vocabulary: _Vocabulary, word: str) -> Term | None:
    """The town of the user's data a query word names by another of its names ("Munich",
    "Cologne", "Lisbon" for München, Köln, Lisboa): the most populous city of that name
    (spider.places.city_other_names) whose other names the data has as a place."""
    if not word.isascii() or len(word) < 4 or not word.isalpha():
        return None
    for _country, names in places.city_other_names(word):
        pieces = {fold_query(n) for n in names} | {_unaccented(fold_query(n)) for n in names}
        terms = [t for t in vocabulary.lookup(pieces).values() if t.facet == "place"]
        if terms:
            return terms[0]
    return None


# A word before a street type or after a street word names the street, not the area it is in
# ("541 Sydney Rd, Brunswick" is not in Sydney; "12 rue de Paris, Lyon" is not in Paris).
_STREET_AFTER = lazy_pattern(
    r"\s+(?:st|street|rd|road|ave|avenue|av|blvd|boulevard|dr|drive|ln|lane|way|pl|place|ct|"
    r"court|hwy|highway|pde|parade|tce|terrace|cres|crescent|cl|close|pkwy|parkway|sq|square|"
    r"row|walk|str|straße|strasse|allee|weg|platz|ring|gasse|damm|laan|straat|plein)\b")
_STREET_BEFORE = lazy_pattern(
    r"\b(?:rue|avenue|av|boulevard|bd|bld|chemin|route|quai|place|calle|avenida|paseo|via|"
    r"viale|piazza|corso|largo|rua)\s+(?:(?:de|du|des|la|le|les|del|de la|di|della|da|do)\s+)?$")


def _names_area(whole: re.Pattern, address: str) -> bool:
    """Whether ADDRESS names the word WHOLE matches other than as its street's name."""
    return any(not _STREET_AFTER.match(address, m.end())
               and not _STREET_BEFORE.search(address, 0, m.start())
               for m in whole.finditer(address))


def _address_reading(db: Database, word: str) -> Term | None:
    """The place a query word names when it is an area the addresses carry ('梅田' in 大阪府
    大阪市北区梅田1-2-3, 'Soho' in '12 Greek St, Soho, London'): the finest place (district,
    city, region) most of the companies whose addresses name it share, as a place facet.
    None when few addresses name it or they are spread out (a street word, 'Main')."""
    key = unicodedata.normalize("NFKC", word).strip()
    if len(key) < 2 or (key.isascii() and (len(key) < 4 or not key.isalpha())):
        return None
    rows = db.execute(
        "select l.company_id, r.address from (select id, address from records where "
        "coalesce(status, 'active') = 'active' limit ?) r join record_links l on l.record_id = "
        "r.id where r.address like ? limit ?",
        [ADDRESS_READING_SCAN, f"%{key}%", ADDRESS_READING_SAMPLE]).fetchall()
    if key.isascii():  # a whole word: Ueno is not in Huguenot Road
        whole = re.compile(r"(?<![a-z])" + re.escape(key.lower()) + r"(?![a-z])")
        rows = [r for r in rows if _names_area(whole, unicodedata.normalize("NFKC", r[1] or "").lower())]
    named = {cid for cid, _ in rows}
    if all(_is_cjk(c) for c in key):
        # Written in kanji or kana, a word an address carries is a place name, and a name
        # carries its branch's area (梅田中央歯科医院, カラフル 梅田店): fewer do in a short list.
        # A word no address carries is no area, however many names hold it (デイサービス
        # in the names of Setagaya's day-care centres is what they are, not where).
        if not named:
            return None
        named |= _named_with(db, key)
        if len(named) < ADDRESS_READING_MIN_CJK:
            return None
    elif len(named) < ADDRESS_READING_MIN:
        return None
    return _place_of(db, named)


def _example_segment(vocabulary: _Vocabulary) -> str:
    """A query this database answers, for an error's hint: with the user's own data, the
    commonest kind in its commonest town ("Bakery in Leeds"); else the shipped seeds' example."""
    if not vocabulary.user_data:
        return "Tokyo five-star hotel"
    mine = [f"{SEEDS}/%", f"%/{SEEDS}/%"]
    kind = vocabulary.db.execute(
        "select category from records where category is not null and source not like ? and "
        "source not like ? group by category order by count(*) desc limit 1", mine).fetchone()
    # (a list without a category column: the kind its names say, else its industry column)
    kind = kind or vocabulary.db.execute(
        "select label from signals where kind = 'kind' order by companies desc limit 1"
    ).fetchone() or vocabulary.db.execute(
        "select industry_label from records where industry_label is not null and source not "
        "like ? and source not like ? group by industry_label order by count(*) desc limit 1",
        mine).fetchone()
    town = vocabulary.db.execute(
        "select city from records where city is not null and source not like ? and source not "
        "like ? group by city order by count(*) desc limit 1", mine).fetchone()
    if not kind:
        return "Tokyo five-star hotel"
    what = re.split(r"\s*[;,/|、]\s*", str(kind[0]).strip())[0]
    return f"{what} in {town[0]}" if town else what


def _same_town_elsewhere(db: Database, place: dict[str, float]) -> str:
    """A note when the place asked for is a town of one name in several regions (Richmond,
    Victoria and Richmond, New South Wales): which is read first, and how to ask for one."""
    towns = [s for s in place if s.startswith("place:city:") and "/" in s]
    names = {s.rsplit("/", 1)[1].lower() for s in towns}
    if len(towns) < 2 or len(names) != 1:
        return ""
    labels = dict(rows_in(db, "select signal, label from signals where signal in ({marks})", towns))
    ordered = sorted(towns, key=lambda s: -place[s])
    said = [str(labels.get(s) or s.split(":", 2)[2]) for s in ordered]
    name = said[0].split(",")[0]
    return (f"'{name}' is a town in {len(said)} places ({'; '.join(said[:4])}); all are "
            f"listed, {said[0]} first; name the region with it for one ('{name} "
            f"{said[-1].split(',')[-1].strip()}')")


def _town_word_reading(db: Database, word: str) -> Term | None:
    """The towns named as being in the area a query word names ("Chianti": Radda in Chianti,
    Greve in Chianti, Castellina in Chianti; "Main": Frankfurt am Main, Offenbach am Main;
    "Thames": Kingston upon Thames), as one place facet of those towns. Only a word after
    such a preposition at a town name's end: "College Park" and "Niagara University" name
    no area called College or University. Latin words of four letters or more."""
    key = unicodedata.normalize("NFKC", word).strip().lower()
    if not (key.isascii() and key.isalpha() and len(key) >= 4):
        return None
    within = re.compile(r"(?:^|\s)(?:in|on|upon|am|an der|an|im|sur|sul|sulla|sull|di|del|della|"
                        r"de|en|bei|nad|pod)\s+(?:the\s+)?" + re.escape(key) + "$")
    towns = [(signal, label) for signal, label in db.execute(
        "select signal, label from signals where kind = 'city' and label like ? limit 200",
        [f"%{key}%"])
        if within.search(fold_query(str(label).split(",")[0]).replace("-", " "))]
    if not towns:
        return None
    signals = [signal for signal, _ in towns]
    names = [str(label).split(",")[0] for _, label in towns]
    label = (f"{word[:1].upper()}{word[1:]} (" + ", ".join(names[:3])
             + (", ..." if len(names) > 3 else "") + ")")
    return Term(label, "place", signals, expanded=signals, primary=len(signals))


def _place_of(db: Database, named: set[int]) -> Term | None:
    """The finest place (district, city, region) most of the companies NAMED share, as a
    place facet; None when they are spread out."""
    held: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for _cid, signal, kind, label in rows_in(
            db, "select cs.company_id, cs.signal, s.kind, s.label from company_signals cs join "
            "signals s on s.signal = cs.signal where cs.company_id in ({marks}) and s.kind in "
            "('district', 'city', 'region')", sorted(named)):
        held[kind][(signal, label)] += 1
    for kind in _PLACE_FINEST:
        if held[kind]:
            (signal, label), count = held[kind].most_common(1)[0]
            if count >= ADDRESS_READING_SHARE * len(named):
                return Term(str(label), "place", [signal], expanded=[signal], primary=1)
    return None


_ORDINAL = re.compile(r"(?<=[^\W\d_])\s+(\d{1,2})\s*(?:e|er|ère|eme|ème|è)"
                      # (the word typed too is said once: "Lyon 3e arr.")
                      r"(?:\s+arr(?:ondissement|dt)?\b\.?)?(?=\s|$)", re.I)


def _arrondissements(db: Database, text: str) -> str:
    """"dentiste Lyon 3e" as the list writes it, "Lyon 3e Arrondissement", where the list has
    arrondissements (LYON 3EME, PARIS 11E ARRONDISSEMENT)."""
    if not _ORDINAL.search(text) or not db.execute(
            "select 1 from signals where kind = 'district' and label like '%arrondissement%' "
            "limit 1").fetchone():
        return text
    return _ORDINAL.sub(lambda m: f" {int(m[1])}{'er' if int(m[1]) == 1 else 'e'} arrondissement",
                        text)


# What a romanized Japanese place name ends with after its hyphen (Shimogyo-ku, Fuchu-shi).
_ROMAJI_PLACE_SUFFIXES = frozenset({"ku", "shi", "cho", "machi", "mura", "gun", "ken", "to", "fu"})


def _finest_places(db: Database, terms: list[Term], notes: list[str]) -> list[Term]:
    """TERMS without a place that another place of the query lies within: "京都市東山区" or
    "Shinjuku, Tokyo" asks for the ward, not for all of the city beside it (two places
    neither of which holds the other, "Tokyo Osaka", are both asked for)."""
    places = [t for t in terms if t.facet == "place" and t.expanded]
    if len(places) < 2:
        return terms

    def within(fine: Term, coarse: Term) -> bool:
        """Whether every company of FINE holds COARSE too, and some of COARSE not FINE."""
        a, b = list(fine.expanded), list(coarse.expanded)
        outside = db.execute(
            f"select 1 from company_signals where signal in ({', '.join('?' * len(a))}) and "
            f"company_id not in (select company_id from company_signals where signal in "
            f"({', '.join('?' * len(b))})) limit 1", [*a, *b]).fetchone()
        wider = db.execute(
            f"select 1 from company_signals where signal in ({', '.join('?' * len(b))}) and "
            f"company_id not in (select company_id from company_signals where signal in "
            f"({', '.join('?' * len(a))})) limit 1", [*b, *a]).fetchone()
        return outside is None and wider is not None

    coarse = {id(c) for c in places for f in places if f is not c and within(f, c)}
    if not coarse:
        return terms
    dropped = [t.label for t in places if id(t) in coarse]
    notes.append(f"read {' and '.join(t.label for t in places if id(t) not in coarse)} as the "
                 f"place asked, within {' and '.join(dropped)}")
    return [t for t in terms if id(t) not in coarse]


# A query word that is a postal code ("3065", "75011", "SW1A", "150-0002").
_POSTAL_WORD = re.compile(r"\d{3}-?\d{4}|\d{4,6}|[a-z]{1,2}\d[a-z\d]?")


def _postal_reading(db: Database, word: str) -> Term | None:
    """The place a postal code in a query stands for: the finest place the companies whose
    postal code it is (or, for an outward code such as SW1A, begins) mostly share ("cafe
    3065" -> Fitzroy, Victoria). None when none has it."""
    if not _POSTAL_WORD.fullmatch(word):
        return None
    key = word.replace("-", "").upper()
    rows = db.execute(
        "select l.company_id, r.postal_code, r.address from (select id, postal_code, address "
        "from records where coalesce(status, 'active') = 'active' limit ?) r join record_links l "
        "on l.record_id = r.id where replace(replace(upper(coalesce(r.postal_code, '') || ' ' || "
        "coalesce(r.address, '')), '-', ''), ' ', '') like ? limit ?",
        [ADDRESS_READING_SCAN, f"%{key}%", ADDRESS_READING_SAMPLE]).fetchall()
    # (a US ZIP is also the start of its ZIP+4, written without its hyphen: 97214 of 972142074)
    whole = re.compile(r"(?<![0-9A-Z])" + re.escape(key) + (
        r"(?:(?![0-9])|(?=[0-9]{4}(?![0-9])))" if key.isdigit() and len(key) == 5 else
        r"(?![0-9])" if key.isdigit() else r"(?![A-Z])"))
    # A code is the postal code column's, or the one an address gives where a postal code
    # stands (never a house number: "1200 Main St").
    named = {cid for cid, code, address in rows
             if whole.search(re.sub(r"[\s-]", "", unicodedata.normalize(
                 "NFKC", code or places.postal_in(address or "")).upper()))}
    term = _place_of(db, named) if named else None
    if term is not None:
        term.companies = frozenset(named)
    return term


def _name_reading(db: Database, word: str) -> Term | None:
    """What kind of business the names carrying WORD mostly are, if they say it: a facet of
    those kinds, each weighing its share ("university" -> Public, 4-year or above / Private
    not-for-profit, 4-year or above). None when too few names carry it or their kinds are
    no different from everyone's."""
    named = _named_with(db, word)
    if len(named) < NAME_READING_MIN:
        return None
    counts: Counter[str] = Counter()
    for _cid, signal in rows_in(db, "select company_id, signal from company_signals where "
                                "company_id in ({marks})", sorted(named)):
        if signal.startswith(_KIND_PREFIXES):
            counts[signal] += 1
    if not counts:
        return None
    total = company_count(db)
    # each kind's label and how many companies hold it, as the build stored them
    known = {sig: (label, held) for sig, label, held in rows_in(
        db, "select signal, label, companies from signals where signal in ({marks})",
        sorted(counts))}
    chosen: list[str] = []
    covered = 0.0
    for signal, n in counts.most_common():
        share = n / len(named)
        if share < NAME_READING_SHARE or covered >= NAME_READING_COVER:
            break
        # (a kind nearly every name carrying the word holds is what the word means, though
        # most of the list holds it too: "Bäckerei" in a register of bakers and a few
        # hairdressers is the bakers)
        if share >= NAME_READING_LIFT * known.get(signal, ("", 0))[1] / total or \
                share >= NAME_READING_ALL:
            chosen.append(signal)
            covered += share
    if not chosen or covered < NAME_READING_COVER / 2:
        return None
    names = {s: known[s][0] if s in known else s.split(":", 1)[1] for s in chosen}
    label = (f"'{word}' as in the names of {len(named)} companies, mostly "
             + " / ".join(names[s] for s in chosen[:3]) + (" / ..." if len(chosen) > 3 else ""))
    # each such word its own facet: "beauty school" asks for both readings, not either
    return Term(label, f"kind by name: {word}", chosen, expanded=chosen, primary=len(chosen))


# The head nouns of a trade ("plumbing contractor", "cleaning services"): beside a word that
# names the trade they say nothing more of it.
_HEAD_NOUNS = frozenset({"contractor", "company", "firm", "service", "services", "business",
                         "shop", "store", "agency", "provider", "specialist", "expert",
                         "professional", "supplier", "dealer", "installer", "restaurant"})


def _drop_unmet_kinds(db: Database, order: list[str], by_facet: dict[str, dict[str, float]],
                      labels: dict[str, list[str]], notes: list[str],
                      heads: Collection[str] = frozenset()) -> None:
    """Two readings of what the business is that no company here holds together ("dental"
    as the dentistry kinds, "clinic" as Veterinary Clinic): the reading fewer companies hold
    is dropped, with a note, so the query is read the way the data supports; but a reading
    of a trade's head noun alone (HEADS: "contractors" in "plumbing contractors", read as
    General Building Contractor) gives way to the trade."""
    kinds = [f for f in order if f in by_facet and f.startswith(("category", "industry"))]
    if len(kinds) < 2:
        return
    holders = {f: _holders_of(db, by_facet[f]) for f in kinds}
    while len(kinds) >= 2 and not set.intersection(*(holders[f] for f in kinds)):
        dropped = min(reversed(kinds), key=lambda f: (f not in heads, len(holders[f])))
        kinds.remove(dropped)
        notes.append(f"left out {' or '.join(labels[dropped])}: no company here is also "
                     + " and ".join(" or ".join(labels[f]) for f in kinds))
        del by_facet[dropped]


def _source_reading(db: Database, words: list[str]) -> Term | None:
    """The user's own list named for a query word or phrase ("brewery": breweries.csv,
    "Kyoto's best inns"; "accounting firm": accounting_firms_members.csv): the kinds its
    companies hold (those mostly held within it), as one facet."""
    wanted = {singular(w) for w in words} | {" ".join(singular(p) for p in w.split())
                                             for w in words if " " in w}
    for source, title in db.execute(
            "select distinct source, coalesce(list_title, '') from records where source not like "
            "? and source not like ? limit 200", [f"{SEEDS}/%", f"%/{SEEDS}/%"]).fetchall():
        noun = entity_noun([Path(source).stem.replace("_", " ").replace("-", " "), title])
        if not noun or noun not in wanted:
            continue
        held = Counter(sig for sig, in db.execute(
            "select cs.signal from company_signals cs join record_links l on l.company_id = "
            "cs.company_id join records r on r.id = l.record_id where r.source = ? and "
            "(cs.signal like 'category:%' or cs.signal like 'industry:%') "
            "group by cs.company_id, cs.signal", [source]))
        kinds = [sig for sig, n in held.items() if n >= max(1, 0.02 * sum(held.values()))]
        if kinds:
            name = title or Path(source).name
            return Term(f"the companies of {name}", "category", kinds,
                        expanded=kinds, primary=len(kinds))
    return None


def _segment_query(vocabulary: _Vocabulary, text: str, found: list[tuple[str, Term]],
                   fillers: list[str], unknown: list[str], candidates: list[dict]) -> Query:
    by_facet: dict[str, dict[str, float]] = defaultdict(dict)
    labels: dict[str, list[str]] = defaultdict(list)
    notes: list[str] = []
    before = [w for w, _ in found]
    found = _nest_places(vocabulary.db, found, notes)
    # A word that is neither a label nor (here) a place may be what the names say.
    dropped = [w.lstrip("~=") for w in before if w not in {x for x, _ in found}]
    still: list[str] = []
    said: set[str] = set()  # words whose reading has its own note
    deferred: dict[int, tuple[list[str], Term]] = {}
    for word in [*dropped, *unknown]:
        # A town by another of its names ("Cologne" for a list's Köln); an area the
        # addresses name (梅田, Soho) is a place; else the names may say a kind.
        city = _city_reading(vocabulary, word)
        if city is not None:
            found.append(("=" + word, city))
            said.add(word)
            notes.append(f"read '{word}' as {city.label}")
            continue
        postal = _postal_reading(vocabulary.db, word)
        address = None if postal else _address_reading(vocabulary.db, word)
        towns = None if postal or address else _town_word_reading(vocabulary.db, word)
        reading = postal or address or towns or _name_reading(vocabulary.db, word) or next(
            (by_plain for plain in sorted(_romance_singulars(word), key=len)
             if (by_plain := _name_reading(vocabulary.db, plain)) is not None), None)
        if reading is None:
            if word in vocabulary.deferred:  # the seeds' label after all, said as such
                term = vocabulary.deferred[word]
                deferred.setdefault(id(term), ([], term))[0].append(word)
            elif word in unknown:
                still.append(word)
            continue
        found.append(("=" + word, reading))
        if reading.facet == "place":
            said.add(word)
            notes.append(f"read '{word}' as {reading.label}, where the companies of that postal "
                         "code are (those first)" if postal else
                         f"read '{word}' as the towns named for it" if towns else
                         f"read '{word}' as {reading.label}, where the addresses naming it are")
        else:
            notes.append(f"read {reading.label}")
    # A kind read from a label's words ("accounting": Forensic Accounting) where the query
    # names what one of the user's lists is ("accounting firm", accounting_firms.csv): the
    # companies of that list.
    folded = fold_query(text).split()
    for at, (word, term) in enumerate(found):
        if word.startswith("=") and term.facet != "place" and word[1:] in folded:
            i = folded.index(word[1:])
            for phrase in (" ".join(folded[i:i + n]) for n in (3, 2) if i + n <= len(folded)):
                own = _source_reading(vocabulary.db, [phrase])
                if own is not None:
                    found[at] = ("=" + phrase, own)
                    fillers[:] = [f for f in fillers if f not in phrase.split()]
                    break
    for words, term in deferred.values():
        # The seeds' label after all, unless one of the user's own lists is named for the word
        # ("brewery": breweries.csv, whose type column says micro, brewpub, regional).
        own = _source_reading(vocabulary.db, words)
        found.append(("=" + " ".join(words), own or term))
    unknown = still
    # A trade's head noun beside the word that names the trade ("plumbing contractors"):
    # the trade says it all; the noun alone would add a kind of its own (any contractor).
    def head_only(word: str) -> bool:
        return all(singular(x) in _HEAD_NOUNS for x in word.lstrip("=~").split())

    trades = [w for w, t in found if t.facet.startswith(("category", "industry"))]
    if any(not head_only(w) for w in trades):
        found = [(w, t) for w, t in found
                 if not (t.facet.startswith(("category", "industry")) and head_only(w))]
    terms = [t for _, t in found]
    terms_by_label = vocabulary.implied(name for t in terms for name in t.implies)
    for term in list(terms):
        terms += [terms_by_label[name] for name in term.implies if name in terms_by_label]
    unheld: list[str] = []  # what the query asks for that no company here is
    terms = _finest_places(vocabulary.db, terms, notes)
    for term in terms:
        signals = term.expanded
        if term.facet == "ignored":
            notes.append(term.label)
            continue
        if not signals:
            notes.append(f"'{term.label}' is understood, but no company in this database has it")
            if term.facet != "place":
                unheld.append(term.label)
            continue
        for rank, signal in enumerate(signals):
            full = rank < term.primary if term.primary else rank == 0 or signal in term.signals[:1]
            weight = 1.0 if full else ALTERNATE_WEIGHT
            by_facet[term.facet][signal] = max(by_facet[term.facet].get(signal, 0.0), weight)
        if term.label not in labels[term.facet]:
            labels[term.facet].append(term.label)
    for word, term in found:
        if word.startswith("~"):
            notes.append(f"read '{word[1:]}' as '{term.label}'")
        elif (word.startswith("=") and fold_query(term.label) != word[1:]
              and not term.facet.startswith("kind by name") and word[1:] not in said):
            notes.append(f"read '{word[1:]}' as {term.label}")
    # The kind asked is what most of the list's names say it is ("vet" in a list of "...
    # Veterinary Hospital", "... Animal Clinic" whose category column holds their services),
    # and nothing but a place was understood beside it: the answer is every one of them there.
    asked = [*unknown, *unheld]
    most_named = bool(asked) and set(by_facet) <= {"place"} and all(
        _most_named(vocabulary.db, word) for word in asked)
    if most_named and not by_facet:
        # (no place asked: the country most of them are in; a place is what a segment
        # stands on)
        widest = vocabulary.db.execute(
            "select signal, label from signals where kind = 'country' order by companies desc "
            "limit 1").fetchone()
        if widest:
            by_facet["place"] = {widest[0]: 1.0}
            labels["place"].append(widest[1])
    if not by_facet:
        hint = "; the closest company names are below" if candidates else ""
        raise QueryError(f"{text!r} matches no company and no segment word{hint}. Try a company "
                         "name as `spider records` shows it, or words like "
                         f"{_example_segment(vocabulary)!r}", candidates=candidates[:5])
    if most_named:
        notes.append(f"{', '.join(repr(w) for w in asked)}: most names here "
                     "say so; listing every company in the place")
        unknown, unheld = [], []
    if (unknown or unheld) and by_facet and set(by_facet) == {"place"}:
        # Only the place was understood or held: a list of everything there is not what was
        # asked ("restaurant Lyon" in a list of dentists and bakeries).
        # (each once: a category and the kind it is say one word, 訪問介護 twice)
        kinds = list(dict.fromkeys(row[0] for row in vocabulary.db.execute(
            "select label from signals where kind in ('category', 'industry', 'kind') "
            "order by companies desc limit 12")))[:6]
        raise QueryError(
            f"{', '.join(repr(w) for w in [*unknown, *unheld])} names no kind of business in "
            "this database, "
            "so the answer would be everything in " + " / ".join(labels["place"]) + "; "
            + (f"kinds here include {', '.join(kinds)}; use one of them, or teach Spider "
               "your word" if kinds else "no category or industry column was read (`spider "
               "ingest FILE --map category=COLUMN`), or teach Spider your word")
            + " with a synonyms file (README: Your own directory)")
    order = ["tier", "category", "industry", "brand"]
    order += sorted(f for f in by_facet if f not in order and f != "place") + ["place"]
    heads = {t.facet for w, t in found if t.facet.startswith(("category", "industry"))
             and head_only(w)}
    _drop_unmet_kinds(vocabulary.db, order, by_facet, labels, notes, heads)
    facets = [Facet(" or ".join(labels[f]), by_facet[f], place=(f == "place"))
              for f in order if f in by_facet]
    same_name = _same_town_elsewhere(vocabulary.db, by_facet.get("place", {}))
    if same_name:
        notes.append(same_name)
    query = Query(text, "segment", facets=facets, ignored=unknown, notes=notes,
                  exact=frozenset().union(*(t.companies for _, t in found)))
    named = _named_with_words(vocabulary.db, unknown)
    if named:
        # "Smile Kidz Dentistry": a client's name mistyped reads as its kind alone; say
        # whose names hold the words left out.
        query.notes.append(f"{', '.join(repr(w) for w in unknown)}: in no kind or place here, "
                           "but in the name of " + "; ".join(c["label"] for c in named[:3]) +
                           f"; expand '#{named[0]['company_id']}' for that company's lookalikes")
    if fillers:
        query.notes.append("filler words ignored: " + ", ".join(fillers))
    return query
