"""Stage 1, prepare: one record's comparable features (names in every script, their Latin
concept forms, hard keys, place), and the IDF weights of name tokens over a run.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from spider.fields import NAME_FIELDS, REGISTERED_NAME
from spider.places import city_and_arrondissement, country_code, place_key, prefectures, region_of
from spider.resolve import parallel
from spider.resolve.concepts import latin_forms
from spider.resolve.keys import (
    normalize_address,
    normalize_corporate_number,
    normalize_domain,
    normalize_phone,
    normalize_postal_code,
)
from spider.resolve.normalize import (
    compact,
    fold,
    is_japanese,
    normalize_name,
    split_tail,
    strip_legal_forms,
)
from spider.resolve.readings import place_reading
from spider.resolve.words import (
    COMMON_WEIGHT,
    COMMON_WORDS,
    DESIGNATION_WEIGHT,
    HOTEL_WORDS,
    OUTLET_WORDS,
    PLACE_WEIGHT,
    PLACE_WORDS,
    is_designation,
)


@dataclass(slots=True)
class Prepared:
    """One record's comparable features. `index` is its position in the prepared list.

    Kept small (a million of them are held at once): strings that repeat across records
    (tokens, cities, countries, postal codes) are interned, and an empty set is the one
    shared `NONE`.
    """

    index: int
    id: int
    klass: str  # "hotel", "org" or "" (either)
    names: tuple[str, ...]  # normalized names, every script
    ja: tuple[str, ...]  # compact Japanese names
    latin: tuple[tuple[str, ...], ...]  # concept token forms
    phone: str = ""
    domain: str = ""
    jcn: str = ""
    postal: str = ""
    address: str = ""  # without its postal code, which is `postal`
    house: str = ""
    # The address's numbers in order (丁目-番-号, house and street numbers): what two scripts
    # of one address share ("東上野5-5-6" and "5-5-6 Higashiueno").
    block: str = ""
    ja_address: bool = False
    city: str = ""
    region: str = ""  # ISO 3166-2 code where known (JP-13 for 東京都 and Tokyo), else folded
    source: str = ""  # the list it is an entry of: its file or page (and list title)
    firm: bool = False  # a registered company (corporate number, legal name or industry code)
    country: str = ""
    lat: float | None = None
    lon: float | None = None
    brands: tuple[str, ...] = ()  # the record's brand, compact and as joined Latin forms
    numbers: frozenset[str] = frozenset()  # numbers in the names: "Hostel Oriental 1" vs "2"
    cut: tuple[tuple[str, ...], ...] = ()  # forms of the name before a tail ("DSM N.V. te Heerlen")
    site: bool = False  # the tail may name a site the company runs ("… Corp. - Hope for Youth")
    outlets: frozenset[str] = frozenset()  # outlet words in the names (cafe, bar, spa ...)
    # A site on a map: 2 with coordinates and a kind of place (a category, or a hotel), 1 with
    # coordinates alone; 0 without, or for a registered company or a name with a legal form
    # (an applicant files from many sites). A pair is compared as two sites when one is a 2
    # and the other at least a 1.
    spot: int = 0

    def tokens(self) -> frozenset[str]:
        """Name tokens: Latin concept words and Japanese character bigrams (for IDF weights
        and blocking; computed when asked, not stored)."""
        return frozenset(_tokens(self.ja, self.latin))


_FIELDS = attrgetter(*Prepared.__slots__)


def _reduce(rec: Prepared) -> tuple[type[Prepared], tuple[Any, ...]]:
    return Prepared, _FIELDS(rec)  # a flat tuple: pickled 3x faster than the dataclass state


Prepared.__reduce__ = _reduce  # type: ignore[assignment,method-assign]
NONE: frozenset[str] = frozenset()
_intern = sys.intern


_HOTEL_RE = re.compile("|".join(map(re.escape, HOTEL_WORDS)))  # a substring, as "in" tests


def is_firm(record: dict[str, Any]) -> bool:
    """A registered company: the record carries a corporate number, a legal name or an
    industry code."""
    return bool(record.get("corporate_number") or record.get("legal_name")
                or record.get("industry_scheme"))


def category_class(record: dict[str, Any]) -> str:
    """'hotel' for a property, 'org' for a registered company, '' when the record cannot tell.

    A hotel property and a registered company (its operator) are different callable
    organisations, so the two classes never share a cluster.
    """
    # Every value of a list ("Restaurant; Hotel"), not only the first as for a name.
    category = record.get("category") or ""
    if ";" in category:
        category = " ".join(normalize_name(c) for c in str(category).split(";"))
    else:
        category = normalize_name(category)
    if category and _HOTEL_RE.search(category):
        return "hotel"
    if is_firm(record):
        return "org"
    if category:
        return "org"
    names = " ".join(normalize_name(record.get(f)) for f in NAME_FIELDS if record.get(f))
    return "hotel" if _HOTEL_RE.search(names) else ""


# A Japanese postal code inside an address ("〒110-0015 東京都…", "… Tokyo 110-0015").
_JP_POSTAL = re.compile(r"〒?\s*(?<!\d)(\d{3})-(\d{4})(?!\d)")


def _postal_out(address: Any, postal: Any) -> tuple[str, str]:
    """(the address without a Japanese postal code in it, the postal code: the column's, else
    the one the address carried), so the code's digits are not read as a house number."""
    text = unicodedata.normalize("NFKC", str(address or ""))
    code = normalize_postal_code(postal)
    match = _JP_POSTAL.search(text)
    if match:
        code = code or match.group(1) + match.group(2)
        text = (text[: match.start()] + " " + text[match.end():]).strip()
    return text, code


