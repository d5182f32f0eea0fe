"""Stage 3, score: rapidfuzz on names (IDF-weighted tokens, Japanese bigrams, transliterations)
plus phone, address, domain, distance and country evidence, with a breakdown by field.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from spider.places import district_named, gazetteer
from spider.resolve import parallel
from spider.resolve.block import NAME_RULES, RULE_ID, Candidates
from spider.resolve.kana import is_romaji, skeleton
from spider.resolve.normalize import is_japanese
from spider.resolve.prepare import Prepared, Weights
from spider.resolve.readings import reading_words, sound_scores
from spider.resolve.words import (
    COMMON_JA,
    COMMON_WORDS,
    HOTEL_WORDS,
    PLACE_JA,
    PLACE_WEIGHT,
    PLACE_WORDS,
    is_designation,
)

# A pair proposed on names alone is scored only if token_sort_ratio reaches this.
PREFILTER = 55.0
_FIRST = str.maketrans("clv", "krb")


@lru_cache(maxsize=1 << 18)
def token_similarity(a: str, b: str, cutoff: float = 0.8) -> float:
    """0..1: equal tokens 1, a typo or a transliteration (orientaru ~ oriental) close to 1.

    Below `cutoff` a pair of tokens counts as different (0). Two romaji words get no typo
    tolerance: Kanemitsu and Kanematsu, Taiho and Taiyo are different names.
    """
    if a == b:
        return 1.0
    if len(a) < 4 or len(b) < 4:
        return 0.0
    both_romaji = is_romaji(a) and is_romaji(b)
    if cutoff <= 0.8 and not both_romaji:
        short, long = (a, b) if len(a) <= len(b) else (b, a)
        if long.startswith(short):
            return 0.9  # an abbreviation: koninkl ~ koninklijke, electron ~ electronics
    sim = Indel.normalized_similarity(a, b)
    if (cutoff > 0.8 or both_romaji) and sim < 0.95:
        sim = 0.0  # strict: only a transliteration, below, may differ
    if a[0] != b[0]:
        sim *= 0.9  # names rarely change their first letter: Maxell is not Accel
    if (sim < 0.92 and len(a) >= 5 and len(b) >= 5 and not both_romaji
            and a[0].translate(_FIRST) == b[0].translate(_FIRST)
            and max(len(a), len(b)) <= 1.5 * min(len(a), len(b))):  # fmt: skip
        # Only a word that cannot be romaji (palace, elematec) may meet its katakana spelling
        # by skeleton, and only with the same first letter and a plausible length.
        sa = skeleton(a)
        if len(sa) >= 3 and sa == skeleton(b):
            # Three consonants collide too often (サムコ ~ Shinko) to decide alone.
            sim = 0.92 if len(sa) >= 4 else 0.85
    return sim if sim >= cutoff else 0.0


def soft_token_score(
    a: Sequence[str],
    b: Sequence[str],
    weights: Weights,
    *,
    cutoff: float = 0.8,
    places: bool = True,
) -> tuple[float, float]:
    """(symmetric, coverage): IDF-weighted share of tokens matched on both sides, and of the shorter.

    A shared common word (hotel, holdings, ホテル) adds little, but a word only one name has
    costs its full IDF, so "Hilton Tokyo" stays apart from "Hilton Tokyo Odaiba" and
    "TOKAI Holdings" from "TOKAI Corp.".
    """
    if not a or not b:
        return 0.0, 0.0
    set_a, set_b = set(a), set(b)
    best_a = [1.0 if t in set_b else 0.0 for t in a]
    best_b = [1.0 if t in set_a else 0.0 for t in b]
    # Only words without an exact partner are compared fuzzily (the common case is cheap).
    for i, ta in enumerate(a):
        if best_a[i] == 1.0:
            continue
        for j, tb in enumerate(b):
            if best_b[j] == 1.0:
                continue
            s = token_similarity(ta, tb, cutoff)
            if s > best_a[i]:
                best_a[i] = s
            if s > best_b[j]:
                best_b[j] = s
    # A place word missing on one side costs little, but two different places conflict.
    cheap = False
    if places and not (PLACE_WORDS.isdisjoint(set_a) and PLACE_WORDS.isdisjoint(set_b)):
        places_a = any(s < 0.5 and t in PLACE_WORDS for t, s in zip(a, best_a, strict=True))
        places_b = any(s < 0.5 and t in PLACE_WORDS for t, s in zip(b, best_b, strict=True))
        cheap = not (places_a and places_b)
    # Between properties (`places`), a kind word only one name carries ("Tawaraya" and
    # 俵屋旅館, "Okura" and "Hotel Okura") costs as little as a dropped city.
    kinds = places and bool(_KIND_TOKENS.intersection(set_a) ^ _KIND_TOKENS.intersection(set_b))
    num_a, den_a = _weighted(a, best_a, weights, cheap, kinds)
    num_b, den_b = _weighted(b, best_b, weights, cheap, kinds)
    if not den_a or not den_b:
        return 0.0, 0.0  # a name of designations alone ("Koninklijke") names no one
    symmetric = 100.0 * (num_a + num_b) / (den_a + den_b)
    coverage = 100.0 * max(num_a / den_a, num_b / den_b)
    return symmetric, coverage


_KIND_TOKENS = frozenset({"hotel", "hotels", "ryokan", "inn", "hostel"})


def _weighted(
    tokens: Sequence[str], best: list[float], weights: Weights, cheap_places: bool,
    cheap_kinds: bool = False,
) -> tuple[float, float]:
    """(matched weight, total weight) of one name's tokens, each matched to degree `best`."""
    num = den = 0.0
    cache, both = weights._both, weights.both
    for token, s in zip(tokens, best, strict=True):
        got = cache.get(token)
        shared_w, alone_w = got if got is not None else both(token)
        if (cheap_places and token in PLACE_WORDS) or (cheap_kinds and token in _KIND_TOKENS):
            alone_w *= PLACE_WEIGHT
        shared = shared_w * s
        num += shared
        den += shared + alone_w * (1.0 - s)
    return num, den


