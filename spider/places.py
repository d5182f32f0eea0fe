"""Place names: countries and their first-level regions (ISO 3166-1/-2, by code, English name and
local name), Japanese prefectures and cities, Tokyo wards and named districts."""

from __future__ import annotations

import csv
import functools
import math
import re
import unicodedata
from dataclasses import dataclass

from spider.data import read_text
from spider.runtime import lazy_pattern
from spider.text import JP_POSTAL, is_latin, strip_accents, titled_place

COUNTRIES = {
    "jp": "JP", "japan": "JP", "日本": "JP", "jpn": "JP",
    "us": "US", "usa": "US", "united states": "US", "united states of america": "US", "米国": "US",
    "アメリカ": "US", "uk": "GB", "united kingdom": "GB", "england": "GB", "ireland": "IE",
    "netherlands": "NL", "switzerland": "CH", "germany": "DE", "france": "FR", "canada": "CA",
    "bermuda": "BM", "united kingdom of great britain": "GB", "britain": "GB",
}
COUNTRY_NAMES = {"JP": "Japan", "US": "United States", "GB": "United Kingdom", "IE": "Ireland",
                 "NL": "Netherlands", "CH": "Switzerland", "DE": "Germany", "FR": "France",
                 "CA": "Canada", "BM": "Bermuda"}

_PREF_RE = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}?県)")
_CITY_RE = lazy_pattern(r"^(.+?市.+?区|.+?[市区町村])")


def _read(name: str) -> list[dict[str, str]]:
    text = read_text(name)
    return list(csv.DictReader(text.splitlines()))


@functools.cache
def prefectures() -> dict[str, tuple[str, str]]:
    """Any spelling of a prefecture (東京都, 東京, Tokyo, tokyo-to) -> (ISO code, English name)."""
    table: dict[str, tuple[str, str]] = {}
    for row in _read("prefectures.csv"):
        value = (row["code"], row["en"])
        short = re.sub(r"[都府県]$", "", row["ja"]) if row["ja"] != "北海道" else row["ja"]
        for key in (row["ja"], short, row["en"], row["en"] + " prefecture", row["en"] + "-to"):
            table[place_key(key)] = value
    return table


@functools.cache
def prefecture_ja() -> dict[str, str]:
    """ISO code -> the prefecture's Japanese name (JP-14 -> 神奈川県)."""
    return {row["code"]: row["ja"] for row in _read("prefectures.csv")}


def _without_county(town: str) -> str:
    """A town or village as it is said, without its county: 足柄下郡箱根町 -> 箱根町."""
    return re.sub(r"^\S+?郡(?=\S+[町村]$)", "", town)


def place_label_ja(signal: str, label: str) -> str:
    """A place label for a Japanese reader: a city's Japanese name where the label has one,
    a Tokyo district's, a prefecture's (Kanagawa -> 神奈川県), 国内 for Japan."""
    if signal.startswith("place:city:"):
        local = [p.strip() for p in label.split(",") if p.strip() and not p.strip().isascii()]
        if local:
            return _without_county(local[0])
        town = signal.split("/", 1)[1] if "/" in signal else ""
        if signal.startswith("place:city:JP-") and town and not town.isascii():
            # keyed as a Japanese address keys it (大阪市), labelled in English
            return _without_county(town)
        if signal.startswith("place:city:JP-13/") and town in _tokyo_ward_ja():
            return _tokyo_ward_ja()[town]  # Shibuya -> 渋谷区
    if signal.startswith("place:district:JP-") and "/" in signal:
        town = signal.split("/", 1)[1]
        if not town.isascii():
            return town  # 大阪市北区
    if signal.startswith("place:district:"):
        name = signal.rsplit(":", 1)[1]
        found = next((d.ja for d in tokyo_districts() if d.en == name), None)
        if found:
            return found
    if signal.startswith("place:region:JP-"):
        return prefecture_ja().get(signal.rsplit(":", 1)[1], label)
    if signal.startswith(("place:city:JP-", "place:district:")):
        # "Hakone, Kanagawa": the prefecture at least in Japanese.
        parts = [p.strip() for p in label.split(",")]
        code = prefectures().get(place_key(parts[-1]), ("", ""))[0] if len(parts) > 1 else ""
        if code in prefecture_ja():
            return ", ".join([*parts[:-1], prefecture_ja()[code]])
    return {"Japan": "国内", "United States": "米国"}.get(label, label)


@functools.cache
def _tokyo_ward_ja() -> dict[str, str]:
    """A Tokyo ward's English name -> its Japanese one (Chiyoda -> 千代田区)."""
    return {row["en"]: row["ja"] for row in _read("tokyo_wards.csv")}


@functools.cache
def tokyo_wards() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in _read("tokyo_wards.csv"):
        for key in (row["ja"], row["ja"].removesuffix("区"), row["en"], row["en"] + " city",
                    row["en"] + "-ku", row["en"] + " ward"):
            table[place_key(key)] = row["en"]
    return table


@dataclass(frozen=True)
class District:
    en: str
    ja: str
    ward: str
    lat: float
    lon: float


@functools.cache
def tokyo_districts() -> tuple[District, ...]:
    return tuple(District(r["en"], r["ja"], r["ward"], float(r["lat"]), float(r["lon"]))
                 for r in _read("tokyo_districts.csv"))


