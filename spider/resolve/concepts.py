"""Latin concept forms of a name in any script: a business-word dictionary (自動車 = motor,
銀行 = bank; spider/data/business_words.tsv), kana readings and the readings the data carries
(法人名ふりがな, ヨミ), so that "トヨタ自動車株式会社" meets "TOYOTA MOTOR CORPORATION" without a
heavy romanizer. Pure functions; the dictionary is read once.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spider.data import read_text
from spider.resolve.kana import is_romaji, kana_letters, kana_to_romaji, romaji_key
from spider.resolve.normalize import fold, is_japanese, normalize_name
from spider.resolve.readings import reading_kana
from spider.text import is_kanji, is_katakana


@lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, str], dict[str, list[str]], dict[str, str], list[str]]:
    """(japanese→concept, japanese→readings, english word→concept, japanese words longest first)."""
    ja_concept: dict[str, str] = {}
    ja_readings: dict[str, list[str]] = {}
    en_concept: dict[str, str] = {}
    text = read_text("business_words.tsv")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("\t") if p.strip()]
        if len(parts) != 3:
            continue
        words, readings, english = (p.split("|") for p in parts)
        concept = fold(english[0]).replace(" ", "_")
        for word in words:
            key = fold(word).replace(" ", "")
            ja_concept[key] = concept
            ja_readings.setdefault(key, [])
            ja_readings[key].extend(fold(r).replace(" ", "") for r in readings if r != "-")
        for word in english:
            en_concept.setdefault(fold(word), concept)
    # One concept per English word: 交通 "transportation" is the concept an earlier line gave
    # that word ("transport"), so 大和自動車交通 meets "Daiwa Motor Transportation".
    for key, concept in ja_concept.items():
        ja_concept[key] = en_concept.get(concept.replace("_", " "), concept)
    by_length = sorted(ja_concept, key=len, reverse=True)
    return ja_concept, ja_readings, en_concept, by_length


def japanese_words(concepts: frozenset[str]) -> tuple[str, ...]:
    """Dictionary words (Japanese) whose concept is in `concepts`, longest first."""
    ja_concept = _dictionary()[0]
    words = [w for w, c in ja_concept.items() if c in concepts]
    return tuple(sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _max_phrase() -> int:
    return max((len(k.split()) for k in _dictionary()[2]), default=1)


@lru_cache(maxsize=1)
def _misspellings() -> dict[str, str]:
    """Every misspelling misspelt_concept reads → its concept, made once from the dictionary:
    a key of nine letters or more without one of its letters but the first, a key of six or
    more with one letter doubled, a key of seven or more with two neighbours (not the first
    letter) swapped. A misspelling two concepts share is left out."""
    out: dict[str, str] = {}
    clash: set[str] = set()

    def add(variant: str, concept: str) -> None:
        if out.get(variant, concept) != concept:
            clash.add(variant)
        out[variant] = concept

    for key, concept in _dictionary()[2].items():
        if len(key) < 6 or not key.isalpha():  # one word, no digits or hyphens
            continue
        for i in range(len(key)):
            add(key[: i + 1] + key[i] + key[i + 1 :], concept)  # "comppany"
            if i and len(key) >= 9:
                add(key[:i] + key[i + 1 :], concept)  # "electonics"
            if i and i + 1 < len(key) >= 7 and key[i] != key[i + 1]:
                add(key[:i] + key[i + 1] + key[i] + key[i + 2 :], concept)  # "reserach"
    for variant in clash:
        del out[variant]
    return out


@lru_cache(maxsize=1 << 16)
def misspelt_concept(word: str) -> str | None:
    """The concept of a dictionary word written with one letter missing, a letter doubled or
    two neighbours swapped ("electonics", "comppany", "reserach"), its first letter kept;
    never a substitution (shopping is not shipping), never a word that could be romaji
    (dainichi is not daiichi, kankyo not kanko). None when no single concept fits."""
    if len(word) < 7 or not word.isalpha() or is_romaji(word):
        return None
    return _misspellings().get(word)


# (not "y" nor "e": a middle initial, John E Smith, is no "and")
_AND_WORDS = {"et": "and", "und": "and", "en": "and", "ve": "and"}


@lru_cache(maxsize=200_000)
def concept_tokens(latin: str) -> tuple[str, ...]:
    """Map a normalized Latin name onto dictionary concepts and romaji keys, token by token.

    "toyota motors" and "toyota automobile" both give ("toyota", "motor").
    """
    tokens = latin.split()
    # "Daniel et Denise", "Müller und Söhne" are "Daniel & Denise", "Müller & Söhne": a
    # connector between two words is "and" in any language ("&" folds to it).
    tokens = [_AND_WORDS.get(t, t) if 0 < i < len(tokens) - 1 else t
              for i, t in enumerate(tokens)]
    en_concept = _dictionary()[2]
    max_len = _max_phrase()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(max_len, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + n])
            if phrase in en_concept:
                out.append(en_concept[phrase])
                i += n
                break
        else:
            token = tokens[i]
            out.append(misspelt_concept(token) or romaji_key(token))
            i += 1
    return tuple(t for t in out if t)


def _segments(name: str) -> list[tuple[str, str]]:
    """Split a folded Japanese name into (kind, text): dict words, katakana, kanji, latin runs."""
    _, _, _, by_length = _dictionary()
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(name):
        char = name[i]
        if char == " ":
            i += 1
            continue
        hit = next((w for w in by_length if name.startswith(w, i) and _word_fits(name, i, w)), None)
        if hit:
            out.append(("dict", hit))
            i += len(hit)
            continue
        kind = _kind(char)
        j = i + 1
        while j < len(name) and name[j] != " " and _kind(name[j]) == kind:
            if any(name.startswith(w, j) and _word_fits(name, j, w) for w in by_length):
                break
            j += 1
        out.append((kind, name[i:j]))
        i = j
    return out


def _kind(char: str) -> str:
    return "kana" if is_katakana(char) else "kanji" if is_kanji(char) else "latin"


def _word_fits(name: str, start: int, word: str) -> bool:
    """A short katakana dictionary word inside a longer katakana word is not that word.

    ガス stands alone in 東京ガス but not in ラスベガス; words of three kana or more
    (ホテル, グループ, ホールディングス) are split out wherever they stand.
    """
    if not is_katakana(word[0]) or len(word) >= 3:
        return True
    end = start + len(word)
    before = start > 0 and is_katakana(name[start - 1])
    after = end < len(name) and is_katakana(name[end])
    return not before and not after


def latin_forms(name: str, reading: str | None = None) -> list[tuple[str, ...]]:
    """The Latin concept forms of a normalized name (any script), using a kana reading when given.

    Latin names give their concept tokens. Japanese names are split into dictionary words
    (自動車 → motor), katakana (romanized) and kanji runs; a kanji run is read from `reading` by
    aligning the reading against the known parts. A kanji run that cannot be read yields no form.
    """
    if not name:
        return []
    if not is_japanese(name):
        return [concept_tokens(name)]
    ja_concept, ja_readings, _, _ = _dictionary()
    segments = _segments(name)
    unknown = [text for kind, text in segments if kind == "kanji"]
    readings_of_unknown: list[str] | None = []
    if unknown:
        readings_of_unknown = _align(segments, normalize_name(reading) if reading else "")
    if readings_of_unknown is None:
        # No reading given, or one that does not fit: the analyser reads each kanji run.
        readings_of_unknown = [reading_kana(text) for text in unknown]
        if not all(readings_of_unknown):
            return []
    out: list[str] = []
    unknown_iter = iter(readings_of_unknown)
    for kind, text in segments:
        if kind == "dict":
            out.append(ja_concept[text])
        elif kind == "kana":
            out.append(romaji_key(kana_to_romaji(text)))
        elif kind == "kanji":
            out.append(romaji_key(kana_to_romaji(next(unknown_iter))))
        elif kind == "latin":
            out.extend(concept_tokens(text))
    forms = [tuple(t for t in out if t)]
    spelled = [(kind, kana_letters(text)) for kind, text in segments]
    if any(kind == "kana" and letters for kind, letters in spelled):
        # シーアールイー is also "CRE": offer the spelled-out letters as a second form.
        alt = [
            letters if kind == "kana" and letters else token
            for (kind, letters), token in zip(spelled, out, strict=False)
        ]
        if len(out) == len(segments):
            forms.append(tuple(t for t in alt if t))
    return forms


def _align(segments: list[tuple[str, str]], reading: str) -> list[str] | None:
    """Read each kanji run off the whole reading: known parts anchor a regular expression."""
    reading = reading.replace(" ", "")
    if not reading or is_japanese(reading) is False:
        return None
    _, ja_readings, _, _ = _dictionary()
    parts: list[str] = []
    for kind, text in segments:
        if kind == "space":
            continue
        if kind == "dict":
            options = [r for r in ja_readings.get(text, []) if r] or [text]
            parts.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
        elif kind == "kana":
            parts.append(re.escape(text.replace("ー", "")).replace("ッ", "ッ?"))
        elif kind == "kanji":
            parts.append("(.+?)")
        else:
            parts.append("(?:.*?)")
    pattern = "^" + "".join(parts) + "$"
    match = re.match(pattern, reading.replace("ー", ""))
    if not match:
        return None
    return list(match.groups())
