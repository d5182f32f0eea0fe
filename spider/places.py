"""Place names: prefectures, Tokyo wards, US states and named districts, in English and Japanese."""

from __future__ import annotations

import csv
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

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
_CITY_RE = re.compile(r"^(.+?市.+?区|.+?[市区町村])")


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("spider.data").joinpath(name).read_text(encoding="utf-8")
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


def country_code(text: str | None) -> str | None:
    if not text:
        return None
    key = place_key(text)
    if len(key) == 2 and key.isalpha():
        return key.upper()
    return COUNTRIES.get(key)


def split_japanese_address(address: str) -> tuple[str | None, str | None]:
    """'東京都港区赤坂3-3-5' -> ('東京都', '港区'); '大阪府大阪市北区...' -> ('大阪府', '大阪市')."""
    text = unicodedata.normalize("NFKC", address or "").strip()
    text = re.sub(r"^〒?\s*\d{3}-?\d{4}\s*", "", text)
    match = _PREF_RE.match(text)
    if not match:
        return None, None
    pref = match.group(1)
    rest = text[len(pref):]
    city = _CITY_RE.match(rest)
    name = city.group(1) if city else None
    if name and "市" in name:  # 大阪市北区 -> 大阪市: the city is the callable unit here
        name = name[: name.index("市") + 1]
    return pref, name


def prefecture_in_text(text: str) -> str | None:
    """A prefecture named in a Latin-script address ('1-1 Umeda, Kita-ku, Osaka')."""
    folded = place_key(text)
    if not folded.isascii():
        return None
    for key in sorted(prefectures(), key=len, reverse=True):
        if key.isascii() and len(key) > 3 and re.search(rf"(?<![a-z]){re.escape(key)}(?![a-z])", folded):
            return key
    return None


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


def district_named(text: str) -> District | None:
    """A named district mentioned in free text ('Marunouchi (across from...)', '丸の内')."""
    folded = place_key(text)
    if not _any_district().search(folded):
        return None
    for d in tokyo_districts():
        if d.en.lower() in folded or d.ja in folded or d.en.lower().replace("-", " ") in folded:
            return d
    return None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))