def place_key(text: str) -> str:
    """A place name as a lookup key: NFKC, stripped, lower case (Tokyo = ＴＯＫＹＯ = tokyo)."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


@functools.lru_cache(maxsize=1 << 12)  # a directory names its few countries again and again
def country_code(text: str | None) -> str | None:
    if not text:
        return None
    key = place_key(text)
    if len(key) == 2 and key.isascii() and key.isalpha():  # (日本 is no code)
        return key.upper()
    if len(key) == 3 and key.isascii() and key.isalpha() and key.upper() in gazetteer().alpha3:
        return gazetteer().alpha3[key.upper()]
    folded = fold_place(text)
    found = COUNTRIES.get(key) or gazetteer().country_by_key.get(folded) or _ISO_NAMES.get(folded)
    if found is None and "," in text:
        # ISO's "Iran, Islamic Republic of", "Taiwan, Province of China": the name before it
        found = gazetteer().country_by_key.get(fold_place(text.split(",", 1)[0]))
    return found


# Country names as ISO 3166 and trade lists write them, beside the gazetteer's.
_ISO_NAMES = {"korea republic of": "KR", "republic of korea": "KR", "korea": "KR",
              "korea south": "KR", "korea democratic people s republic of": "KP",
              "p r china": "CN", "pr china": "CN", "prc": "CN", "people s republic of china": "CN",
              "russian federation": "RU", "the netherlands": "NL", "holland": "NL",
              "great britain": "GB", "u s a": "US", "u s": "US", "u k": "GB",
              "united states of america": "US"}


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code) or gazetteer().country_names.get(code, code)


def fold_place(text: str) -> str:
    """A place name folded for matching across spellings: accents and punctuation off, lower
    case, one space ('Île-de-France' = 'ile de france', 'Tōkyō' = 'tokyo')."""
    text = strip_accents(text or "").lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


# Words a region's name may carry or drop: "Ōsaka Prefecture" is Osaka, "State of Texas" Texas.
_REGION_WORDS = ("prefecture", "province", "state", "region", "county", "department",
                 "governorate", "oblast", "district")
# Words a region's name may begin with ("Co. Cork", "County Cork", "State of Texas",
# "Provincia di Milano", "Freistaat Bayern").
_LEADING_REGION_WORDS = frozenset({*_REGION_WORDS, "co", "provincia", "freistaat", "canton",
                                   "kanton", "land", "estado", "comunidad", "région"})
# Keywords in the region table that are not names of the region.
_NOT_A_NAME = lazy_pattern(r"airport|aeroport|aéroport|aeropuerto|aeroporto|flugh|lotnisk|"
                         r"letali|havalimanı|repülő|[\u0600-\u06ff]|空港|机场|аэропорт", re.I)


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166-2, "US-TX"
    country: str  # ISO 3166-1 alpha-2, "US"
    name: str  # English, "Texas"


@dataclass
class Gazetteer:
    """Countries and first-level regions: every name, local name and code, folded."""

    country_by_key: dict[str, str]
    country_names: dict[str, str]
    alpha3: dict[str, str]
    regions_in: dict[str, dict[str, Region]]  # country -> folded name or code -> region
    regions_by_name: dict[str, list[Region]]  # folded name anywhere -> regions of that name

    def region(self, text: str, country: str | None = None) -> Region | None:
        """The region TEXT names: a name or code within COUNTRY; without a country, a name
        (never a bare code) that only one region in the world has."""
        key = fold_place(text)
        if not key:
            return None
        first, _, rest = key.partition(" ")
        if rest and (first in _LEADING_REGION_WORDS) and key not in self.regions_by_name:
            key = rest  # "Co. Cork", "County Cork", "Freistaat Bayern", "State of Texas"
            key = key[3:] if key.startswith("of ") else key
        if country:
            return self.regions_in.get(country, {}).get(key)
        full = re.fullmatch(r"([a-z]{2}) ([a-z0-9]{1,3})", key)
        if full and "-" in text:  # "US-TX"
            return self.regions_in.get(full.group(1).upper(), {}).get(full.group(2))
        found = self.regions_by_name.get(key, [])
        return found[0] if len(found) == 1 else None

    def names_of(self, code: str) -> list[str]:
        """Every folded name and code of the region with ISO code CODE ("US-TX": texas, tx)."""
        country = code.split("-", 1)[0]
        return sorted(k for k, r in self.regions_in.get(country, {}).items()
                      if r.code == code and not k.isdigit())

    def country_aliases(self, code: str) -> list[str]:
        """Every folded name of the country CODE (not its two-letter code: "de", "it", "no"
        are words; but the UK, as people write it)."""
        return sorted({k for k, c in self.country_by_key.items() if c == code and len(k) > 2}
                      | {k for k, c in _SAID_CODES.items() if c == code})

    def is_place_name(self, word: str) -> bool:
        """Whether WORD is the name of a country or a region somewhere."""
        key = fold_place(word)
        return key in self.country_by_key or key in self.regions_by_name

    def countries_of_code(self, text: str) -> list[str]:
        """Countries that have a region with this code or name."""
        key = fold_place(text)
        return [c for c, table in self.regions_in.items() if key in table]


# Two-letter country codes people write as names, and no word of a query's language.
_SAID_CODES = {"uk": "GB", "gb": "GB"}


@functools.cache
def gazetteer() -> Gazetteer:
    country_by_key: dict[str, str] = {}
    names: dict[str, str] = {}
    for row in _read("gazetteer_countries.csv"):
        code, name = row["code"], row["name"]
        names[code] = name
        for alias in [name, *row["keywords"].split(",")]:
            key = fold_place(alias)
            if key and not _NOT_A_NAME.search(alias) and len(key.split()) <= 4:
                country_by_key.setdefault(key, code)
    for alias, code in COUNTRIES.items():
        country_by_key.setdefault(fold_place(alias), code)
    alpha3 = {"USA": "US", "JPN": "JP", "GBR": "GB", "DEU": "DE", "FRA": "FR", "CAN": "CA",
              "AUS": "AU", "CHN": "CN", "KOR": "KR", "IND": "IN", "BRA": "BR", "MEX": "MX",
              "ITA": "IT", "ESP": "ES", "NLD": "NL", "CHE": "CH", "SWE": "SE", "SGP": "SG",
              "NZL": "NZ", "IRL": "IE", "TWN": "TW", "HKG": "HK", "THA": "TH", "IDN": "ID"}
    regions_in: dict[str, dict[str, Region]] = {}
    by_name: dict[str, list[Region]] = {}
    for row in _read("gazetteer_regions.csv"):
        country, code = row["country"], row["code"]
        if "-U-" in code:  # OurAirports' "unassigned" pseudo-regions
            continue
        name = row["name"]
        region = Region(code, country, _plain_region_name(name))
        table = regions_in.setdefault(country, {})
        keys = {fold_place(name), fold_place(_plain_region_name(name))}
        words = {fold_place(k) for k in row["keywords"].split(",")
                 if k.strip() and not _NOT_A_NAME.search(k) and len(k.split()) <= 3}
        # A keyword of two or three letters is a code ("AB", "BC" of Abruzzo, Basilicata):
        # a code within its country, never a name that says the country ("BC" of a
        # Canadian list is British Columbia).
        codes = {k for k in words if len(k) <= 3 and k.isalpha()}
        keys |= words - codes
        for key in keys - {""}:
            table.setdefault(key, region)
            by_name.setdefault(key, []).append(region)
        for key in codes:
            table.setdefault(key, region)
        for code_key in (fold_place(row["local_code"]), fold_place(code.split("-", 1)[1])):
            if code_key:
                table.setdefault(code_key, region)
    for row in _read("prefectures.csv"):  # Japanese names of Japan's regions
        jp = regions_in.get("JP", {}).get(row["code"].split("-")[1].lower())
        if jp:
            for key in (row["ja"], re.sub(r"[都府県]$", "", row["ja"])):
                regions_in["JP"].setdefault(fold_place(key), jp)
    # Each country in the languages directories are written in (Deutschland, Österreich,
    # Schweiz, ドイツ), from CLDR: a name two countries share, or a region's name, is left out.
    native: dict[str, set[str]] = {}
    text = read_text("country_names.tsv")
    for line in text.splitlines()[1:]:
        code, _, spelled = line.partition("\t")
        for name in spelled.split("|"):
            key = fold_place(name)
            if key and key not in country_by_key and key not in by_name:
                native.setdefault(key, set()).add(code)
    for key, codes in native.items():
        if len(codes) == 1:
            country_by_key[key] = next(iter(codes))
    return Gazetteer(country_by_key, names, alpha3, regions_in, by_name)


@functools.lru_cache(maxsize=65536)
def region_of(text: str, country: str | None = None) -> Region | None:
    """`Gazetteer.region`, remembered: a directory repeats its few regions on every row."""
    return gazetteer().region(text, country)


def _plain_region_name(name: str) -> str:
    """'Tōkyō Prefecture' -> 'Tokyo', 'Texas' -> 'Texas' (accents kept off only where the
    name is Japanese romanization, whose macrons a user never types)."""
    words = name.split()
    if len(words) > 1 and words[-1].lower() in _REGION_WORDS:
        name = " ".join(words[:-1])
    elif len(words) > 1 and words[0].lower() in _REGION_WORDS:  # "County Cork": Cork
        name = " ".join(words[1:])
    if any(ch in name for ch in "ōūŌŪ"):
        name = strip_accents(name)
    return name


# A town of a rural district written with its district (足柄下郡箱根町): the town is 箱根町,
# as addresses that leave the district out write it (大和郡山市 is a city, not a district's).
_DISTRICT_TOWN = re.compile(r"^([^\d\s郡]{1,5}郡)([^\d\s]+?[町村])$")


def jp_town(name: str) -> str:
    """A Japanese municipality as a place is keyed: a district's town without its district
    ('足柄下郡箱根町' -> '箱根町'); others as written."""
    split = _DISTRICT_TOWN.match(name)
    return split.group(2) if split else name


@functools.cache
def _jp_municipalities() -> dict[str, dict[str, str]]:
    """A Japanese municipality's name as an address writes it, with or without its district
    (足柄下郡箱根町, 箱根町; a designated city's ward, 札幌市中央区) -> {its prefecture: the town
    it is keyed as (箱根町; 札幌市, the callable unit)}, from Japan Post's municipalities
    (spider/data/jp_municipalities.csv). A ward's bare name (中央区) is every city's that has
    one, Tokyo's among them."""
    out: dict[str, dict[str, str]] = {}
    for row in _read("jp_municipalities.csv"):
        name, pref = row["municipality"], row["prefecture"]
        city, _, ward = name.partition("市")
        if ward.endswith("区"):  # 札幌市中央区: the city of wards is the town
            out.setdefault(name, {})[pref] = city + "市"
            out.setdefault(ward, {})[pref] = city + "市"
            continue
        town = jp_town(name)
        out.setdefault(name, {})[pref] = town
        out.setdefault(town, {})[pref] = town
    return out