def _bigrams(text: str) -> list[str]:
    return [text] if len(text) < 2 else [text[i : i + 2] for i in range(len(text) - 1)]


def japanese_score(a: str, b: str, weights: Weights, *, places: bool = True) -> tuple[float, float]:
    """(symmetric, coverage) for two compact Japanese names: IDF-weighted character bigrams.

    Common dictionary words both names share (ホールディングス, ホテル, 東京) are taken out
    first, so ウエストホールディングス and ウエスコホールディングス are compared on
    ウエスト / ウエスコ; a common word only one name has stays and counts.
    """
    if a == b:
        return 100.0, 100.0
    for word in COMMON_JA:
        if word in a and word in b:
            a, b = a.replace(word, ""), b.replace(word, "")
    # A place only one name carries (帝国ホテル東京 vs 帝国ホテル) is left out, as in Latin.
    places_a = [w for w in PLACE_JA if w in a]
    places_b = [w for w in PLACE_JA if w in b]
    if places and not (places_a and places_b):
        for word in places_a or places_b:
            a, b = a.replace(word, ""), b.replace(word, "")
    if a == b:
        return 95.0, 95.0
    if not a or not b:
        return 0.0, 0.0
    return soft_bigram_score(_bigrams(a), _bigrams(b), weights)


def soft_bigram_score(a: list[str], b: list[str], weights: Weights) -> tuple[float, float]:
    ca, cb = Counter(a), Counter(b)
    wa = sum(weights(t) * n for t, n in ca.items())
    wb = sum(weights(t) * n for t, n in cb.items())
    shared = sum(weights(t) * min(n, cb[t]) for t, n in ca.items() if t in cb)
    if not wa or not wb:
        return 0.0, 0.0
    return 100.0 * 2 * shared / (wa + wb), 100.0 * shared / min(wa, wb)