def _city_key(city: Any) -> str:
    """A city as both scripts can compare it: 京都市 and Kyoto are 'kyoto'; a ward as a Latin
    address writes it, 千代田区 and Chiyoda-ku 'chiyoda', 大阪市北区 and Kita-ku 'kita' (the
    ward of a city of wards, which the Latin address names apart)."""
    split = city_and_arrondissement(str(city)) if city else None
    name = normalize_name(split[0] if split else city)  # LYON 3EME ARRONDISSEMENT: lyon
    if name and is_japanese(name):
        ward = re.fullmatch(r".+?市(.+?区)", name)
        return place_reading(ward.group(1) if ward else name) or name
    return _LATIN_MUNICIPALITY.sub("", name) if name else name


# "Chiyoda-ku", "Toyota-shi" as normalized ("chiyoda ku"): the suffix a Japanese-script
# name's reading drops.
_LATIN_MUNICIPALITY = re.compile(r"(?<=[a-z]) (?:ku|shi)$")


def _list_of(record: dict[str, Any]) -> str:
    """The list a record is an entry of: its file or page, and within it the list title (one
    file of hotel lists holds several awards' lists, each naming a hotel once)."""
    source = record.get("source") or ""
    title = record.get("list_title") or ""
    return f"{source}\x1f{title}" if source and title else source


def _has_legal_form(name: str) -> bool:
    """Whether the name carries a company's legal form ("Kintetsu Corp."); a leading "The"
    is stripped like one but says nothing of the kind ("The Ritz-Carlton, Kyoto" is a site)."""
    folded = fold(name)
    if folded.startswith("the "):
        folded = folded[4:]
    return strip_legal_forms(folded) != folded


# A house number: the first number standing alone among Latin letters ("500 E 4th St": 500,
# not the 4 of 4th); beside kanji it stands alone too ("渋谷2-21-1": 2, as "2-21-1 Shibuya").
_HOUSE = re.compile(r"(?<![0-9A-Za-z])(\d+)(?![0-9A-Za-z])")
# A floor, suite or unit with its number, which one listing of a place gives and another
# leaves out ("Level 1, 312 Swan Street" and "312 Swan St"; "Unit 7/12 High St", as
# Australia writes a unit before its street number): not the house number.
_UNIT = re.compile(r"\b(?:level|lvl|floor|fl|suite|ste|unit|units|shop|apt|apartment|room|rm|"
                   r"office|bldg|building|etage|étage|piso|planta|stock|og|piano|int)\.?\s*"
                   r"#?\s*\d+[a-z]?\b|#\s*\d+[a-z]?\b|\b\d+(?:st|nd|rd|th)?\s+(?:floor|fl)\b|"
                   r"(?<![0-9/])\b\d+[a-z]?\s*/\s*(?=\d)")