@functools.cache
def _jp_postal_prefixes() -> dict[str, str]:
    return {row["prefix"]: row["prefecture"] for row in _read("jp_postal_prefixes.csv")}


def jp_municipality(text: str, prefecture: str | None = None) -> tuple[str, str] | None:
    """The municipality TEXT begins with and its prefecture, as (prefecture, town): the
    prefecture given, or the one prefecture a town of that name is in ('熱海市東海岸町' ->
    ('静岡県', '熱海市'); '府中市', Tokyo's and Hiroshima's, None without a prefecture)."""
    table = _jp_municipalities()
    for end in range(min(len(text), 12), 1, -1):
        found = table.get(text[:end])
        if found is None:
            continue
        if prefecture is not None:
            if prefecture in found:
                return prefecture, found[prefecture]
            continue
        if len(found) == 1:
            return next(iter(found.items()))
        return None
    return None


_COUNTRY_FIRST = re.compile(r"^(?:日本国?|japan)(?:\s*[、,]\s*|\s+|(?=〒))", re.I)


def split_japanese_address(address: str) -> tuple[str | None, str | None]:
    """'東京都港区赤坂3-3-5' -> ('東京都', '港区'); '大阪府大阪市北区...' -> ('大阪府', '大阪市');
    '〒250-0311 足柄下郡箱根町湯本' -> ('神奈川県', '箱根町')."""
    text = unicodedata.normalize("NFKC", address or "").strip()
    # (a maps site writes the country first: "日本、〒530-0001 大阪府…"; not 日本橋)
    text = _COUNTRY_FIRST.sub("", text)
    postal = re.match(r"^〒?\s*(\d{3})-?\d{4}\s*", text)
    text = text[postal.end():] if postal else text
    match = _PREF_RE.match(text)
    if not match and not is_latin(text):
        # No prefecture written: the municipality the address begins with names it where
        # it is one prefecture's, or the postcode's prefix does (熱海市東海岸町; 〒183 府中市;
        # a Tokyo list's "世田谷区成城8-2-1", where 北区 and 中央区 are other cities' wards too).
        by_postcode = _jp_postal_prefixes().get(postal.group(1)) if postal else None
        known = jp_municipality(text, by_postcode)
        if known is not None:
            return known
        if by_postcode is not None:
            city = _CITY_RE.match(text)
            return by_postcode, jp_town(city.group(1)) if city else None
    if not match:
        # A city of wards' own list leaves its prefecture out ("横浜市港北区日吉2-5-15",
        # as Yokohama's open data writes it): the city says it.
        for code, cities in designated_cities().items():
            for _, city_ja in cities:
                if text.startswith(city_ja) and len(text) > len(city_ja):
                    return prefecture_ja()[code], city_ja
        return None, None
    pref = match.group(1)
    rest = text[len(pref):]
    known = jp_municipality(rest, pref)
    if known is not None:
        return known
    city = _CITY_RE.match(rest)
    name = city.group(1) if city else None
    if name and "市" in name:  # 大阪市北区 -> 大阪市: the city is the callable unit here
        name = name[: name.index("市") + 1]
    return pref, jp_town(name) if name else None


