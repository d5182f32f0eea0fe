"""Readings of Japanese names in Latin letters, and a sound key that lets one name written in
two scripts meet (三井ガーデンホテル上野 ~ Mitsui Garden Hotel Ueno, メッツ ~ Mets).

Kanji have several readings each, and a name's is fixed by its dictionary entry, so the
reading of a kanji word comes from a morphological analyser, SudachiPy with the
`sudachidict_small` dictionary (both Apache-2.0; the dictionary ships inside its wheel, nothing
is downloaded at run time). Measured on the 3,837 listed-company names of
../shared/data/jp_listed_companies_code4fukui: about 80,000 names a second after a 40 ms
load; the small dictionary reads those names like the core one at 110 MB installed against
190 MB (see CHANGELOG). Kana are romanized with `spider.resolve.kana`.

The sound key forgives what katakana does to an English word: the vowels it adds after a
consonant (ホテル hoteru ~ hotel, メッツ mettsu ~ mets), long vowels and ー (ドーミー
domii ~ dormy), the small ッ (a doubled consonant), l/r and v/b, and "the" (ザ).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from spider.resolve.kana import kana_to_romaji, romaji_key
from spider.text import is_kanji

__all__ = ["nouns", "place_reading", "reading", "reading_kana", "reading_words", "sound_key",
           "sound_scores", "town_stem"]

_tokenizers: dict[str, Any] = {}


def _analyser(mode: str = "C") -> Any:
    """The SudachiPy tokenizer splitting in MODE (C: long units, names whole; A: short
    units, words), created on first use (its dictionary is memory-mapped)."""
    tokenizer = _tokenizers.get(mode)
    if tokenizer is None:
        from sudachipy import Dictionary, SplitMode

        tokenizer = _tokenizers[mode] = Dictionary(dict="small").tokenizer(
            mode=getattr(SplitMode, mode))
    return tokenizer


def _is_kana(char: str) -> bool:
    """Hiragana or katakana, the long-vowel mark included."""
    return "\u3041" <= char <= "\u30fa" or char in "ーゝゞヽヾ"


def _is_kana_text(text: str) -> bool:
    return bool(text) and all(_is_kana(c) for c in text)


@lru_cache(maxsize=200_000)
def reading_words(name: str) -> tuple[str, ...]:
    """The name's words in Latin letters: kanji and kana words read and romanized (Hepburn),
    Latin words folded; symbols and spaces dropped. Empty if nothing in it can be read."""
    if not name:
        return ()
    text = unicodedata.normalize("NFKC", name)
    words: list[str] = []
    for morpheme in _analyser().tokenize(text):
        surface = morpheme.surface()
        if not surface.strip():
            continue
        if surface.isascii():
            words.extend(w for w in re.findall(r"[a-z0-9]+", surface.casefold()) if w)
            continue
        if not any(is_kanji(c) or _is_kana(c) for c in surface):
            continue  # a symbol
        kana = morpheme.reading_form()
        if not _is_kana_text(kana):
            kana = surface if _is_kana_text(surface) else ""
        if kana:
            words.extend(_split_kind(kana_to_romaji(kana)))
    return tuple(w for w in words if w)


# Kind words the analyser leaves inside a katakana compound (ビューホテル, ホテルマイステイズ).
_KIND_INSIDE = ("hoteru", "hosuteru")


def _split_kind(word: str) -> list[str]:
    for kind in _KIND_INSIDE:
        if kind in word and word != kind:
            head, _, tail = word.partition(kind)
            return [*_split_kind(head), kind, *_split_kind(tail)] if head or tail else [word]
    return [word] if word else []


@lru_cache(maxsize=100_000)
def reading_kana(text: str) -> str:
    """A Japanese text's reading in katakana ('' if a part of it has none)."""
    out = []
    for morpheme in _analyser().tokenize(unicodedata.normalize("NFKC", text)):
        surface = morpheme.surface()
        if not surface.strip():
            continue
        kana = morpheme.reading_form()
        if not _is_kana_text(kana):
            return ""
        out.append(kana)
    return "".join(out)


def nouns(text: str) -> list[str]:
    """The nouns of a Japanese text as the analyser splits it in short units (自動車部品の製造
    → 自動車, 部品, 製造): the words a description is about."""
    out = []
    for morpheme in _analyser("A").tokenize(text):
        pos = morpheme.part_of_speech()
        if pos[0] == "名詞" and pos[1] not in ("数詞", "代名詞"):
            out.append(morpheme.normalized_form())
    return out


_MUNICIPAL = ("市", "町", "村", "区")  # the suffix of a Japanese town's name


def town_stem(name: str) -> str:
    """A Japanese town's name without its 市/町/村/区 (箱根町 → 箱根, 港区 → 港)."""
    name = name.strip()
    return name[:-1] if name.endswith(_MUNICIPAL) and len(name) >= 2 else name


@lru_cache(maxsize=50_000)
def place_reading(name: str) -> str:
    """A Japanese town's name as it is written in Latin letters: without its 市/町/村/区 and
    read (京都市 → kyoto, 箱根町 → hakone); '' when it cannot be read."""
    read = romaji_key("".join(reading_words(town_stem(name))))
    return read if read.isascii() and len(read) >= 3 else ""


def reading(name: str) -> str:
    """The name read in Latin letters, words spaced: 三井ガーデンホテル上野 → 'mitsui gaaden
    hoteru ueno'."""
    return " ".join(reading_words(name))