_DIGITS = re.compile(r"\d+")
# A building's own number before its word ("Osaka Ekimae Dai-4 Bldg 9F, 1-11-4 Umeda", as a
# map site romanises 大阪駅前第4ビル; "No. 2 Building"): its name, not where on the street.
# (Not a street named after one: "12 Tower Road".)
_BUILDING_NUMBER = re.compile(r"\b\d+[a-z]?\s+(?:bldg|building|bld|biru|tower)\b(?!\s+(?:rd|road|st|"
                              r"street|ave|avenue|ln|lane|dr|drive|way|blvd|pl|place|ct|court|"
                              r"sq|square|hill|hwy|pkwy|cres|tce|cl|close|gardens|row|walk)\b)")
# A floor written as a building's ("1F", "B1F", "B1"), and a Japanese address's first run of
# block numbers (四谷1-11: "1 11"), after which come its building and floor.
_FLOOR = re.compile(r"(?<![0-9a-z])b?\d+f\b|\bb\d+\b")
_JA_BLOCK = re.compile(r"\d+(?:\s+\d+)*")


# Street-type words that come before the street's name in Polish, Italian, French, Spanish,
# Portuguese and Catalan addresses: the house number is the address's last number ("ul. 3
# Maja 58" is number 58 of 3 Maja street; "Via XX Settembre 4", "C/ Mayor 12").
_STREET_FIRST = re.compile(
    r"^(?:ul|ulica|al|aleja|pl|plac|os|osiedle|via|viale|corso|piazza|piazzale|largo|vicolo|"
    r"strada|rue|bd|boulevard|avenue|av|avenida|calle|c|carrer|paseo|pso|plaza|pza|ctra|"
    r"carretera|rua|travessa|estrada|praca|praça|rambla|ronda|camino|cami)\b")


def _house_of(address: str) -> str:
    """The house number: a Japanese address's first (its block); a Latin one's first, after
    a floor or unit is set aside ("Level 1, 312 Swan Street"), or its last where the street's
    type word comes first (ul. 3 Maja 58: 58, not the 3 of the street's name)."""
    japanese = is_japanese(address)
    text = address if japanese else _UNIT.sub(" ", _BUILDING_NUMBER.sub(" ", address)).strip()
    first = None if japanese else _STREET_FIRST.match(text)
    if first:
        # The first number after the street's own name: not one right after the type word
        # (the 3 of "ul. 3 Maja"), nor the postal code after the house ("Via Roma 12, 20121")
        rest = text[first.end():].split()
        text = " ".join(rest[1:] if rest and rest[0].isdigit() else rest)
    found = _HOUSE.search(text)
    return found.group(1) if found else ""


def _block_of(address: str) -> str:
    """An address's numbers that say where it is: a Japanese one's 丁目-番-号 (not its
    building's floor: 陽臨堂ビル1F), a Latin one's without a floor written as a building's
    (B1F Peace Bldg, 3-34-11 Shinjuku is 3 34 11)."""
    if is_japanese(address):
        # the longest run of numbers: 丁目-番-号 (北1条西2丁目1-1 is "2 1 1"), not 北1条's 1
        # nor a floor's
        runs = [m.group(0) for m in _JA_BLOCK.finditer(address)]
        return max(runs, key=lambda run: len(run.split())) if runs else ""
    return " ".join(_DIGITS.findall(_FLOOR.sub(" ", _BUILDING_NUMBER.sub(" ", address))))