def prefecture_in_text(text: str) -> str | None:
    """A prefecture named in a Latin-script address ('1-1 Umeda, Kita-ku, Osaka')."""
    folded = place_key(text)
    if not folded.isascii():
        return None
    for key in sorted(prefectures(), key=len, reverse=True):
        if key.isascii() and len(key) > 3 and re.search(rf"(?<![a-z]){re.escape(key)}(?![a-z])", folded):
            return key
    return None


# A city of arrondissements as French registers write it: "LYON 2EME ARRONDISSEMENT", "Paris
# 11e Arrondissement", "MARSEILLE 8E ARRONDISSEMENT", "Paris 1er".
_ARRONDISSEMENT = lazy_pattern(r"(.+?)\s+(\d{1,2})\s*(?:er|e|eme|ème|è)(?:\s+(?:arrondissement|arrdt|arr)\.?)?",
                             re.I)


def city_and_arrondissement(city: str) -> tuple[str, str] | None:
    """A town written with its arrondissement, as the town and the arrondissement ("LYON
    2EME ARRONDISSEMENT" -> ("LYON", "2e arrondissement")): Lyon's arrondissements are Lyon."""
    found = _ARRONDISSEMENT.fullmatch(" ".join((city or "").split()))
    if not found or not found.group(1).strip(" -,").replace(" ", "").isalpha():
        return None
    number = int(found.group(2))
    return found.group(1).strip(" -,"), f"{number}{'er' if number == 1 else 'e'} Arrondissement"


# The French cities of arrondissements and the postcodes that number them (75011: Paris
# 11e, 75116: Paris 16e; 69002: Lyon 2e; 13008: Marseille 8e).
_ARRONDISSEMENT_POSTCODES = {"paris": ("Paris", r"75(?:0(\d\d)|1(16))"),
                             "lyon": ("Lyon", r"6900(\d)()"),
                             "marseille": ("Marseille", r"130(\d\d)()")}


def arrondissement_of_postcode(city: str, postcode: str | None) -> tuple[str, str] | None:
    """The town and arrondissement a French row's town and postcode say, where its town is
    Paris, Lyon or Marseille without its arrondissement ("Paris", 75011), or its town is the
    postcode itself ("75011"): ("Paris", "11e Arrondissement")."""
    town = fold_city(city or "")
    code = re.sub(r"\s", "", postcode or "")
    if re.fullmatch(r"\d{5}", re.sub(r"\s", "", city or "")):
        code = re.sub(r"\s", "", city)
        town = next((t for t, (_, pattern) in _ARRONDISSEMENT_POSTCODES.items()
                     if re.fullmatch(pattern, code)), "")
    known = _ARRONDISSEMENT_POSTCODES.get(town)
    found = re.fullmatch(known[1], code) if known else None
    if not known or not found:
        return None
    number = int(found.group(1) or found.group(2))
    if not 1 <= number <= 20:
        return None
    return known[0], f"{number}{'er' if number == 1 else 'e'} Arrondissement"