def name_scores(a: Prepared, b: Prepared, weights: Weights,
                same_spot: bool = False) -> tuple[float, float, str]:
    """Best (symmetric, coverage, how) over every pair of names the two records carry.
    SAME_SPOT: the evidence has the two standing at one spot (`evidence_points`)."""
    best = (0.0, 0.0, "")
    # Directories drop the city from a property's name ("Mandarin Oriental" for "... Tokyo");
    # a registered company's 日本 / Nippon is part of its name.
    places = "hotel" in (a.klass, b.klass)
    for ja_a in a.ja:
        for ja_b in b.ja:
            sym, cov = japanese_score(ja_a, ja_b, weights, places=places)
            if (sym, cov) > best[:2]:
                best = (sym, cov, "japanese")
    # Romanized Japanese words differ by one kana between companies (Kanemitsu, Kanematsu):
    # no typo tolerance when either record is written in Japanese.
    cutoff = 0.85 if a.ja or b.ja else 0.8
    for la in a.latin:
        for lb in b.latin:
            if la == lb:
                return 100.0, 100.0, "latin"
            sym, cov = soft_token_score(la, lb, weights, cutoff=cutoff, places=places)
            if sym < 92:
                sym = max(sym, _glued_score(la, lb, strict=cutoff > 0.8))
            if (sym, cov) > best[:2]:
                best = (sym, cov, "latin")
    # A Japanese name against a Latin one, when only one record has a Japanese name (two
    # that both have one compare them as written): by how they sound once the Japanese is
    # read (三井ガーデンホテル上野 ~ Mitsui Garden Hotel Ueno), unless a form they share in
    # one script already said more.
    if best[0] < 90 and bool(a.ja) != bool(b.ja):
        # Two sites at one spot may share their kind and place words (ホテル, Tokyo) without
        # the rest having to carry the likeness alone; elsewhere the rest must sound alike.
        sym, cov = reading_scores(a, b, core=not same_spot)
        # Each measure at its best: a Latin form may hold the other name whole (coverage)
        # where the reading sounds more alike end to end.
        if sym > best[0]:
            best = (sym, max(cov, best[1]), "reading")
        elif cov > best[1]:
            best = (best[0], cov, best[2])
    # A name that goes on after its legal form ("SARA LEE/DE N.V. TE UTRECHT") meets another
    # on the part before it, unless both tails may name sites: "… Corp. - Hope for Youth" and
    # "… Corp. - Just For You" are two sites of one operator, compared whole.
    for one, other in ((a, b), (b, a)):
        if one.cut and not other.site:
            for la in one.cut:
                for lb in (*other.latin, *other.cut):
                    sym, cov = soft_token_score(la, lb, weights, cutoff=cutoff, places=places)
                    if (sym, cov) > best[:2]:
                        best = (sym, cov, "latin, before the tail")
    return best


# A reading that sounds alike on fewer letters than this says too little alone: capped so the
# pair goes to review unless its place, phone or address agree.
READING_SHORT = 6
READING_SHORT_CAP = 85.0


@lru_cache(maxsize=1 << 16)
def _specific_word(word: str) -> bool:
    """A word that says which one, not what kind or where: not a common or hotel word, not a
    country, region or district name."""
    return not (len(word) < 2 or word.isdigit() or word in COMMON_WORDS or word in HOTEL_WORDS
                or word in PLACE_WORDS or word in ("in", "hoteru")  # イン, ホテル read
                or gazetteer().is_place_name(word) or district_named(word) is not None)


def says_which(rec: Prepared) -> bool:
    """Whether one of the record's names has a word beyond kind and place ("Ueno Hotel" says
    where and what, not which: inside "APA Hotel Ueno Ekikita" it is not that hotel)."""
    for name in rec.names:
        words = reading_words(name) if is_japanese(name) else tuple(_WORDS.findall(name))
        if any(_specific_word(w.casefold()) for w in words):
            return True
    return False


def reading_scores(a: Prepared, b: Prepared, *, core: bool = True) -> tuple[float, float]:
    """(symmetric, coverage) 0..100 of the two records' names across scripts, by sound: each
    Japanese name of one read in Latin letters against each Latin name of the other."""
    best = (0.0, 0.0)
    for one, other in ((a, b), (b, a)):
        if not one.ja:
            continue
        latin = [n for n in other.names if not is_japanese(n)]
        if not latin:
            continue
        for name in one.names:
            if not is_japanese(name):
                continue
            words = reading_words(name)
            if not words:
                continue
            for text in latin:
                sym, cov, letters = sound_scores(words, _WORDS.findall(text), core=core)
                if letters < READING_SHORT:
                    sym, cov = min(sym, READING_SHORT_CAP), min(cov, READING_SHORT_CAP)
                if (sym, cov) > best:
                    best = (sym, cov)
    return best


