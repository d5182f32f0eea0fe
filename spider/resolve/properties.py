"""Property identity: links records of the same hotel property across scripts and lists.

A seam for the resolver (spider.resolve.stage.resolve_companies): `property_links` returns scored
pairs of row indexes that the clustering treats like any other scored pair (so keep-apart
decisions, class and corporate-number checks still apply).

Two rules, both blocked so the work stays near linear:

- **brand**: rows of one curated brand (seeds/curated/hotel_brands.csv, matched in any script,
  typos included) are one property when their names carry the same place word (丸の内 =
  Marunouchi) or the same branch words (さくらタワー = Sakura Tower), or when both are the bare
  brand ("Conrad", "コンラッド東京") and the brand has a single property in the data. Two
  different place or branch words keep them apart (Hilton Tokyo Odaiba, APA 新宿御苑前).
- **transliteration**: a katakana name romanized with the kana table meets its English by a
  consonant key that forgives l/r, v/b, si/shi, long vowels and doubled letters, with "the",
  "Tokyo"/東京 as noise (パレスホテル東京 ~ Palace Hotel Tokyo).

Two rows that both carry coordinates (map nodes) are never linked here: two nodes are two
properties unless they share a name, which the resolver already sees.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from rapidfuzz.distance import Indel

from spider import seeds
from spider.places import district_named, haversine_km, tokyo_districts, tokyo_wards
from spider.resolve.groups import Groups
from spider.resolve.kana import kana_to_romaji, romaji_key, skeleton
from spider.resolve.normalize import fold, is_japanese
from spider.text import is_kanji, is_katakana

__all__ = ["Brand", "property_links", "load_brands", "analyse_row"]

HOTEL_CATEGORIES = ("hotel", "ryokan", "hostel", "motel", "capsule", "guest_house", "guesthouse",
                    "inn", "旅館", "ホテル", "ホステル")  # fmt: skip
SCORE_PLACE = 97.0  # one brand, the same place or branch words
SCORE_SINGLE = 96.0  # one brand with a single property in the data, both names bare
SCORE_SOUND = 96.0  # the same name in two scripts
SCORE_SOFT = 95.0  # a bare name whose list area names the one property of its brand there
# Possibly one property, for a person to decide (spider review), never a match: a bare (or
# misspelt) brand name and the brand's one named property in the city; a name that carries a
# second brand (a former name: フォーシーズンズホテル椿山荘 ~ ホテル椿山荘東京) and the rows
# of that brand, when it has few properties.
SCORE_MAYBE = 80.0
MAYBE_PROPERTIES = 3  # a second brand with more properties than this says too little
MAX_BLOCK = 200
HOST = "brand:"  # a branch word that is another brand (a host hotel, a former brand)  # a key held by more rows says too little to link on

# Words that say nothing about which property (in romaji_key form).
NOISE = frozenset("the tokyo at a an and by of de la le".split())
# Words that say nothing once the brand is known ("Aman Tokyo Spa" is Aman Tokyo).
BRAND_NOISE = NOISE | frozenset("hotel hotels inn spa resort resorts".split())
ORDER_FIELDS = ("source", "source_row", "record_key", "name", "name_local", "name_en", "lat",
                "lon", "district", "city", "list_title")  # fmt: skip
# Words that say what kind of lodging, not which one.
KIND_WORDS = frozenset("hotel hotels inn ryokan hostel resort spa".split())
# Kanji words common in hotel names; unknown kanji stay as they are (they meet only themselves).
KANJI_WORDS = {
    "東京": "tokyo", "東京都": "tokyo", "旅館": "ryokan", "温泉": "onsen", "駅": "eki", "前": "mae",
    "駅前": "ekimae", "北口": "kitaguchi", "南口": "minamiguchi", "東口": "higashiguchi",
    "西口": "nishiguchi", "本館": "honkan", "別館": "bekkan", "新館": "shinkan", "本店": "honten",
    "東": "higashi", "西": "nishi", "南": "minami", "北": "kita", "東急": "tokyu", "京王": "keio",
    "京急": "keikyu", "相鉄": "sotetsu", "西鉄": "nishitetsu", "名鉄": "meitetsu", "三井": "mitsui",
    "住友": "sumitomo", "第一": "daiichi", "日本": "nihon", "空港": "airport", "禅": "zen",
}  # fmt: skip
# Tokyo place names beyond spider.places' districts (no coordinates: they only name places).
MORE_PLACES = """有楽町 yurakucho|八重洲 yaesu|田町 tamachi|大塚 otsuka|巣鴨 sugamo|御徒町 okachimachi|
神保町 jimbocho|歌舞伎町 kabukicho|新宿御苑 shinjuku gyoen|赤坂見附 akasaka mitsuke|半蔵門 hanzomon|
麹町 kojimachi|市ヶ谷 ichigaya|市谷 ichigaya|御茶ノ水 ochanomizu|お茶の水 ochanomizu|湯島 yushima|
浅草橋 asakusabashi|蔵前 kuramae|押上 oshiage|原宿 harajuku|青山 aoyama|芝 shiba|芝公園 shiba koen|
大門 daimon|有明 ariake|台場 daiba|晴海 harumi|茅場町 kayabacho|高田馬場 takadanobaba|春日 kasuga|
羽田 haneda|北千住 kitasenju|南千住 minamisenju|日暮里 nippori|赤羽 akabane|東新宿 higashi shinjuku|
溜池山王 tameike sanno|永田町 nagatacho|内幸町 uchisaiwaicho|竹芝 takeshiba|天王洲 tennozu|
大崎 osaki|新大久保 shin okubo|代々木 yoyogi|錦糸町 kinshicho|清澄白河 kiyosumi shirakawa|
門前仲町 monzen nakacho|東陽町 toyocho|木場 kiba|亀戸 kameido|小伝馬町 kodemmacho|馬喰町 bakurocho|
水天宮 suitengu|勝どき kachidoki|月島 tsukishima|豊洲 toyosu|品川 shinagawa|高輪 takanawa"""


# ---------------------------------------------------------------------------------------------
# Brands


@dataclass(frozen=True)
class Brand:
    """One curated brand: its name, group and the folded patterns that find it in a name."""

    name: str
    group: str
    latin: tuple[tuple[str, ...], ...]  # token sequences, e.g. ("ritz", "carlton")
    japanese: tuple[str, ...]  # compact folded strings, e.g. "リッツカールトン"
    own: tuple[
        str, ...
    ]  # the brand's own names (folded), removed from a name before its rest is read


def _fold_pattern(text: str) -> str:
    """Folded, with Latin words in romaji_key form (so 'Sunroute' and 'sanrūto' read alike)."""
    folded = fold(text.replace("-", " "))
    return " ".join(romaji_key(t) if t.isascii() else t for t in folded.split())


def brands_from_rows(rows: Iterable[dict[str, str]]) -> tuple[Brand, ...]:
    """Brands from rows shaped like seeds/curated/hotel_brands.csv (brand, brand_ja, patterns, group)."""
    out = []
    for row in rows:
        texts = [row.get("brand") or "", *(row.get("brand_ja") or "").split("|"),
                 *(row.get("patterns") or "").split("|")]  # fmt: skip
        latin, japanese = [], []
        for text in texts:
            folded = _fold_pattern(text)
            if not folded:
                continue
            if folded.isascii():
                tokens = tuple(romaji_key(t) for t in folded.split())
                if tokens not in latin:
                    latin.append(tokens)
            elif (compact := folded.replace(" ", "")) not in japanese:
                japanese.append(compact)
        own = [
            _fold_pattern(t)
            for t in (row.get("brand") or "", *(row.get("brand_ja") or "").split("|"))
        ]
        out.append(Brand(row.get("brand") or "", row.get("group") or "", tuple(latin),
                         tuple(japanese), tuple(o for o in own if o)))  # fmt: skip
    return tuple(out)


def load_brands(folder: Path | None = None) -> tuple[Brand, ...]:
    """The curated hotel brands in `folder` (default: the seeds' curated folder); empty if none."""
    if folder is None:
        folder = seeds.curated_dir()
    path = folder / seeds.file_name(seeds.HOTEL_BRANDS) if folder else None
    if path is None or not path.exists():
        return ()
    return _read_brands(path.resolve(), path.stat().st_mtime_ns)


@functools.cache
def _read_brands(path: Path, _mtime: int) -> tuple[Brand, ...]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return brands_from_rows(csv.DictReader(handle))


class Hit(NamedTuple):
    """A brand pattern found in one name: where (Latin token or compact character span) and what."""

    length: int
    brand: int
    text: str
    kind: str  # "L" (Latin tokens) or "J" (compact Japanese characters)
    start: int
    end: int

    def overlaps(self, other: Hit) -> bool:
        return self.kind == other.kind and self.start < other.end and other.start < self.end


class _BrandIndex:
    """Brand patterns indexed by their first token (Latin) or first two characters (Japanese),
    so finding the brands in a name costs a few dictionary look-ups, not one regex per brand."""

    def __init__(self, brands: Sequence[Brand]) -> None:
        self.brands = brands
        self.latin: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        self.japanese: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.fuzzy_latin: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        self.fuzzy_japanese: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for b, brand in enumerate(brands):
            for tokens in brand.latin:
                self.latin[tokens[0]].append((tokens, b))
                glued = " ".join(tokens)
                if len(glued) >= 8:  # short patterns would meet too many names by accident
                    self.fuzzy_latin[glued[:2]].append((glued, len(tokens), b))
            for text in brand.japanese:
                self.japanese[text[:2]].append((text, b))
                if len(text) >= 5 and _is_katakana_text(text):
                    self.fuzzy_japanese[text[0]].append((text, b))

    def find(self, tokens: Sequence[str], compact: str) -> list[Hit]:
        """Every brand pattern in the name (its Latin tokens and its compact text), exact."""
        found = []
        for i, token in enumerate(tokens):
            for pattern, b in self.latin.get(token, ()):
                if tuple(tokens[i : i + len(pattern)]) == pattern:
                    found.append(
                        Hit(len(" ".join(pattern)), b, " ".join(pattern), "L", i, i + len(pattern))
                    )
        for i in range(len(compact) - 1):
            for text, b in self.japanese.get(compact[i : i + 2], ()):
                if compact.startswith(text, i):
                    found.append(Hit(len(text), b, text, "J", i, i + len(text)))
        return found

    def find_fuzzy(self, tokens: Sequence[str], compact: str) -> list[Hit]:
        """Patterns the name holds with a typo (Ritz-Carton, ニューオタータニ), with the typo."""
        found = []
        for i, token in enumerate(tokens):
            for glued, n, b in self.fuzzy_latin.get(token[:2], ()):
                window = " ".join(tokens[i : i + n])
                if Indel.normalized_similarity(glued, window) >= 0.9:
                    found.append(Hit(len(glued), b, window, "L", i, i + n))
        for i, char in enumerate(compact):
            for pattern, b in self.fuzzy_japanese.get(char, ()):
                # The window most like the pattern, so a typo's letters are not left over as
                # a branch word (ニューオタータニ is ニューオータニ with one letter more).
                scored = [(Indel.normalized_similarity(pattern, compact[i : i + size]), -size)
                          for size in (len(pattern), len(pattern) + 1, len(pattern) - 1)
                          if i + size <= len(compact)]  # fmt: skip
                if scored and max(scored)[0] >= 0.85:
                    size = -max(scored)[1]
                    found.append(Hit(len(pattern), b, compact[i : i + size], "J", i, i + size))
        return found


# ---------------------------------------------------------------------------------------------
# Names: romanized tokens, place words, keys


def _is_katakana_text(text: str) -> bool:
    return all(is_katakana(c) for c in text)


@functools.cache
def _places() -> tuple[dict[str, str], dict[tuple[str, ...], str]]:
    """(folded Japanese place → place id, Latin token sequence → place id). Ids are romaji keys."""
    ja: dict[str, str] = {}
    latin: dict[tuple[str, ...], str] = {}

    def add(ja_name: str, en: str) -> None:
        tokens = tuple(romaji_key(t) for t in fold(en.replace("-", " ")).split())
        if not tokens:
            return
        place = " ".join(tokens)
        if ja_name:
            ja.setdefault(fold(ja_name).replace(" ", ""), place)
        latin.setdefault(tokens, place)
        if len(tokens) > 1:
            latin.setdefault(("".join(tokens),), place)  # "Shiodome", "Nishishinjuku"

    for d in tokyo_districts():
        add(d.ja, d.en)
    for line in MORE_PLACES.replace("\n", "").split("|"):
        ja_name, en = line.strip().split(" ", 1)
        add(ja_name, en)
    for key, en in tokyo_wards().items():
        if not key.isascii():
            add(key, en)
    return ja, latin


@functools.cache
def _kanji_words() -> dict[str, tuple[str, bool]]:
    """Folded kanji word → (romaji, is a place), for greedy longest-first segmentation."""
    words = {fold(k).replace(" ", ""): (v, False) for k, v in KANJI_WORDS.items()}
    for ja, place in _places()[0].items():
        if not ja.isascii():
            words[ja] = (place, True)
    return words


def _sound(token: str) -> str:
    """A consonant key for one romaji or English token: palace ~ paresu, ritz ~ rittsu."""
    if not token.isascii():
        return token
    digits = "".join(c for c in token if c.isdigit())
    key = skeleton(token).replace("tz", "t").replace("z", "s")
    return key + digits


_BRACKETS = re.compile(r"[(（]([^()（）]*)[)）]")


@dataclass
class _Name:
    tokens: list[tuple[str, bool]]  # (romaji key or raw kanji, is a place)
    compact: str  # folded, without spaces (for Japanese patterns)
    latin: list[str]  # romaji-keyed Latin tokens of the folded name (for Latin patterns)
    folded: str


def _segment_kanji(run: str) -> Iterator[tuple[str, bool]]:
    words = _kanji_words()
    i, unknown = 0, ""
    while i < len(run):
        for n in range(min(6, len(run) - i), 0, -1):
            hit = words.get(run[i : i + n])
            if hit:
                if unknown:
                    yield unknown, False
                    unknown = ""
                yield hit
                i += n
                break
        else:
            unknown += run[i]
            i += 1
    if unknown:
        yield unknown, False


def _segment_katakana(run: str) -> Iterator[str]:
    if run.startswith("ザ") and len(run) > 1:
        yield "the"
        run = run[1:]
    if run == "ザ":
        yield "the"
        return
    tail = ""
    if len(run) >= 4 and run.endswith("イン"):
        run, tail = run[:-2], "inn"
    for n, piece in enumerate(run.split("ホテル")):
        if n:
            yield "hotel"
        if piece:
            yield romaji_key(kana_to_romaji(piece))
    if tail:
        yield tail


def _runs(chunk: str) -> Iterator[tuple[str, str]]:
    kind, start = "", 0
    for i, c in enumerate(chunk):
        k = "kata" if is_katakana(c) else "kanji" if is_kanji(c) else "latin"
        if c in "ノヶ" and kind == "kanji":
            k = "kanji"  # 丸ノ内, 市ヶ谷: a kana inside a kanji place name
        if k != kind:
            if kind:
                yield kind, chunk[start:i]
            kind, start = k, i
    if kind:
        yield kind, chunk[start:]


def _tokens(folded: str) -> list[tuple[str, bool]]:
    """Romanized tokens of a folded name, place words (丸ノ内, Nishi-Shinjuku) marked and joined."""
    raw: list[tuple[str, bool]] = []
    for chunk in folded.split():
        for kind, run in _runs(chunk):
            if kind == "kata":
                raw.extend((t, False) for t in _segment_katakana(run))
            elif kind == "kanji":
                raw.extend(_segment_kanji(run))
            else:
                raw.extend((romaji_key(t), False) for t in re.findall(r"[^\W_]+", run) if t)
    latin_places = _places()[1]
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(raw):
        for n in (3, 2, 1):
            seq = tuple(t for t, _ in raw[i : i + n])
            if len(seq) == n and not any(p for _, p in raw[i : i + n]) and seq in latin_places:
                out.append((latin_places[seq], True))
                i += n
                break
        else:
            out.append(raw[i])
            i += 1
    return out


def _name(text: str) -> _Name | None:
    # "(ホテルニューオータニ)", "(キャビンルーム)": asides, not the name
    main = _BRACKETS.sub(" ", text)
    folded = _fold_pattern(main)
    if not folded:
        return None
    return _Name(_tokens(folded), fold(main).replace(" ", ""),
                 [t for t in folded.split() if t.isascii()], folded)  # fmt: skip


def _key(tokens: Iterable[tuple[str, bool]], noise: frozenset[str]) -> str:
    return "".join(_sound(t) for t, _ in tokens if t not in noise)


def _add_sounds(
    tokens: Sequence[tuple[str, bool]], sounds: set[str], cores: dict[str, str]
) -> None:
    """The transliteration keys of one name.

    w: the whole name in order; s: its words in any order; p: without place words (a place
    the other name lacks must then be where that row is); c: the name's own words only, short,
    so it must also read alike letter by letter (The AGNES ~ アグネスホテル).
    """
    words = [(t, p) for t, p in tokens if t not in NOISE]
    own = _consonants("".join(_sound(t) for t, _ in words if t not in KIND_WORDS))
    whole = "".join(_sound(t) for t, _ in words)
    # "Hotel Sunny" (sn) must not meet "Hotel Zen" (sn) on the word hotel alone.
    if own >= 4 or (own >= 3 and _consonants(whole) >= 5):
        sounds.add("w:" + whole)
        if len(words) > 1:
            sounds.add("s:" + ".".join(sorted(_sound(t) for t, _ in words)))
    unplaced = [t for t, p in words if not p]
    core = [t for t in unplaced if t not in KIND_WORDS]
    if len(unplaced) < len(words):
        key = "".join(_sound(t) for t in unplaced)
        if _consonants("".join(_sound(t) for t in core)) >= 4:
            sounds.add("p:" + key)
    key = "".join(_sound(t) for t in core)
    if len(core) < len(words) and _consonants(key) >= 3:
        sounds.add("c:" + key)
        cores["c:" + key] = " ".join(core)


def _consonants(key: str) -> int:
    return sum(1 for c in key if c.isascii() and c.isalpha())


# ---------------------------------------------------------------------------------------------
# Rows


@dataclass
class Property:
    """What one hotel row says about which property it is."""

    index: int
    brands: tuple[int, ...] = ()  # indexes into the brand table, the most specific first
    group: str = ""
    hard: frozenset[str] = frozenset()  # place words in the name
    soft: frozenset[str] = frozenset()  # the list's area, or districts near the coordinates
    branches: frozenset[str] = frozenset()  # the name's other words once brand and places are out
    others: tuple[int, ...] = ()  # other brands the name carries, of another group (a former name)
    sounds: frozenset[str] = frozenset()  # transliteration keys of the names (kind:key)
    scripts: dict[str, frozenset[str]] = field(default_factory=dict)  # key -> "ja"/"latin" names
    cores: dict[str, str] = field(default_factory=dict)  # core key → its romaji, to verify
    located: bool = False
    city: str = ""
    names: list[str] = field(default_factory=list)
    order: tuple = ()  # from the row's content, so links do not depend on the rows' order

    @property
    def bare(self) -> bool:
        """The name is the brand alone, or the brand inside another one's name ("Executive House
        Zen" at Hotel New Otani): it says which brand, not which of the brand's properties."""
        return not self.hard and all(b.startswith(HOST) for b in self.branches)


def is_hotel(row: dict[str, Any]) -> bool:
    category = fold(str(row.get("category") or ""))
    return bool(category) and any(word in category for word in HOTEL_CATEGORIES)


def hotel_town(row: dict[str, Any]) -> str:
    """The town a hotel row is compared within (a Tokyo ward is Tokyo); "" when none."""
    return _city(row)


_TOKYO = {"東京", "東京都", "tokyo", "tokyo to"}


def _city(row: dict[str, Any]) -> str:
    """The row's city; a Tokyo ward (港区, Minato) is Tokyo."""
    city = fold(str(row.get("city") or ""))
    if city in _TOKYO or city in tokyo_wards() or city.removesuffix(" city") in tokyo_wards():
        return "tokyo"
    return city


def _soft_places(row: dict[str, Any]) -> frozenset[str]:
    found: set[str] = set()
    district = str(row.get("district") or "")
    if district:
        d = district_named(district)
        if d:
            found.add(" ".join(romaji_key(t) for t in fold(d.en.replace("-", " ")).split()))
    lat, lon = row.get("lat"), row.get("lon")
    if lat not in (None, "") and lon not in (None, ""):
        for d in tokyo_districts():
            if haversine_km(float(lat), float(lon), d.lat, d.lon) <= 0.6:
                found.add(" ".join(romaji_key(t) for t in fold(d.en.replace("-", " ")).split()))
    return frozenset(found)


def _remove(folded: str, texts: Iterable[str]) -> str | None:
    """The folded name without the first of `texts` it holds (spaces inside Japanese optional)."""
    for text in texts:
        if text.isascii():
            pattern = r"(?<![a-z0-9])" + r"\s+".join(map(re.escape, text.split())) + r"(?![a-z0-9])"
        else:
            pattern = r"\s?".join(map(re.escape, text.replace(" ", "")))
        match = re.search(pattern, folded)
        if match:
            return (folded[: match.start()] + " " + folded[match.end() :]).strip()
    return None


def analyse_row(index: int, row: dict[str, Any], brands: _BrandIndex) -> Property:
    """Brand, place words, branch words and transliteration keys of one hotel row."""
    texts = [str(row[f]) for f in ("name", "name_local", "name_en") if row.get(f)]
    named = [(t, n) for t, n in ((t, _name(t)) for t in dict.fromkeys(texts)) if n]
    names = [n for _, n in named]
    hits = [brands.find(n.latin, n.compact) for n in names]
    if not any(hits):
        hits = [brands.find_fuzzy(n.latin, n.compact) for n in names]
    found = [h for per_name in hits for h in per_name]
    brand = max(found, key=lambda h: (h.length, -h.brand)).brand if found else -1
    also: set[int] = set()
    group = brands.brands[brand].group if brand >= 0 else ""
    for per_name in hits:
        # Two brands of one group read from the same words (ホテルオークラ東京: Hotel Okura and
        # The Okura Tokyo) are one brand for this row.
        mine = [h for h in per_name if h.brand == brand]
        also.update(h.brand for h in per_name if h.brand != brand and group
                    and brands.brands[h.brand].group == group
                    and any(h.overlaps(m) for m in mine))  # fmt: skip
    matched = sorted({h.text for h in found if h.brand == brand}, key=len, reverse=True)
    others = tuple(sorted({h.brand for h in found if h.brand != brand and h.brand not in also
                           and brands.brands[h.brand].group != group}))  # fmt: skip
    hard: set[str] = set()
    branches: set[str] = set()
    sounds: set[str] = set()
    cores: dict[str, str] = {}
    scripts: dict[str, set[str]] = defaultdict(set)
    for text, n in named:
        keys: set[str] = set()
        _add_sounds(n.tokens, keys, cores)
        sounds |= keys
        for key in keys:
            scripts[key].add("ja" if is_japanese(text) else "latin")
        if brand < 0:
            hard.update(t for t, place in n.tokens if place)
            continue
        b = brands.brands[brand]
        rest = _remove(n.folded, (*b.own, *matched, *(" ".join(p) for p in b.latin), *b.japanese))
        if rest is None:
            continue  # this name of the row does not carry the brand (an English alias, say)
        rest_tokens = _tokens(rest)
        other = [hit for hit in brands.find([t for t in rest.split() if t.isascii()],
                                            rest.replace(" ", ""))
                 if hit.brand != brand and hit.brand not in also]  # fmt: skip
        if other:  # a host hotel or former brand in the name: a branch word of its own
            branches.add(HOST + brands.brands[max(other).brand].name)
            continue
        hard.update(t for t, place in rest_tokens if place)
        branch = _key(((t, p) for t, p in rest_tokens if not p), BRAND_NOISE)
        if branch:
            branches.add(branch)
    lat = row.get("lat")
    return Property(
        index=index,
        brands=(brand, *sorted(also)) if brand >= 0 else (),
        others=others,
        group=group,
        hard=frozenset(hard),
        soft=_soft_places(row),
        branches=frozenset(branches),
        sounds=frozenset(sounds),
        scripts={key: frozenset(found) for key, found in scripts.items()},
        cores=cores,
        located=lat not in (None, ""),
        city=_city(row),
        names=texts,
        order=tuple(str(row.get(f) or "") for f in ORDER_FIELDS),
    )


# ---------------------------------------------------------------------------------------------
# Linking


def _compatible(a: Property, b: Property) -> bool:
    """Nothing in the two rows says they are different properties."""
    if a.located and b.located:
        return False  # two map nodes: two properties unless they share a name (the resolver's call)
    if a.city and b.city and a.city != b.city:
        return False
    if a.hard and b.hard and not _nested(a.hard, b.hard):
        return False
    return not (a.branches and b.branches and not a.branches & b.branches)


def _nested(a: frozenset[str], b: frozenset[str]) -> bool:
    """Place words that can name one place: equal, or one set inside the other (歌舞伎町 within
    新宿 歌舞伎町); 新宿 歌舞伎町 and 東新宿 歌舞伎町 are two places."""
    return a <= b or b <= a


def _property_count(members: Sequence[Property]) -> int:
    """How many properties a brand's rows name: distinct places, branch words, and map nodes
    that name neither (each node is a property)."""
    places: Groups[str] = Groups()
    roots: set[str] = set()
    for p in members:
        if p.hard or (p.bare and p.soft):
            keys = sorted(p.hard or p.soft)
        elif p.branches and not p.bare:
            keys = sorted("b:" + b for b in p.branches)
        elif p.located:
            keys = [f"n:{p.index}"]
        else:
            continue
        for k in keys:
            places.join(k, keys[0])
        roots.add(keys[0])
    return len({places.find(k) for k in roots})


def _chain(
    members: Sequence[Property], score: float, why: str
) -> Iterator[tuple[int, int, float, str]]:
    """Pairs that join every member into one cluster: linear, and the clustering closes the chain."""
    ordered = sorted(members, key=lambda p: p.order)
    for a, b in zip(ordered, ordered[1:], strict=False):
        yield a.index, b.index, score, why


def _link_cliques(
    members: Sequence[Property], score: float, why: str
) -> Iterator[tuple[int, int, float, str]]:
    """Chain the members into groups whose every pair is compatible (greedy, in index order)."""
    groups: list[list[Property]] = []
    for p in sorted(members, key=lambda p: p.order):
        for group in groups:
            if all(_compatible(p, q) for q in group):
                group.append(p)
                break
        else:
            groups.append([p])
    for group in groups:
        yield from _chain(group, score, why)


def _brand_links(
    members: Sequence[Property], brand: Brand
) -> Iterator[tuple[int, int, float, str]]:
    count = _property_count(members)
    by_place: dict[str, list[Property]] = defaultdict(list)
    by_branch: dict[str, list[Property]] = defaultdict(list)
    bare: list[Property] = []
    for p in members:
        for place in p.hard:
            by_place[place].append(p)
        if not p.hard:
            for branch in p.branches:
                by_branch[branch].append(p)
        if p.bare:
            bare.append(p)
    for place, group in by_place.items():
        if len(group) > MAX_BLOCK:
            continue
        branches = {b for p in group for b in p.branches}
        if len(branches) <= 1:
            # One property at this place: the rows with and without its branch words are it.
            yield from _link_cliques(group, SCORE_PLACE, f"brand {brand.name}, place {place}")
        else:
            for branch in branches:
                same = [p for p in group if branch in p.branches]
                yield from _link_cliques(same, SCORE_PLACE, f"brand {brand.name}, {place} {branch}")
        # A bare row whose list names this area: the place's one property, if it has one.
        soft = [p for p in bare if place in p.soft and not p.located]
        if soft and len(branches) <= 1 and len({p.hard for p in group}) == 1:
            target = min(group, key=lambda p: p.order)
            for p in soft:
                if _compatible(p, target):
                    yield (
                        p.index,
                        target.index,
                        SCORE_SOFT,
                        f"brand {brand.name}, list area {place}",
                    )
    for branch, group in by_branch.items():
        if len(group) <= MAX_BLOCK:
            yield from _link_cliques(group, SCORE_PLACE, f"brand {brand.name}, {branch}")
    if count <= 1 and len(bare) <= MAX_BLOCK * 5:
        yield from _link_cliques(bare, SCORE_SINGLE, f"brand {brand.name}, its one property")
    if count == 1 and bare and len(bare) <= MAX_BLOCK:
        # A row whose name is another brand's (a host hotel, a former name) is not bare here.
        yield from _maybe_links([p for p in bare if not p.branches],
                                [p for p in members if not p.bare], brand.name)


def _maybe_links(bare: Sequence[Property], named: Sequence[Property],
                 brand: str) -> Iterator[tuple[int, int, float, str]]:
    """Review pairs: each bare row and one row of each named property it is compatible with."""
    groups: dict[tuple[frozenset[str], frozenset[str]], Property] = {}
    for q in sorted(named, key=lambda p: p.order):
        groups.setdefault((q.hard, q.branches), q)
    for p in bare:
        for q in groups.values():
            if _compatible(p, q):
                yield p.index, q.index, SCORE_MAYBE, f"brand {brand}: maybe this property"


def _sound_links(props: Sequence[Property]) -> Iterator[tuple[int, int, float, str]]:
    blocks: dict[str, list[Property]] = defaultdict(list)
    for p in props:
        for key in p.sounds:
            blocks[key].append(p)
    for key, group in blocks.items():
        if len(group) < 2 or len(group) > MAX_BLOCK:
            continue
        kind = key[:2]
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if "ja" not in a.scripts.get(key, _NO_SCRIPT) | b.scripts.get(key, _NO_SCRIPT):
                    # Two Latin names that sound alike are for the resolver to compare letter
                    # by letter: Aurora Suites is not Royal Suites, nor Quer Suites Qua Suites.
                    continue
                if (
                    a.brands
                    and b.brands
                    and (set(a.brands) & set(b.brands) or not a.group or a.group != b.group)
                ):
                    continue  # one brand: the brand rule has decided; two brands: two hotels
                if not _compatible(a, b):
                    continue
                if kind in ("p:", "c:") and not _places_agree(a, b):
                    continue
                if kind == "c:" and _loose_similarity(a.cores[key], b.cores[key]) < 0.75:
                    continue
                yield a.index, b.index, SCORE_SOUND, f"same name in two scripts ({key})"


_NO_SCRIPT: frozenset[str] = frozenset()


def _places_agree(a: Property, b: Property) -> bool:
    """A place one name carries and the other does not must be where the other row is."""
    if a.hard and b.hard:
        return _nested(a.hard, b.hard)
    if a.hard or b.hard:
        placed, other = (a, b) if a.hard else (b, a)
        return bool(placed.hard & other.soft)
    return True


def _loose_similarity(a: str, b: str) -> float:
    """Letter-by-letter likeness of two romanized names, l/r and v/b folded."""
    table = str.maketrans("lv", "rb", " ")
    return Indel.normalized_similarity(a.translate(table), b.translate(table))


def property_links(
    rows: Sequence[dict[str, Any]], *, brands: Sequence[Brand] | None = None
) -> list[tuple[int, int, float, str]]:
    """Scored (i, j, score, why) pairs of row indexes (i < j) that are the same hotel property.

    Only hotel rows (category hotel, ryokan, hostel ...) take part. `brands` defaults to the
    curated table shipped in seeds/curated/hotel_brands.csv.
    """
    index = _BrandIndex(load_brands() if brands is None else tuple(brands))
    props = [analyse_row(i, row, index) for i, row in enumerate(rows) if is_hotel(row)]
    by_brand: dict[int, list[Property]] = defaultdict(list)
    for p in props:
        for b in p.brands:
            by_brand[b].append(p)
    best: dict[tuple[int, int], tuple[float, str]] = {}
    pairs = (*(link for b, members in by_brand.items()
               for link in _brand_links(members, index.brands[b])),
             *_sound_links(props), *_former_links(props, by_brand, index))  # fmt: skip
    for i, j, score, why in pairs:
        key = (min(i, j), max(i, j))
        if i != j and (key not in best or score > best[key][0]):
            best[key] = (score, why)
    _close_over_properties(best)
    return [(i, j, score, why) for (i, j), (score, why) in sorted(best.items())]


def _former_links(props: Sequence[Property], by_brand: dict[int, list[Property]],
                  index: _BrandIndex) -> Iterator[tuple[int, int, float, str]]:
    """Review pairs: a row whose name carries a second brand (a former or host name) and the
    rows of that brand, when the brand has few properties and nothing says they differ."""
    for p in props:
        for other in p.others:
            members = by_brand.get(other, [])
            if not members or _property_count(members) > MAYBE_PROPERTIES:
                continue
            for q in members:
                if q.index != p.index and _compatible(p, q):
                    yield (p.index, q.index, SCORE_MAYBE,
                           f"names carry {index.brands[other].name}: maybe one property")


# A property seldom has more rows than this; a larger component means a link went wrong and
# must face the resolver's average-link check rather than be closed over.
MAX_PROPERTY_ROWS = 50


def _close_over_properties(best: dict[tuple[int, int], tuple[float, str]]) -> None:
    """Link every pair within a property, not only the pairs a rule saw directly.

    The resolver joins two groups only if their cross pairs score well on average, and it
    re-scores an unlinked pair by name: a bare katakana name against an English one scores
    low, so one missing pair could veto a whole property (ザ・ペニンシュラ vs The Peninsula
    Tokyo, though both link to ザ・ペニンシュラ東京). Within a property, the weakest link's
    score stands for every pair.
    """
    joined: Groups[int] = Groups()
    strong = [(i, j, score) for (i, j), (score, _why) in best.items() if score >= 95]
    for i, j, _score in strong:
        joined.join(i, j)
    components = joined.members()
    weakest: dict[int, float] = {}
    for i, _j, score in strong:
        root = joined.find(i)
        weakest[root] = min(score, weakest.get(root, score))
    for root, members in components.items():
        if len(members) < 3 or len(members) > MAX_PROPERTY_ROWS:
            continue
        members.sort()
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1:]:
                best.setdefault((a, b), (weakest[root], "same property as rows linked to both"))