def fold_city(name: str) -> str:
    """A city name folded to compare spellings: lower case, no accents, no punctuation
    (Köln, KÖLN and koln meet; Koeln is another name of it)."""
    return " ".join(re.sub(r"[^a-z ]+", " ", strip_accents(name).lower()).split())


@functools.cache
def _city_table() -> str:
    """spider/data/city_names.tsv.gz as text (a few milliseconds; read only when a query
    word is read as a city's other name)."""
    import gzip

    from spider.data import HERE

    with gzip.open(HERE / "city_names.tsv.gz", "rt", encoding="utf-8") as table:
        return table.read()


@functools.cache
def _town_regions(country: str) -> dict[str, str]:
    """COUNTRY's towns (folded) -> their region's code, from spider/data/town_regions.tsv.gz
    (its lines of that country only are kept: a few milliseconds, once a country)."""
    import gzip

    from spider.data import HERE

    prefix = country + "\t"
    out: dict[str, str] = {}
    with gzip.open(HERE / "town_regions.tsv.gz", "rt", encoding="utf-8") as table:
        for line in table:
            if line.startswith(prefix):
                _, town, code = line.rstrip("\n").split("\t")
                out[town] = code
    return out


@functools.lru_cache(maxsize=1 << 14)  # (a register's towns repeat on every row)
def region_of_town(town: str, country: str) -> Region | None:
    """The region a town of COUNTRY is in, where its name is one region's alone there
    (Königsbrunn: Bavaria; München, by its name Munich; Leonberg, a town in two Länder:
    None)."""
    codes = regions_of_town(town, country)
    return gazetteer().region(codes[0]) if len(codes) == 1 else None  # ("DE-BY": by its ISO code)


@functools.lru_cache(maxsize=1 << 14)
def regions_of_town(town: str, country: str) -> tuple[str, ...]:
    """The regions of COUNTRY that have a town of this name (Brooklyn: Iowa, Indiana,
    Michigan, New York, Ohio, Wisconsin); none where no table line names it."""
    table = _town_regions(country)
    code = table.get(fold_city(town))
    if code is None:
        code = next((table[key] for c, names in city_other_names(town) if c == country
                     for key in map(fold_city, names) if key in table), None)
    return tuple(code.split("|")) if code else ()


@functools.cache
def _city_index() -> dict[tuple[str, str], str]:
    """(country, a folded name of a city of 100,000 people or more) -> the city's main name,
    where no other city of that country goes by the name."""
    seen: dict[tuple[str, str], str | None] = {}
    for line in _city_table().splitlines()[1:]:
        country, _, folded, names = line.split("\t")
        main = names.split("|", 1)[0]
        for alias in folded.split("|"):
            key = (country, alias)
            seen[key] = main if seen.get(key, main) == main else None
    return {key: main for key, main in seen.items() if main}


def city_as_keyed(town: str, country: str | None) -> str:
    """A town as a place is keyed: a city's main name where a name of it is written (München,
    Munich, Muenchen -> Munich; Nürnberg, Nuernberg -> Nuremberg), so two lists' spellings
    are one place; else the town as given. (Not Japan's: its keys are the Japanese names.)"""
    if not country or country == "JP" or not is_latin(town):
        return town
    return _city_index().get((country, fold_city(town)), town)


def city_other_names(word: str) -> list[tuple[str, tuple[str, ...]]]:
    """The cities of 100,000 people or more a word is one of the names of ("cologne" -> Köln,
    Koeln ...; "munich" -> Munich, München ...), as (country, names), the most populous
    first: a rep's name for a town a user's list spells its own way (from GeoNames)."""
    return [(country, names) for _, country, names in
            sorted(_cities(word), key=lambda city: -city[0])]


def _cities(word: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(population, country, names) of each city of 100,000 a word is one of the names of."""
    key = fold_city(word)
    if not key:
        return []
    text = _city_table()
    body = text.find("\n") + 1  # (the header line names its columns, not a city)
    found: dict[int, tuple[int, str, tuple[str, ...]]] = {}
    for before, after in (("\t", "|"), ("|", "|"), ("|", "\t"), ("\t", "\t")):
        needle = before + key + after
        at = text.find(needle, body)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            country, population, folded, names = text[start:end].split("\t")
            if folded.startswith(key + "|") or f"|{key}|" in f"|{folded}|":
                found[start] = (int(population), country, tuple(names.split("|")))
            at = text.find(needle, end)
    return list(found.values())


def city_population(word: str) -> int:
    """The people of the most populous of the world's cities of 100,000 a word names (0 for
    none): a quarter is written after a large city's name (München-Pasing), not a small
    town's (Neustadt-Glewe is a town of its own)."""
    return max((population for population, _, _ in _cities(word)), default=0)