_WORDS = re.compile(r"[^\W_]+")


def _glued_score(a: tuple[str, ...], b: tuple[str, ...], *, strict: bool = False) -> float:
    """Names that differ in spacing or by a typo inside a word, or a katakana loanword written as
    one word against its English words (トレンドマイクロ ~ Trend Micro)."""
    ca, cb = "".join(a), "".join(b)
    if min(len(ca), len(cb)) < 6 or ca[:2] != cb[:2]:
        return 0.0
    if ca[-2:] == cb[-2:] and not strict:
        ratio = fuzz.ratio(ca, cb)
        if ratio >= 92:
            return ratio
    if len(a) != len(b) and max(len(ca), len(cb)) <= 1.5 * min(len(ca), len(cb)):
        sa = skeleton(ca)
        if len(sa) >= 5 and sa == skeleton(cb):
            return 88.0
    return 0.0


def distance_km(a: Prepared, b: Prepared) -> float | None:
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        return None
    dlat = math.radians(b.lat - a.lat)
    dlon = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


@dataclass(frozen=True)
class ScoreConfig:
    """Evidence points added to the name score.

    Set on the Ditto Fodors-Zagats train+valid pairs (then the Chicago dev half as a tie-break),
    never on the labels the benchmarks report.
    """

    phone_same: float = 20.0
    phone_differs: float = -10.0
    address_same: float = 15.0
    address_differs: float = -10.0
    house_differs: float = -20.0
    postal_same: float = 3.0
    postal_differs: float = -5.0
    city_differs: float = -3.0
    # Two places of one name in different regions (大成高等学校 in Tokyo and in Aichi) are two
    # places; a registered company files from several regions, so across sources a
    # difference says little for it.
    region_differs: float = -25.0
    org_region_differs: float = -5.0
    # One list names each of its entries once: two of its rows in two towns, or at two points
    # far apart, are two places (four "State Airport" rows in four Oregon towns).
    same_list_city_differs: float = -20.0
    distant: float = -30.0  # two rows of one list more than 25 km apart (not registered companies)
    # Two rows of one list at two points, or with two house numbers, are two entries even a few
    # tens of metres apart (two APA Hotels across a street): never one place, whatever third
    # list names both alike (`spider.resolve.cluster` keeps them apart).
    list_apart_km: float = 0.02
    list_apart_cap: float = 60.0
    domain_same: float = 8.0
    near: float = 10.0  # within 100 m
    # Two sites on a map (not registered companies) are one place only where they stand:
    # within `site_near_km` is evidence (and lets a contained name count, as a shared phone
    # does); beyond it the pair goes to review at most; beyond `site_apart_km` it is two
    # sites of one chain and never merges, whatever the names (APA Hotel and APA Hotel).
    # Chosen on the development half of bench_er.py tokyo, reported on the held-out half.
    site_near_km: float = 0.06
    site_apart_km: float = 0.3
    site_unsure_cap: float = 85.0
    site_apart_cap: float = 60.0
    apart: float = -15.0  # 300 m to 1 km apart
    far: float = -30.0  # more than 1 km apart (a property)
    org_far: float = -5.0  # more than 1 km apart (an organisation, which has many sites)
    numbers_differ: float = -20.0  # "Hostel Oriental 1" vs "Hostel Oriental 2"
    country_differs_cap: float = 50.0  # one callable organisation is in one country
    brand_only_cap: float = 80.0  # a bare brand name alone never reaches a match
    outlet_cap: float = 80.0  # cafe vs dining room at one address: review, never a match
    site_same: float = 30.0  # phone and address both agree: one switchboard at one site
    coverage_factor: float = 0.9  # a contained name counts this much when phone or address agree


DEFAULT_SCORE = ScoreConfig()


def score_pair(
    a: Prepared, b: Prepared, weights: Weights, config: ScoreConfig = ScoreConfig()
) -> tuple[float, dict[str, Any]]:
    """0..100 with a breakdown by field. Corporate numbers decide when both records carry one."""
    if a.jcn and b.jcn:
        same = a.jcn == b.jcn
        return (100.0 if same else 0.0), {"corporate_number": "same" if same else "differs"}
    return _with_names(a, b, weights, config, *evidence_points(a, b, config))