# Words that say nothing about which one in either script: an article and its katakana.
_NOISE = frozenset({"the", "za", "a", "an", "of", "no", "and", "ando", "to"})
_DOUBLED = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def sound_key(word: str) -> str:
    """One Latin word (English or romaji) as it sounds, loosely: 'hoteru' and 'hotel' give
    'hoter'; 'mettsu' and 'mets' give 'mets'; 'domii' and 'dormy' give 'domi'."""
    w = unicodedata.normalize("NFKD", word.casefold())
    w = "".join(c for c in w if c.isascii() and c.isalnum())
    if not w:
        return ""
    # A silent r or h after a vowel before a consonant (dormy ~ domii, ohtsuka ~ otsuka),
    # read before l becomes r so that "hotel" keeps its l as ホテル keeps its ru.
    w = re.sub(r"(?<=[aeiou])[rh](?=[^aeiou])", "", w)
    w = re.sub(r"(?<=.)[eoa]r$", "a", w)  # center ~ sentaa, motor ~ mootaa
    for old, new in (("tion", "shon"), ("ph", "f"), ("ck", "k"), ("qu", "k"), ("x", "ks"),
                     ("wh", "w"), ("th", "s"), ("tch", "ch"), ("ce", "se"), ("ci", "si"),
                     ("cy", "si"), ("dzu", "z"), ("zu", "z"), ("di", "ji"), ("ti", "chi"),
                     ("hu", "fu"), ("v", "b"), ("l", "r"), ("y", "i"), ("ee", "i"),
                     ("ei", "e"), ("ou", "o"), ("oo", "o")):  # fmt: skip
        w = w.replace(old, new)
    w = re.sub(r"c(?!h)", "k", w)
    w = re.sub(r"(?<![ts])si", "shi", w)
    # The vowel katakana adds after a consonant: u (and o after t, d). Not i after ch or sh:
    # a romaji word ends so (ichi, hashi), and a reading cut in two (一蘭 ichi|ran) would
    # then not meet the name written whole (Ichiran).
    w = re.sub(r"(?<=[bdfgkmnprstz])u(?![aeiou])", "", w)
    w = re.sub(r"(?<=[td])o(?![aeiou])", "", w)
    w = _DOUBLED.sub(r"\1", w)  # long vowels, ッ and doubled letters
    return w


def _keys(words: Sequence[str]) -> list[str]:
    return [k for k in (sound_key(w) for w in words if w not in _NOISE) if k]


def _glued_scores(ka: list[str], kb: list[str]) -> tuple[float, float]:
    """(symmetric, coverage) 0..1 of two keyed names: glued in order, one rotated."""
    glued_a = _DOUBLED.sub(r"\1", "".join(ka))  # one letter across a word's edge, as within
    best, rotated = 0.0, glued_a
    for shift in range(len(kb)):
        candidate = _DOUBLED.sub(r"\1", "".join(kb[shift:] + kb[:shift]))
        sim = Indel.normalized_similarity(glued_a, candidate)
        if sim > best:
            best, rotated = sim, candidate
        if best == 1.0:
            break
    short, long = sorted((glued_a, rotated), key=len)
    cover = fuzz.partial_ratio(short, long) / 100.0 if len(short) >= 4 else best
    return best, max(best, cover)


def sound_scores(a: Sequence[str], b: Sequence[str], *, core: bool = True
                 ) -> tuple[float, float, int]:
    """(symmetric, coverage, letters): how alike two names sound, 0..100, from their words in
    Latin letters (a reading and an English name, say), and the letters of the shorter key.

    Word boundaries and order differ between the scripts (赤坂グランベルホテル ~ Granbell
    Hotel Akasaka): the symmetric score is the best of the names glued in order and of one
    name's words rotated; coverage is how much of the shorter name the longer one holds
    (アパホテル within APA Hotel Jimbocho). With `core`, the words every such name has must
    not be all that sounds alike (below).
    """
    ka, kb = _keys(a), _keys(b)
    if not ka or not kb:
        return 0.0, 0.0, 0
    sym, cov = _glued_scores(ka, kb)
    letters = min(len("".join(ka)), len("".join(kb)))
    # Words of every such name (hotel, holdings, Tokyo), as keys inside the words (a katakana
    # compound is one word: ハニーズホールディングス), say nothing about which one: the rest must sound alike too. (ハニーズホールディングス is
    # not Answer Holdings because both are holdings.)
    ca = [k for k in map(_without_common, ka) if k]
    cb = [k for k in map(_without_common, kb) if k]
    if core and (ca, cb) != (ka, kb) and ca and cb:
        core_sym, core_cov = _glued_scores(ca, cb)
        sym, cov = min(sym, core_sym + CORE_SLACK), min(cov, core_cov + CORE_SLACK)
    return 100.0 * sym, 100.0 * cov, letters


CORE_SLACK = 0.1


@lru_cache(maxsize=1)
def _common_keys() -> tuple[str, ...]:
    """Sound keys of the words that say what kind of organisation or where, in either script,
    longest first."""
    from spider.resolve.words import COMMON_WORDS, HOTEL_WORDS, PLACE_WORDS

    keys: set[str] = set()
    for word in (*COMMON_WORDS, *PLACE_WORDS, *HOTEL_WORDS):
        words = reading_words(word) if not word.isascii() else tuple(word.replace("_", " ").split())
        key = "".join(sound_key(w) for w in words)
        if len(key) >= 4:  # a shorter key turns up inside other words ("and" in Mandarin)
            keys.add(key)
    return tuple(sorted(keys, key=lambda k: (-len(k), k)))


def _without_common(key: str) -> str:
    rest = key
    for key in _common_keys():
        if key in rest:
            rest = rest.replace(key, "")
    return rest if len(rest) >= 2 else ""