@functools.cache
def designated_cities() -> dict[str, list[tuple[str, str]]]:
    """Prefecture code -> its designated cities (the cities of wards) as (English, 日本語)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in _read("designated_cities.csv"):
        out.setdefault(row["prefecture"], []).append((row["en"], row["ja"]))
    return out


_AREA_IN_BRACKETS = re.compile(r"\s*\((stadt|stadtkreis|kreisfreie stadt|sk|land|landkreis|lk|"
                               r"kreis)\)\s*$", re.I)
_AREA_WORD = re.compile(r"^(landkreis|lk|kreis)\s+", re.I)
_AREA_CITY = re.compile(r",\s*city of$|^city of\s+", re.I)


@functools.cache
def _departements() -> dict[str, tuple[str, str]]:
    """A French département by its code (75, 2A) and its name folded (paris, cotes d armor)
    -> (its name, its region's ISO code), from spider/data/fr_departements.csv."""
    out: dict[str, tuple[str, str]] = {}
    for row in _read("fr_departements.csv"):
        out[row["code"].upper()] = out[fold_city(row["name"])] = (row["name"], row["region"])
    return out


def departement(value: str) -> tuple[str, str] | None:
    """The French département a region or département column names, as (name, region code):
    '75', '75 - Paris', 'Paris (75)', 'Rhône', '2A'; None for anything else."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    table = _departements()
    coded = re.fullmatch(r"(\d{2}|2[ab])(?:\s*[-–—:]\s*.*)?", text, re.I) or \
        re.fullmatch(r".*?\((\d{2}|2[ab])\)", text, re.I)
    if coded:
        return table.get(coded.group(1).upper())
    return table.get(fold_city(text))


def departement_of_postcode(code: str) -> tuple[str, str] | None:
    """A French postcode's département (75011: Paris; 20000 is Corsica, whose two départements
    its code does not tell apart: None)."""
    digits = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{5}", digits) or digits.startswith(("20", "97", "98")):
        return None
    return _departements().get(digits[:2])


def area_label(value: str, town: str | None, country: str | None) -> str | None:
    """A county, local authority or Landkreis column's value as the place it names, or None
    where it names the town itself: 'Augsburg (Land)' -> 'Landkreis Augsburg', 'LK
    Starnberg' -> 'Landkreis Starnberg', 'München (Stadt)' in München -> None, 'Bristol,
    City of' in Bristol -> None, 'Kent' -> 'Kent', a US county column's 'Multnomah' ->
    'Multnomah County'."""
    text = " ".join(unicodedata.normalize("NFKC", value or "").split()).strip(" ,")
    if not text or len(text) > 60 or any(ch.isdigit() for ch in text):
        return None
    rural = False
    bracket = _AREA_IN_BRACKETS.search(text)
    if bracket:
        rural = bracket.group(1).lower() in ("land", "landkreis", "lk", "kreis")
        if not rural:
            return None  # a town that is a county of its own (München (Stadt)): the town says it
        text = text[:bracket.start()].strip()
    word = _AREA_WORD.match(text)
    if word:
        rural, text = True, text[word.end():].strip()
    text = _AREA_CITY.sub("", text).strip()
    if not text:
        return None
    us_county = country == "US" and not re.search(r"\b(county|parish|borough|census area)$",
                                                   text, re.I)
    if not rural and not us_county and town and fold_place(text) == fold_place(town):
        return None  # (the town is a county of its own: the town says it; not Dallas County)
    if rural:
        return f"Landkreis {text}" if word is None or word.group(1).lower() != "kreis" else f"Kreis {text}"
    if len(text) <= 3 and text.isalpha():
        return text.upper()  # a province's code: MI, BG (an Italian guide's Provincia)
    if us_county:
        return f"{titled_place(text) if text.isupper() or text.islower() else text} County"
    return titled_place(text) if text.isupper() or text.islower() else text


@functools.cache
def designated_wards() -> dict[tuple[str, str], str]:
    """(a designated city in Japanese, a ward's name in Latin letters as `romaji_key` folds
    it) -> the ward in Japanese: (横浜市, kohoku) -> 港北区."""
    from spider.resolve.kana import romaji_key

    return {(row["city"], romaji_key(row["en"])): row["ward"] for row in _read("designated_wards.csv")}


@functools.cache
def ward_in_latin() -> dict[str, str]:
    """A designated city's ward in Japanese, city first, -> its name in Latin letters:
    横浜市港北区 -> Kohoku (磯子区 is Isogo, which a reading dictionary says Isoko)."""
    return {row["city"] + row["ward"]: row["en"] for row in _read("designated_wards.csv")}


# A ward whose name says a direction or the centre is written alike in every city of wards.
_WARD_KANJI = {"kita": "北区", "minami": "南区", "higashi": "東区", "nishi": "西区",
               "chuo": "中央区", "naka": "中区"}
_LATIN_WARD = re.compile(r"(?<![a-z])([a-z]+) (?:ku|ward)(?![a-z])")  # folded: Kita-ku, Kita Ward
_LATIN_CITY = re.compile(r"(?<![a-z])([a-z]+) (?:shi|city)(?![a-z])")


@dataclass(frozen=True)
class LatinCity:
    """A municipality read from a Latin-script Japanese address: CITY as a Japanese-script
    address gives it where it can (大阪市; a Tokyo ward as written, which the ward table
    reads), with an English LABEL, and a city of wards' WARD (北区, or as written) likewise."""

    city: str
    label: str
    ward: str | None = None
    ward_label: str | None = None