def evidence_points(a: Prepared, b: Prepared, config: ScoreConfig = ScoreConfig(),
                    ) -> tuple[float, dict[str, Any], bool]:
    """(points, breakdown, support): what everything but the names says about a pair. The
    pair's score is at most 100 plus these points, whatever its names (see `score_candidates`)."""
    breakdown: dict[str, Any] = {}
    points = 0.0
    support = False
    if a.phone and b.phone:
        if a.phone == b.phone or (min(len(a.phone), len(b.phone)) >= 7 and
                                  a.phone[-7:] == b.phone[-7:]):  # fmt: skip
            points += config.phone_same
            breakdown["phone"] = config.phone_same
            support = True
        else:
            points += config.phone_differs
            breakdown["phone"] = config.phone_differs
    if a.address and b.address and a.ja_address != b.ja_address:
        # One address in Japanese, one in Latin letters: the words cannot be compared, the
        # numbers can (東上野5-5-6 ~ 5-5-6 Higashiueno).
        if a.block and b.block:
            same = sorted(a.block.split()) == sorted(b.block.split())
            value = _block_points(a.block.split(), b.block.split(), same, config)
            points += value
            breakdown["address"] = value
            support = support or same
    elif a.address and b.address and a.ja_address and a.block and b.block:
        # Two Japanese addresses: the 丁目-番-号 numbers say where (熊本市中央区2-4-8 and
        # 熊本市中央区5-11-19 share every word but the numbers, and a building's floor may
        # follow them in one listing only).
        ba, bb = a.block.split(), b.block.split()
        n = min(len(ba), len(bb), 3)
        same = ba[:n] == bb[:n]
        value = _block_points(ba, bb, same, config)
        points += value
        breakdown["address"] = value
        support = support or same
    elif a.address and b.address:
        if a.house and b.house and a.house != b.house:
            points += config.house_differs
            breakdown["address"] = config.house_differs
        else:
            sim = fuzz.token_set_ratio(a.address, b.address)
            if sim >= 85:
                points += config.address_same
                breakdown["address"] = config.address_same
                support = True
            elif sim < 50 or (a.house and a.house == b.house and fuzz.token_set_ratio(
                    _street(a.address), _street(b.address)) < 50):
                # (one number on two streets, Słowackiego 48 and Sienkiewicza 48: two places)
                points += config.address_differs
                breakdown["address"] = config.address_differs
    if config.site_same and breakdown.get("phone", 0) > 0 and breakdown.get("address", 0) > 0:
        points += config.site_same
        breakdown["site"] = config.site_same
    if a.postal and b.postal:
        value = config.postal_same if a.postal == b.postal else config.postal_differs
        points += value
        breakdown["postal_code"] = value
    same_list = bool(a.source) and a.source == b.source
    # Two entries of one list of places: one list names each place once. (Not registered
    # companies: a register of filings, PATSTAT's, names one applicant from each of its sites.)
    entries = same_list and not (a.firm or b.firm)
    if a.city and b.city and a.city != b.city:
        value = config.same_list_city_differs if entries else config.city_differs
        points += value
        breakdown["city"] = value
    if a.region and b.region and a.region != b.region and _regions_differ(a.region, b.region):
        # Two rows of one list in two regions are two entries, whatever their kind.
        firm = (a.firm or b.firm) and not same_list
        value = config.org_region_differs if firm else config.region_differs
        points += value
        breakdown["region"] = value
    if a.domain and b.domain and a.domain == b.domain:
        points += config.domain_same
        breakdown["domain"] = config.domain_same
    distance = distance_km(a, b)
    if distance is not None and a.spot and b.spot and 2 in (a.spot, b.spot):
        if distance <= config.site_near_km:
            support = True
            breakdown["spot"] = "same"
        elif distance > config.site_apart_km:
            breakdown["spot"] = "apart"
        else:
            breakdown["spot"] = "unsure"
    if distance is not None:
        # A property never moves; an organisation files from many addresses.
        prop = "hotel" in (a.klass, b.klass)
        if distance <= 0.1:
            value = config.near
        elif distance > 25.0 and entries:
            value = config.distant  # two entries of one list, far apart: two places
        elif distance > 1.0:
            value = config.far if prop else config.org_far
        elif distance > 0.3:
            value = config.apart if prop else 0.0
        else:
            value = 0.0
        if value:
            points += value
            breakdown["place"] = value
    if a.numbers and b.numbers and not a.numbers & b.numbers:
        points += config.numbers_differ
        breakdown["numbers"] = config.numbers_differ
    if two_entries(a, b, config):
        breakdown["list"] = "two entries"
    if a.country and b.country and a.country != b.country:
        # A Chicago "King" is not Kyoto's キング: records known to be in different countries
        # are different callable organisations, whatever their names (hard keys decided above).
        breakdown["country"] = f"{a.country} vs {b.country}"
    return points, breakdown, support