def prepare_record(index: int, record: dict[str, Any]) -> Prepared:
    """Normalize one record (a `records` row or any dict in the field vocabulary)."""
    names: list[str] = []
    for fld in NAME_FIELDS:
        value = normalize_name(record.get(fld))
        if value and value not in names:
            names.append(value)
    # the name beside a trading name (spider.ingest): read with the record, or from its extra
    registered = record.get(REGISTERED_NAME)
    extra = record.get("extra")
    if registered is None and extra and f'"{REGISTERED_NAME}"' in extra:
        registered = json.loads(extra).get(REGISTERED_NAME)
    value = normalize_name(str(registered or ""))
    if value and value not in names:
        names.append(value)
    brands: tuple[str, ...] = ()
    brand = normalize_name(record.get("brand"))
    if brand:
        brands = (compact(brand), *(" ".join(f) for f in latin_forms(brand)))
        # "APA Hotel" as the name:en of the APA Hotel at Jimbocho names the brand, not the hotel.
        specific = [n for n in names if compact(n) not in brands
                    and not any(" ".join(f) in brands for f in latin_forms(n))]  # fmt: skip
        names = specific or names
    reading = record.get("name_kana")
    ja = tuple(dict.fromkeys(compact(n) for n in names if is_japanese(n)))
    latin: list[tuple[str, ...]] = []
    for name in names:
        for form in latin_forms(name, reading if is_japanese(name) else None):
            if form and form not in latin:
                latin.append(form)
    cut: list[tuple[str, ...]] = []
    site = False
    for fld in NAME_FIELDS:
        head, names_site = split_tail(record.get(fld))
        if not head:
            continue
        site = site or names_site
        for form in latin_forms(head):
            if form and form not in latin and form not in cut:
                cut.append(form)
    raw_address, postal = _postal_out(record.get("address"), record.get("postal_code"))
    address = normalize_address(raw_address)
    house = _house_of(address)
    block = _block_of(address)
    lat, lon = record.get("lat"), record.get("lon")
    klass = category_class(record)
    firm = is_firm(record)
    located = lat not in (None, "") and lon not in (None, "")
    spot = 0
    # (a registered company placed at a point is a site too where its row says what the
    # place is: an establishments register's restaurant, DENUE's VIPS on Álvaro Obregón and
    # on Tamaulipas, 1.5 km apart, beside its razón social; a firm's filing address is none)
    if located and (not firm or record.get("category")) and not any(
            _has_legal_form(str(record[f])) for f in NAME_FIELDS
            if record.get(f) and f != "legal_name"):  # fmt: skip
        spot = 2 if klass == "hotel" or record.get("category") else 1
    latin_t = tuple(tuple(_intern(t) for t in form) for form in latin)
    numbers = frozenset(t for n in names for t in _DIGITS.findall(n))
    outlets = OUTLET_WORDS.intersection(_tokens(ja, latin_t))
    return Prepared(
        index=index,
        id=int(record.get("id") or index),
        klass=klass,
        names=tuple(names),
        ja=ja,
        latin=latin_t,
        phone=normalize_phone(record.get("phone")),
        domain=normalize_domain(record.get("website")),
        jcn=normalize_corporate_number(record.get("corporate_number")),
        postal=_intern(postal),
        address=address,
        house=house,
        block=block,
        ja_address=is_japanese(address) if address else False,
        city=_intern(_city_key(record.get("city"))),
        region=_intern(region_key(record.get("region"), record.get("country"))),
        source=_intern(_list_of(record)),
        firm=firm,
        country=_intern(country_code(record.get("country")) or ""),
        lat=float(lat) if lat not in (None, "") else None,
        lon=float(lon) if lon not in (None, "") else None,
        brands=brands,
        numbers=numbers or NONE,
        cut=tuple(tuple(_intern(t) for t in form) for form in cut),
        site=site,
        outlets=outlets or NONE,
        spot=spot,
    )


@functools.lru_cache(maxsize=8192)
def region_key(region: str | None, country: str | None) -> str:
    """One key for a region however it is written: 東京都, Tokyo and JP-13 are 'JP-13'; TX and
    Texas (in the US) 'US-TX'; an unknown region its folded text."""
    if not region:
        return ""
    pref = prefectures().get(place_key(region))
    if pref:
        return pref[0]
    found = region_of(region, country_code(country))
    return found.code if found else place_key(region)