def latin_japanese_city(address: str, prefecture: str) -> LatinCity | None:
    """The city (and ward) of a Latin-script Japanese address in PREFECTURE (an ISO code):
    '1-1-3 Umeda, Kita-ku, Osaka 530-0001' -> 大阪市, ward 北区 (the keys a Japanese-script
    address of the same place gives); '2-4-1 Marunouchi, Chiyoda-ku, Tokyo' -> Chiyoda-ku;
    '3-5-12 Sakae, Naka-ku, Nagoya, Aichi' -> 名古屋市, ward 中区; 'Toyota-shi, Aichi' and
    '1 Motomachi, Toyota, Aichi' -> Toyota."""
    folded = fold_place(address)
    ward = _LATIN_WARD.search(folded)
    named = _LATIN_CITY.search(folded)
    if prefecture == "JP-13" and ward and tokyo_wards().get(ward.group(1)):
        return LatinCity(f"{ward.group(1).title()}-ku", ward.group(1).title())
    cities = designated_cities().get(prefecture, [])
    pref_name = next((en.lower() for code, en in prefectures().values() if code == prefecture), "")
    said = [(en, ja) for en, ja in cities if re.search(rf"(?<![a-z]){en.lower()}(?![a-z])", folded)]
    # A name other than the prefecture's says more (Sakai in Osaka, Yokohama in Kanagawa).
    said.sort(key=lambda city: city[0].lower() == pref_name)
    if named and not any(en.lower() == named.group(1) for en, _ in said):
        said = [(en, ja) for en, ja in cities if en.lower() == named.group(1)] or said
    if ward and not said and len(cities) == 1:
        said = cities  # wards in Aichi are Nagoya's
    if said and (ward or named or said[0][0].lower() != pref_name):
        en, ja = said[0]
        if not ward:
            return LatinCity(ja, en)
        from spider.resolve.kana import romaji_key

        name = ward.group(1)
        kanji = designated_wards().get((ja, romaji_key(name))) or _WARD_KANJI.get(name)
        return LatinCity(ja, en, kanji or f"{name.title()}-ku", f"{name.title()}-ku")
    if named:
        return LatinCity(named.group(1).title(), named.group(1).title())
    # The part before the prefecture's, where it is a plain name ("Toyota, Aichi").
    parts = [fold_place(p) for p in address.split(",")]
    at = next((i for i, part in enumerate(parts) if pref_name and re.search(
        rf"(?<![a-z]){pref_name}(?![a-z])", part)), None)
    if at and at >= 2 and parts[at - 1] and not any(ch.isdigit() for ch in parts[at - 1]) \
            and not re.search(r"(?<![a-z])(ku|gun|ward)$|-(ku|gun)$", parts[at - 1]) \
            and len(parts[at - 1]) <= 30:
        return LatinCity(parts[at - 1].title(), parts[at - 1].title())
    return None


# A postal code inside an address part: US ZIP (78701, 78701-1234), UK (SW1A 1AA), Canadian
# (K1A 0B1), Japanese (530-0001), most others (4-6 digits).
# (and an Eircode: "T12 X2Y3", "D02 X285", "D6W 1234")
POSTAL_CODE = lazy_pattern(r"\b(?:\d{3}-\d{4}|\d{4,6}(?:-\d{3,4})?|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|"
                         r"[A-Z]\d[A-Z]\s?\d[A-Z]\d|(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?"
                         r"(?=[0-9AC-FHKNPRTV-Y]*[AC-FHKNPRTV-Y])[0-9AC-FHKNPRTV-Y]{4})\b")


def postal_in(address: str) -> str:
    """A postal code written in an address, for the call list's column: a Japanese one
    ('〒530-0001 大阪府...' -> 530-0001), or one in a part after the street of a Latin-script
    address ('8 Rue du Cherche-Midi, 75006 Paris' -> 75006; 'Austin, TX 78701' -> 78701;
    'London SW1A 2AA'), never the street's number."""
    text = unicodedata.normalize("NFKC", address)
    found = JP_POSTAL.search(text)
    if found:
        return f"{found.group(1)}-{found.group(2)}"
    codes = [m.group(0) for part in text.split(",")[1:] for m in POSTAL_CODE.finditer(part)]
    return codes[-1] if codes and is_latin(text) else ""


def address_tail(address: str) -> str:
    """The last part of a Latin-script address, postal codes dropped ("TX" of "Austin, TX
    78701"), to tell a file's country by."""
    parts = [p.strip() for p in (address or "").split(",") if p.strip()]
    if len(parts) < 2 or not is_latin(address):
        return ""
    return " ".join(POSTAL_CODE.sub(" ", parts[-1]).split())


@dataclass(frozen=True)
class AddressPlace:
    country: str | None
    region: Region | None
    city: str | None
    district: str | None = None  # the part before the town ("Didsbury" of "..., Didsbury, Manchester")


# A street's name by its kind of way: last in English and German, first in the Romance
# languages ("Orchard Road", "Hauptstraße", "Rue de Rivoli", "Calle Mayor", "Via Roma").
# (Only the words no town ends with: Mountain View, Garden Grove and Palm Beach Gardens are
# towns; Piazza Armerina too.)
_STREET = lazy_pattern(
    r"(?:^|\s)(?:road|rd|street|st|avenue|ave|drive|lane|boulevard|blvd|highway|hwy|parkway|"
    r"pkwy|straße|strasse|str|weg|allee|gasse|industrial estate|trading estate|business park|"
    r"industrial park|retail park|business centre|business center|enterprise park)\.?$"
    r"|^(?:rue|boulevard|chemin|allée|impasse|calle|c/|avenida|avda|carrer|via|viale|rua|"
    r"travessa)\s", re.I)


_BUILDING = lazy_pattern(r"(?:^|\s)(?:centre|center|mall|arcade|building|tower|plaza|chambers|"
                         r"house|yard|precinct|galleria|shopping centre|shopping center)$",
                         re.I)


def is_street(text: str) -> bool:
    """Whether TEXT, an address part without a number, names a street, not a town."""
    words = text.strip()
    return bool(_STREET.search(words)) or words.lower().endswith(("straße", "strasse"))