def _street(address: str) -> str:
    """An address's words without its numbers and one-letter words (ul, 48 of "ul słowackiego
    48" leave "słowackiego")."""
    return " ".join(w for w in address.split() if not w.isdigit() and len(w) > 2)


def _block_points(ba: list[str], bb: list[str], same: bool, config: ScoreConfig) -> float:
    """What two addresses' block numbers say: one address, two houses (another first
    number), or two addresses."""
    if same:
        return config.address_same
    return config.house_differs if ba[0] != bb[0] else config.address_differs


_ISO_REGION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


@lru_cache(maxsize=4096)
def _regions_differ(a: str, b: str) -> bool:
    """Whether two region keys name two regions. A region known by its ISO code (US-OH, from
    "OH" in a file that says its country) against one only written ("oh", where nothing said
    the country; "nrw") differs only if the written one is another region's name; a name
    the gazetteer does not know says nothing."""
    coded = [_ISO_REGION.match(x) is not None for x in (a, b)]
    if coded[0] == coded[1]:
        return True
    code, text = (a, b) if coded[0] else (b, a)
    if text in gazetteer().names_of(code):
        return False
    other = gazetteer().region(text)
    return other is not None and other.code != code


def two_entries(a: Prepared, b: Prepared, config: ScoreConfig = DEFAULT_SCORE) -> bool:
    """Whether two records are two entries of one list of places (not registered companies,
    whose register names one applicant from each of its sites): at two points, or two house
    numbers. Two rows that say nothing of where they are may be one account entered twice,
    as in a CRM export, and are left to their names."""
    if not (a.source and a.source == b.source) or a.firm or b.firm:
        return False
    if a.house and b.house and a.house != b.house and not _unit_and_house(a, b):
        return True
    distance = distance_km(a, b)
    return distance is not None and distance > config.list_apart_km


def _unit_and_house(a: Prepared, b: Prepared) -> bool:
    """Whether each house number is among the other address's numbers: one place whose unit
    one listing writes first ("2600-4720 Kingsway", as Canada and Australia write a suite
    before its street number) and another after ("4720 Kingsway Suite 2600")."""
    if a.ja_address or b.ja_address:
        return False
    return a.house in b.block.split() and b.house in a.block.split()


def _with_names(a: Prepared, b: Prepared, weights: Weights, config: ScoreConfig, points: float,
                evidence: dict[str, Any], support: bool) -> tuple[float, dict[str, Any]]:
    """The score and breakdown once the names are compared too."""
    same_spot = evidence.get("spot") == "same"
    sym, cov, how = name_scores(a, b, weights, same_spot)
    breakdown: dict[str, Any] = {"name": round(sym, 1)}
    if not how:
        breakdown["names_compared"] = ""  # no common script: the name says nothing either way
    breakdown.update(evidence)
    name = sym
    if (weights.brands and sym > config.brand_only_cap
            and (weights.is_brand_only(a) or weights.is_brand_only(b))):  # fmt: skip
        name = sym = config.brand_only_cap
        breakdown["name"] = sym
        breakdown["name_rule"] = "brand only"
    hotel = "hotel" in (a.klass, b.klass)
    # At one spot, a hotel's short name inside a longer one ("APA Hotel" in "APA Hotel
    # Jimbocho") is that hotel, unless the short name says only what and where ("Ueno Hotel")
    # or the longer one numbers its branch ("東横INN池袋北口1": a 2 stands next door).
    if (support and (not hotel or (same_spot and a.numbers == b.numbers and says_which(a)
                                   and says_which(b)))
            and cov >= 90 and cov * config.coverage_factor > sym):  # fmt: skip
        name = cov * config.coverage_factor
        breakdown["name"] = round(name, 1)
        breakdown["name_rule"] = "contained"
    total = name + points
    outlets_a, outlets_b = a.outlets, b.outlets
    if outlets_a - outlets_b and outlets_b - outlets_a and total > config.outlet_cap:
        total = config.outlet_cap
        breakdown["name_rule"] = "different outlets"
    if "country" in breakdown:
        total = min(total, config.country_differs_cap)
    if "list" in breakdown:
        total = min(total, config.list_apart_cap)
    spot = evidence.get("spot")
    if spot == "apart":
        total = min(total, config.site_apart_cap)
    elif spot == "unsure":
        total = min(total, config.site_unsure_cap)
    if how:
        breakdown["names_compared"] = how
    return max(0.0, min(100.0, total)), breakdown