def _tokens(ja: Iterable[str], latin: Iterable[tuple[str, ...]]) -> Iterator[str]:
    for name in ja:
        if len(name) == 1:
            yield name
        yield from (name[i : i + 2] for i in range(len(name) - 1))
    for form in latin:
        yield from form


def prepare_records(rows: Sequence[dict[str, Any]], *, workers: int = 1) -> list[Prepared]:
    """Every row prepared; at scale, slices of rows in forked workers (pure per row)."""
    if parallel.worth_forking(len(rows), workers):
        parts = parallel.map_slices(_prepare_slice, parallel.slices(len(rows), 2 * workers),
                                    workers, rows)
        return [p for part in parts for p in part]
    return [prepare_record(i, row) for i, row in enumerate(rows)]


def _prepare_slice(rows: Sequence[dict[str, Any]], bounds: parallel.Bounds) -> list[Prepared]:
    start, stop = bounds
    return [prepare_record(i, rows[i]) for i in range(start, min(stop, len(rows)))]


def prepare_stream(chunks: Iterable[list[dict[str, Any]]], *, total: int,
                   workers: int = 1) -> Iterator[list[Prepared]]:
    """Prepare rows as they are read, chunk by chunk, indexes counting from 0 in order: only
    a few chunks are in flight at once, so the rows are never all in memory. At scale the
    chunks go to a pool of workers started before anything large exists (they share nothing
    with the reader but the chunks they are sent)."""
    yield from parallel.map_chunks(_prepare_chunk, chunks, parallel.pool_size(total, workers))


def _prepare_chunk(_state: None, start: int, rows: list[dict[str, Any]]) -> list[Prepared]:
    return [prepare_record(start + i, row) for i, row in enumerate(rows)]


class Weights:
    """IDF weights of name tokens over the records being resolved; common words count little."""

    def __init__(self, prepared: Sequence[Prepared]) -> None:
        self.df: Counter[str] = Counter()
        for rec in prepared:
            self.df.update(rec.tokens())
        self.n = max(len(prepared), 1)
        self._cache: dict[str, float] = {}
        self._both: dict[str, tuple[float, float]] = {}
        self.brands: set[str] = set()
        for rec in prepared:
            self.brands.update(rec.brands)

    @classmethod
    def from_counts(cls, df: dict[str, int], n: int, brands: set[str]) -> Weights:
        """Weights counted elsewhere (a full resolution's, kept in the database), for
        resolving a few records against a million without counting them again."""
        weights = cls(())
        weights.df.update(df)
        weights.n = max(n, 1)
        weights.brands = set(brands)
        return weights

    def __call__(self, token: str) -> float:
        """The weight a token carries when both names share it (common words: little)."""
        w = self._cache.get(token)
        if w is None:
            w = self.raw(token)
            if token in COMMON_WORDS or is_designation(token):
                w *= COMMON_WEIGHT
            self._cache[token] = w
        return w

    def both(self, token: str) -> tuple[float, float]:
        """(shared, alone): the token's weight when both names have it, and when one does."""
        got = self._both.get(token)
        if got is None:
            alone = self.raw(token)
            if is_designation(token):
                alone *= DESIGNATION_WEIGHT
            got = self._both[token] = (self(token), alone)
        return got

    def raw(self, token: str, cheap_places: bool = False) -> float:
        """The weight a token carries when only one name has it: its IDF (place words: little)."""
        w = math.log(1.0 + self.n / (self.df.get(token, 0) + 1.0)) + 0.5
        return w * PLACE_WEIGHT if cheap_places and token in PLACE_WORDS else w

    def is_brand_only(self, rec: Prepared) -> bool:
        """Whether every name the record has is a bare brand ("APA Hotel"): not an identity."""
        return bool(rec.names) and all(
            compact(n) in self.brands or any(" ".join(f) in self.brands for f in latin_forms(n))
            for n in rec.names
        )