_STATE_AND_CODE = (("US", r"[A-Z]{2}\s+\d{5}(?:-\d{4})?"),
                   ("CA", r"[A-Z]{2}\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d"))


def shaped_country(address: str) -> str | None:
    """The country whose state-and-code shape an address ends in ("..., NY 10014": US;
    "..., QC H2J 2K9": CA), where that state or province is one of its; else None."""
    last = (address or "").rsplit(",", 1)[-1].strip()
    found = next((c for c, pattern in _STATE_AND_CODE if re.fullmatch(pattern, last)), None)
    return found if found and region_of(last[:2], found) is not None else None


def place_in_address(address: str, country: str | None = None) -> AddressPlace:
    """Country, region and city read from the end of a Latin-script address, one whole
    comma-separated part at a time ('500 E 4th St, Austin, TX 78701, USA' -> US, Texas,
    Austin; 'Marienplatz 8, 80331 München, Bayern' -> DE, Bavaria, München). A part counts only
    whole: a street name is never a region."""
    parts = [p.strip() for p in (address or "").split(",") if p.strip()]
    gaz = gazetteer()
    region: Region | None = None
    city: str | None = None
    while parts:
        last = parts[-1]
        code = country_code(last) if not any(ch.isdigit() for ch in last) else None
        if code and (len(last.strip()) > 2 or last.strip().isupper()) and code in gaz.country_names:
            if country and code != country and len(last.strip()) == 2 and region_of(last, country):
                break  # "Springfield, PA" in a US list: Pennsylvania, not Panama
            country = country or code
            parts.pop()
            continue
        break
    if country is None and parts:
        # A state's code and a ZIP ("NY 10014"), a province's and a postal code ("QC H2J
        # 2K9"): the country they are written in, whatever else holds a region of that code.
        country = shaped_country(parts[-1])
    for index in range(len(parts) - 1, -1, -1):
        if index == 0 and any(ch.isdigit() for ch in parts[0]):
            break  # the street; a first part without a number is a town ("Austin, TX")
        text = " ".join(POSTAL_CODE.sub(" ", parts[index]).split())
        if not text:
            continue
        if is_street(text):
            break  # "ORCHARD ROAD" (a register's street column), "Unit 3, Healey Road": no town
        found = region_of(text, country)
        if found and region is None:
            region, country = found, country or found.country
            continue
        if re.fullmatch(r"[A-Z]{2,3}", text):
            break  # a region's code in a country not known: not a town
        if not any(ch.isdigit() for ch in text) and len(text) <= 40:
            city = text
            # A part between the street and the town names the neighbourhood ("712
            # Wilmslow Road, Didsbury, Manchester M20 2DW").
            before = " ".join(parts[index - 1].split()) if index >= 2 else ""
            # (not a street, nor a building or yard a unit is in: "Unit 4, Merrion Centre,
            # Leeds" is in no quarter called Merrion Centre)
            if before and not any(ch.isdigit() for ch in before) and len(before) <= 40 \
                    and region_of(before, country) is None and not is_street(before) \
                    and not _BUILDING.search(before):
                return AddressPlace(country, region, city, before)
        break
    return AddressPlace(country, region, city)


def district_near(lat: float, lon: float, *, radius_km: float) -> tuple[District, float] | None:
    """The nearest named Tokyo district within radius_km, with its distance."""
    best: tuple[District, float] | None = None
    for d in tokyo_districts():
        km = haversine_km(lat, lon, d.lat, d.lon)
        if km <= radius_km and (best is None or km < best[1]):
            best = (d, km)
    return best


@functools.cache
def _any_district() -> re.Pattern[str]:
    """Matches where any district name occurs: one search rejects the usual text at once."""
    names = {n for d in tokyo_districts() for n in (d.en.lower(), d.ja, d.en.lower().replace("-", " "))}
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


# A Japanese address's block number, after which come the building and floor (a building
# named for another district, 新宿東京海上日動ビル in 渋谷区代々木, says nothing of where it is).
_JA_BLOCK = lazy_pattern(r"(?<=[\u3040-\u30ff\u4e00-\u9fff々])\s*[0-9０-９一二三四五六七八九十]+"
                       r"(?:丁目|番地?|[-－ー‐]).*", re.S)


def district_named(text: str) -> District | None:
    """A named district mentioned in free text ('Marunouchi (across from...)', '丸の内'); in
    a Japanese address, before its block number only."""
    folded = place_key(_JA_BLOCK.sub("", text or "", count=1))
    if not _any_district().search(folded) or _outside_tokyo(text):
        return None
    for d in tokyo_districts():
        if d.ja in folded:
            # (a town's own 銀座町 after its 市, 郡 or 村: 熱海市銀座町 is Atami's, not Tokyo's;
            # Tokyo's districts follow a 区)
            if not re.search(r"[市郡村]", folded[:folded.index(d.ja)]):
                return d
        elif any(re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", folded)
                 for name in {d.en.lower(), d.en.lower().replace("-", " ")}):
            return d  # a whole word: Huguenot Road is not Ueno
    return None


def _outside_tokyo(text: str) -> bool:
    """Whether an address names a prefecture other than Tokyo (静岡県熱海市銀座町, "Ginza,
    Atami, Shizuoka"): a Tokyo district's name there is another town's street."""
    pref, _ = split_japanese_address(text)
    if pref is None:
        pref = prefecture_in_text(text)
    found = prefectures().get(place_key(pref)) if pref else None
    return found is not None and found[0] != "JP-13"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))