def score_candidates(
    reps: Sequence[Prepared], weights: Weights, pairs: Candidates, config: ScoreConfig, *,
    keep: float, workers: int = 1,
) -> dict[tuple[int, int], float]:  # fmt: skip
    """Score every candidate pair; keep those scoring at least `keep`.

    A pair proposed on names alone is scored only if rapidfuzz's token_sort_ratio (C, cheap)
    says the names could be alike at all; any pair's names are compared only if what else it
    carries (phone, address, place ...) leaves `keep` within reach of a perfect name.
    """
    a, b = pairs.pairs()
    state = (reps, weights, config, a, b, pairs.rules, keep)
    if parallel.worth_forking(len(a), workers, factor=10, shared=len(reps)):
        parts = parallel.map_slices(_score_slice, parallel.slices(len(a), 4 * workers),
                                    workers, state)
    else:
        parts = [_score_slice(state, (0, len(a)))]
    return {pair: score for part in parts for pair, score in part}


_NAME_RULE_IDS = frozenset(RULE_ID[r] for r in NAME_RULES)


def _score_slice(state: tuple, bounds: parallel.Bounds) -> list[tuple[tuple[int, int], float]]:
    reps, weights, config, a, b, rules, keep = state
    start, stop = bounds
    texts: dict[int, str] = {}
    out = []
    ratio, glued = fuzz.token_sort_ratio, fuzz.ratio
    for at in range(start, min(stop, len(a)), _CHUNK):  # Python ints for a chunk at a time
        end = min(at + _CHUNK, stop)
        for i, j, rule in zip(a[at:end].tolist(), b[at:end].tolist(), rules[at:end].tolist(),
                              strict=True):  # fmt: skip
            if rule in _NAME_RULE_IDS:
                ti, tj = texts.get(i), texts.get(j)
                if ti is None:
                    ti = texts[i] = _plain_text(reps[i])
                if tj is None:
                    tj = texts[j] = _plain_text(reps[j])
                if (ti and tj and not ratio(ti, tj, score_cutoff=PREFILTER)
                        and (ti.count(" ") == tj.count(" ")
                             or not glued(ti.replace(" ", ""), tj.replace(" ", ""),
                                          score_cutoff=PREFILTER))):  # fmt: skip
                    # Names spaced differently ("konin klijke philips", "koninklijke
                    # philipselectronics") are judged without their spaces.
                    continue
            ri, rj = reps[i], reps[j]
            if ri.jcn and rj.jcn:
                score = score_pair(ri, rj, weights, config)[0]
            else:
                points, evidence, support = evidence_points(ri, rj, config)
                if 100.0 + points < keep:
                    continue  # no name could lift it to `keep`: the names are not compared
                score = _with_names(ri, rj, weights, config, points, evidence, support)[0]
            if score >= keep:
                out.append(((i, j), score))
    return out


_CHUNK = 100_000


def _plain_text(rec: Prepared) -> str:
    """The one Latin form the prefilter may judge a record by ("" when it has others), without
    the designations that count for little ("koninklijke dsm" is "dsm")."""
    if len(rec.latin) != 1 or rec.ja or rec.cut:
        return ""
    return " ".join(t for t in rec.latin[0] if not is_designation(t))
