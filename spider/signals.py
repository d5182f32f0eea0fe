"""Signals: typed facts a company shares with others (industry, place, tier, list, brand, group,
terms, size), each with evidence, weighted by rarity (IDF) and source confidence.

The stage reads resolved companies and their records and writes `signals` and
`company_signals`. Signals are computed per company, never per pair, so the work is linear
in the number of records and a refresh can rebuild only the companies that changed.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spider import places, seeds
from spider.db import (
    SIGNAL_HOLDERS,
    Database,
    bulk_load,
    dicts_in,
    execute_in,
    insert_rows,
    rows_in,
    transaction,
)
from spider.fields import CAPACITY_HEADERS, area_header, fold_header, names_no_kind
from spider.resolve.readings import nouns
from spider.runtime import lazy_pattern
from spider.settings import Settings
from spider.sources import source_confidence
from spider.text import is_kanji, is_katakana, is_latin, plural, strip_accents, titled_place

# How much one shared signal of each kind says about "direct competitor", before rarity.
KIND_WEIGHTS: dict[str, float] = {
    "list": 2.0,
    "tier": 1.5,
    # A review score (a bare 4.3 or 8/10): guests' opinion, not a class of place. Nearer
    # scores rank a little nearer; they never make two businesses competitors.
    "score": 0.2,
    "industry": 1.2,
    "concept": 1.0,
    "category": 1.0,
    "kind": 1.0,  # the broader kind a finer category is one of (cosmetic dentist: dentist)
    "brand": 1.0,
    "group": 1.0,
    "district": 0.8,
    "city": 0.6,
    "region": 0.5,
    "country": 0.25,
    "sector": 0.4,
    "term": 0.5,
    "size": 0.15,
    "status": 0.01,  # closed or not yet open: kept to leave them out, never a likeness
}


def is_local(kinds: set[str]) -> bool:
    """Whether a client with signals of these KINDS is a local business: a directory's
    category (or a kind, tier or brand) is a local market; an industry code is a firm's, and
    a business known only from its description is not known to be local either; nor is one
    of 300 people or more (FIRM: an exhibitor list's gear maker, its product its category)."""
    # (a kind its name says beside a list's broad industry: "Back Bay Family Dental" under a
    # CRM's "Healthcare" is a local dentist)
    return bool(kinds & {"category", "kind", "tier", "brand"}) and (
        not kinds & {"industry", "sector"} or "kind" in kinds) and FIRM not in kinds


# A pseudo-kind `kinds_of` adds for a company of FIRM_STAFF people or more: no local business.
FIRM = "firm"
FIRM_STAFF = 300
# A staff count's band: the first whose bound it is under, else the last.
_EMPLOYEE_BANDS = ((50, "1-49"), (300, "50-299"), (1000, "300-999"), (5000, "1,000-4,999"),
                   (20000, "5,000-19,999"))
_LARGEST_BAND = "20,000+"
_LARGE_BANDS = (*(label for upper, label in _EMPLOYEE_BANDS if upper > FIRM_STAFF), _LARGEST_BAND)


def kinds_of(signals: dict[str, dict[str, Any]]) -> set[str]:
    """The kinds of a company's SIGNALS, and FIRM where its staff is 300 or more."""
    kinds = {row["kind"] for row in signals.values()}
    if any(signal.startswith("size:employees ") and signal.endswith(_LARGE_BANDS)
           for signal in signals):
        kinds.add(FIRM)
    return kinds


# Signal kinds that make two companies direct competitors (a shared place alone does not).
COMPETITOR_KINDS = frozenset({"list", "tier", "industry", "concept", "category", "kind",
                              "brand"})
# Signal kinds that make a won client worth citing to a prospect (a shared brand is not
# enough: same-brand hotels usually share a group, and groups are never cited to each other).
REFERENCE_KINDS = frozenset({"list", "tier", "industry", "concept", "category", "kind"})
# Signal kinds that say what a local business is (not its list, tier, rating or words).
BUSINESS_KINDS = frozenset({"category", "kind", "concept"})
# The category every lodging a list names holds (a hotel, a 旅館, a 民宿, an inn), beside its
# own, and the concept beside it.
LODGING_CATEGORY = "category:hotel"
LODGING_CONCEPT = "concept:hotels_lodging"
# Companies carrying this signal operate hotels (a company-level business, like the curated ones).
HOTEL_OPERATOR = "concept:hotel_operator"

TIERS = ("five-star", "luxury", "upscale", "midscale", "business", "budget", "capsule")
TIER_LABELS = {"five-star": "five-star", "luxury": "luxury", "upscale": "upscale",
               "midscale": "midscale", "business": "business", "budget": "budget",
               "capsule": "capsule"}
# Where a tier comes from decides which wins when sources disagree (OSM star tags are
# sparse and sometimes wrong: a capsule hotel tagged 5 stars).
TIER_PRECEDENCE = {"award": 4, "brand": 3, "list": 2, "stars": 1}

_TERM_STOP = frozenset("""
and the for with from into other services service products product company companies business
businesses group holding holdings including include includes various related provides provide
provider operates operation operations development manufacturing manufacture sales sale such
their this that which also well through under well based main mainly corporation inc ltd
""".split())


# One company's records, and how far to trust each record's source (0..1).
Records = list[dict[str, Any]]
Confidence = Callable[[dict[str, Any]], float]


@dataclass
class Fact:
    """One signal on one company, before weighting."""

    signal: str
    kind: str
    label: str
    confidence: float
    evidence: str
    source: str


@dataclass
class Curated:
    """Curated tables shipped in seeds/curated (brand tiers, industry names, concepts)."""

    brands: list[tuple[re.Pattern, dict[str, Any]]]  # (pattern, brand row), longest first
    jpx33: dict[str, dict[str, str]]
    concepts: dict[tuple[str, str], list[str]]
    company_concepts: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    company_groups: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @functools.cached_property
    def any_brand(self) -> tuple[re.Pattern | None, re.Pattern | None]:
        """Every brand pattern in one alternation (the word-bounded Latin ones, and the others
        searched in a name without spaces): one search says a name is no brand's at all, as
        most names are, before `brand_of` tries the patterns one by one in their order."""
        latin = [p.pattern for p, _ in self.brands if p.pattern.startswith("(?<!")]
        other = [p.pattern for p, _ in self.brands if not p.pattern.startswith("(?<!")]
        return (re.compile("|".join(f"(?:{p})" for p in latin)) if latin else None,
                re.compile("|".join(f"(?:{p})" for p in other)) if other else None)

    @classmethod
    def load(cls, folder: Path | None) -> Curated:
        def rows(name: str) -> list[dict[str, str]]:
            if folder is None or not (folder / name).exists():
                return []
            with open(folder / name, encoding="utf-8-sig", newline="") as fh:
                return list(csv.DictReader(fh))

        brands: list[dict[str, Any]] = []
        for row in rows(seeds.file_name(seeds.HOTEL_BRANDS)):
            patterns = [p for p in (row.get("patterns") or "").split("|") if p.strip()]
            patterns += [p for p in (row.get("brand_ja") or "").split("|") if p.strip()]
            patterns.append(row.get("brand") or "")
            compiled = [_brand_pattern(p) for p in patterns if p.strip()]
            brands.append({**row, "compiled": [c for c in compiled if c]})
        # Every pattern of every brand, longest first, so "Hyatt Centric" beats "Hyatt"
        # and "The Prince Gallery" beats "The Prince" whichever brand row comes first.
        patterns_sorted = sorted(((c, b) for b in brands for c in b["compiled"]),
                                 key=lambda item: -len(item[0].pattern))
        jpx33 = {r.get("code", "").strip(): r for r in rows(seeds.file_name(seeds.JPX33_INDUSTRIES))}
        concepts: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in rows(seeds.file_name(seeds.INDUSTRY_CONCEPTS)):
            key = (r.get("scheme", "").strip(), r.get("code_or_label", "").strip().lower())
            if r.get("concept", "").strip():
                concepts[key].append(r["concept"].strip())
        by_code: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in rows(seeds.file_name(seeds.COMPANY_CONCEPTS)):
            by_code[(r.get("code") or "").strip()].append(r)
        groups: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in rows(seeds.file_name(seeds.COMPANY_GROUPS)):
            groups[(r.get("code") or "").strip()].append(r)
        return cls(patterns_sorted, jpx33, dict(concepts), dict(by_code), dict(groups))


def _brand_pattern(pattern: str) -> re.Pattern | None:
    text = _fold_name(pattern)
    if not text:
        return None
    if text.isascii():
        return re.compile(r"(?<![a-z0-9])" + re.escape(text) + r"(?![a-z0-9])")
    return re.compile(re.escape(text.replace(" ", "")))


@functools.lru_cache(maxsize=1 << 16)
def _fold_name(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = re.sub(r"[\s・･\-‐–—'’.,&/()（）<>〈〉「」『』]+", " ", text)
    return text.strip()


def brand_of(names: Iterable[str], curated: Curated) -> dict[str, Any] | None:
    """The curated hotel brand a hotel's name (in any script) belongs to, if any."""
    folded = [_fold_name(n) for n in names if n]
    latin, other = curated.any_brand
    if not any((latin is not None and latin.search(name))
               or (other is not None and other.search(name.replace(" ", "")))
               for name in folded):
        return None
    for pattern, brand in curated.brands:
        for name in folded:
            target = name if pattern.pattern.startswith("(?<!") else name.replace(" ", "")
            if pattern.search(target):
                return brand
    return None


def tier_from_rating(rating: str, list_kind: str) -> tuple[str | None, str]:
    """Map a list's rating text and kind to a tier and the kind of evidence it is."""
    r = unicodedata.normalize("NFKC", rating or "").lower()
    if "forbes" in r and ("5-star" in r or "five-star" in r):
        return "five-star", "award"
    if "forbes" in r and ("4-star" in r or "four-star" in r):
        return "luxury", "award"
    if "forbes recommended" in r:
        return "upscale", "award"
    keys = re.search(r"(\d)\s*michelin keys?|(\d)\s*ミシュランキー", r)
    if keys:
        count = int(keys.group(1) or keys.group(2))
        return ("five-star" if count >= 3 else "luxury"), "award"
    if "michelin key" in r:
        return "luxury", "award"
    pavilions = re.search(r"(\d)\s*pavilions?", r)
    if pavilions:
        count = int(pavilions.group(1))
        return {5: "five-star", 4: "luxury", 3: "upscale"}.get(count, "midscale"), "award"
    if re.search(r"\b5-star\b|5つ星|五つ星|御三家", r):
        return "five-star", "list"
    if "capsule" in r or "カプセル" in r:
        return "capsule", "list"
    if "hostel" in r:
        return "budget", "list"
    if "business hotel" in r or "ビジネスホテル" in r:
        return "business", "list"
    kind = (list_kind or "").lower()
    return {"five_star_award": "upscale", "luxury_roundup": "luxury", "budget_hotels": "budget", "capsule": "capsule",
            "business_hotels": "business"}.get(kind), "list"


def tier_from_stars(stars: str) -> str | None:
    """A hotel's tier from its stars: a number, or a register's class in words ("4 Estrellas",
    "5 Estrellas Gran Lujo", "3 Sterne Superior", "★★★★")."""
    try:
        value = float(stars)
    except (TypeError, ValueError):
        found = rating_level(str(stars or ""))
        if found is None or found[0] != "star":
            return None
        value = float(found[1])
    if value >= 5:
        return "five-star"
    if value >= 4:
        return "upscale"
    if value >= 3:
        return "midscale"
    return "budget"


@functools.lru_cache(maxsize=4096)
def _short_source(source: str) -> str:
    if source.startswith(("http://", "https://", seeds.SEEDS + "/")):
        return source
    return Path(source).name


def _evidence(rec: dict[str, Any]) -> str:
    return f"{_short_source(rec.get('source') or '')} row {rec.get('source_row')}"


def _extra(rec: dict[str, Any]) -> dict[str, Any]:
    if "_extra" not in rec:
        try:
            rec["_extra"] = json.loads(rec.get("extra") or "{}")
        except json.JSONDecodeError:
            rec["_extra"] = {}
    return rec["_extra"]


def _names(recs: list[dict[str, Any]]) -> list[str]:
    out = []
    for rec in recs:
        for fld in ("name", "name_local", "name_en", "legal_name"):
            if rec.get(fld):
                out.append(rec[fld])
    return out


def _is_property(recs: list[dict[str, Any]]) -> bool:
    """A hotel property (callable on site), as opposed to a listed firm that operates hotels."""
    hotel = any((r.get("category") or "").lower() in ("hotel", "ryokan", "hostel") for r in recs)
    firm = any(r.get("industry_scheme") or r.get("corporate_number") for r in recs)
    return hotel and not firm


def company_facts(recs: list[dict[str, Any]], curated: Curated, confidence: dict[str, float],
                  *, district_radius_km: float = 1.0,
                  countries: Mapping[str, str] | None = None,
                  categories: frozenset[str] = frozenset()) -> Iterator[Fact]:
    """Every signal one company carries, from all of its records. COUNTRIES: the country of
    each source whose rows do not say it (`source_countries`); CATEGORIES: the categories the
    directories use on their own (`single_categories`)."""
    def conf(rec: dict[str, Any]) -> float:
        return confidence.get(rec.get("source") or "", 0.8)

    yield from _industry_facts(recs, curated, conf)
    yield from _place_facts(recs, conf, district_radius_km, countries or {})
    yield from _hotel_facts(recs, curated, conf)
    yield from _category_facts(recs, conf, categories, countries or {})
    if not any((r.get("category") and not CATEGORY_CODE.fullmatch(r["category"].strip()))
               or ((r.get("industry_label") or r.get("industry_code"))
                   and (r.get("industry_scheme") or "directory") != "directory") for r in recs):
        # No words say what the business is (no category, or only a register's code such
        # as a NAF 86.23Z): its name may ("Cabinet dentaire des Brotteaux"). Beside a code,
        # barely for likeness (the code says the trade of every row; a name only of some),
        # but a query's words find them. A list's own industry column (a CRM's picklist:
        # "Healthcare" for the dentist and the physio alike) says the sector, the name the
        # business: both are read.
        coded = any(r.get("category") for r in recs)
        yield from _name_kind_facts(recs, (lambda rec: conf(rec) * CODED_NAME_KIND)
                                    if coded else conf)
    yield from _status_facts(recs, conf)
    yield from _relation_facts(recs, conf)
    yield from _rating_facts(recs, conf)
    for rec in recs:
        extra = _extra(rec)
        title, url = rec.get("list_title"), rec.get("list_url")
        if title or url:
            key = url or title
            yield Fact(f"list:{key}", "list", str(title or url), conf(rec),
                       url or _evidence(rec), rec["source"])
        size = extra.get("size_class") or extra.get("規模区分")
        if size and size != "-":
            yield Fact(f"size:{size}", "size", f"index size {size}", conf(rec), _evidence(rec),
                       rec["source"])
        band = _employee_band(rec.get("employees"))
        if band:
            yield Fact(f"size:employees {band}", "size", f"{band} employees", conf(rec),
                       _evidence(rec), rec["source"])
        held = _capacity(extra)
        if held:
            unit, count = held
            yield Fact(f"size:{unit} {count}", "size", f"{count} {unit}", conf(rec),
                       _evidence(rec), rec["source"])
        if rec.get("group"):
            group = rec["group"].strip()
            yield Fact(f"group:{_fold_name(group)}", "group", group, conf(rec), _evidence(rec),
                       rec["source"])


PART_STEP = 0.02  # how much less each later part of a category cell weighs
CODED_NAME_KIND = 0.01  # a kind read from a name beside a category that is a code: for queries

# A category that is a classification code, not words: 86.23Z, 5610A, A51, 8011-02 (also
# what an opener never says as a kind: spider.angles).
CATEGORY_CODE = re.compile(r"[A-Z]?\d[\d.\-]*[A-Z]?|\d{3}[0-9A-Z]{6}X", re.I)


# A category that says lodging, in English or Japanese (a list of 旅館 is a list of inns).
_LODGING = frozenset({"hotel", "ryokan", "hostel", "lodging", "旅館", "ホテル", "ホステル", "民宿",
                      "宿泊施設", "ゲストハウス", "ペンション", "簡易宿所"})

# A business that is not open: closed for good, or not yet open. Read from a status column,
# or from the category itself where a directory files them there ("Closed", "Planning").
STATUS_CLOSED = "status:closed"
STATUS_PLANNED = "status:planned"


def not_open(db: Database) -> set[int]:
    """The companies marked closed or not yet open (a register's few: read whole). A closed
    business is never called, whichever list or callback named it before it closed."""
    return {cid for cid, in db.execute("select company_id from company_signals where signal in "
                                       "(?, ?)", [STATUS_CLOSED, STATUS_PLANNED])}


def gone(db: Database) -> set[int]:
    """The companies gone from every source (kept, with what was decided about them)."""
    return {cid for cid, in db.execute("select id from companies where status = 'gone'")}


# English, Japanese, and the words German, French, Spanish, Italian, Dutch and Portuguese
# directories use (a status column in the user's language is as common as their headers).
_CLOSED = lazy_pattern(r"\b(?:chius[oa] definitivamente|definitivamente chius[oa]|chiusura definitiva|"
                     r"cerrad[oa] definitivamente|cerrad[oa] permanentemente|"
                     r"fermée? définitivement|ceased trading|stopped trading|in liquidation|closed|permanently closed|inactive|not active|defunct|dissolved|"
                     r"out of business|ceased|liquidated|liquidation|bankrupt|deregistered|struck off|"
                     r"dormant|"
                     # a register's licence that no longer lets it trade
                     r"expired|lapsed|revoked|cancell?ed|surrendered|voluntarily surrendered|"
                     r"not renewed|terminated|withdrawn|retired|null and void|"
                     # a licence or membership that no longer stands (a member list's
                     # "Resigned", "Expelled"; a suspended registration)
                     r"suspended|resigned|expelled|"
                     r"geschlossen|dauerhaft geschlossen|stillgelegt|aufgelöst|erloschen|insolvent|"
                     r"abgelaufen|widerrufen|ruhend|eingestellt|betrieb eingestellt|abgemeldet|"
                     r"aufgegeben|praxis aufgegeben|gelöscht|geloescht|im register gelöscht|"
                     r"löschung|abgewickelt|in liquidation|"
                     # a register's company being wound up (Companies House's "In
                     # Administration"; Polish, Dutch, Swedish registers). ("Active - Proposal
                     # to Strike off" still trades: listed, as before.)
                     r"in administration|administration|receivership|"
                     r"in receivership|wykreślony|wykreślona|wykreślone|zawieszony|zawieszona|"
                     r"w likwidacji|w upadłości|uitgeschreven|ontbonden|failliet|avregistrerad|"
                     r"avförd|konkurs|likvidation|"
                     # Spanish registers' "Baja" (struck off: dado de baja)
                     r"dad[oa] de baja|de baja|baja|"
                     r"fermée?s?|définitivement fermée?|cessée?|cerrado|cerrada|clausurad[oa]|"
                     r"chius[oa]|cessat[oa]|sospes[oa]|suspendu|suspendue|suspendid[oa]|"
                     # an Italian chamber's register (Stato impresa: CESSATA, INATTIVA, IN
                     # LIQUIDAZIONE, FALLITA)
                     r"inattiv[oa]|in liquidazione|liquidazione|in scioglimento|fallit[oa]|"
                     r"in fallimento|cancellat[oa]|"
                     r"gesloten|opgeheven|geschorst|fechad[oa]|"
                     # Brazil's Receita Federal (Situação Cadastral: BAIXADA, INAPTA,
                     # SUSPENSA, NULA) and other Portuguese and Spanish registers
                     r"baixad[oa]|inapt[oa]|suspens[oa]|nula|encerrad[oa]|extint[oa]|"
                     r"inativ[oa]|inactiv[oa]|cancelad[oa])\b|"
                     r"廃業|閉館|閉店|閉鎖|休業|休止|解散|倒産|廃止|閉園|閉院|失効|取消|取り消し|抹消", re.I)
_PLANNED = lazy_pattern(r"\b(?:planning|planned|proposed|under construction|coming soon|"
                      r"not yet open|not open yet|pre-opening|in planning|in planung|geplant|im bau|"
                      r"en projet|en construction|en construcción|in costruzione|in aanbouw)\b|"
                      r"計画中|建設中|開業予定|準備中|開設予定", re.I)


# A status value that says the business is open (ingest reports any value it can read as
# neither this nor closed or planned).
_OPEN = lazy_pattern(r"^(?:a|open|opened|active|operating|operational|in operation|in business|trading|live|yes|"
                   r"current|valid|unexpired|licensed|licenced|registered|issued|renewed|"
                   r"(?:in )?good standing|active\b.*|live\b.*|"
                   r"geöffnet|offen|aktiv|ouvert|ouverte|actif|active|abierto|abierta|activo|"
                   r"activa|aperto|aperta|attivo|attiva|in attività|operativ[oa]|alta|de alta|"
                   r"ativa|ativo|em atividade|"
                   r"aktywny|aktywna|actief|ingeschreven|aktiv|aktivt|"
                   r"営業中|開業|営業|現存|有効|運営中)$", re.I)


# A closed or planned word said not to hold ("Not expired", "non cessata", "nicht erloschen"):
# the status is the opposite of the word, so the word is passed over. "Not active" is itself
# a closed phrase and stays one.
# (Not a bare "no": a yes/no register's "No - Expired" says expired.)
_NEGATED = re.compile(r"(?:\b(?:not|non|never|nicht|kein|pas|niet|não)[\s-]+|\bnon-|未)$", re.I)
# A value that says the business stopped trading in so many words (not "Open, no longer
# accepting new patients", nor "Not open yet").
_NO_LONGER = lazy_pattern(r"\bno longer (?:trading|operating|in business|open|active)\b|"
                        r"\bnot (?:trading|operating|in business)\b", re.I)


def reads_as_open(value: str) -> bool:
    text = unicodedata.normalize("NFKC", value or "").strip()
    if _OPEN.match(text):
        return True
    found = _CLOSED.search(text)
    return bool(found and _NEGATED.search(text[:found.start()]) and not _NO_LONGER.search(text))


@functools.lru_cache(maxsize=1 << 14)  # a directory repeats its few status and category values
def business_status(value: str, *, whole: bool) -> str | None:
    """'closed', 'planned' or None for a status value (WHOLE: the value must be only that, as
    a category value must: "Closed" is a status, "Closed Captioning" a business)."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return None
    if "_" in text and " " not in text:
        # an export's enum (Google Maps' CLOSED_PERMANENTLY, CLOSED_TEMPORARILY, OPERATIONAL)
        text = text.replace("_", " ")
    if not whole and text == "F":  # SIRENE's état administratif: F (fermé), A (actif)
        return "closed"
    if not whole and _NO_LONGER.search(text):
        return "closed"
    for status, pattern in (("closed", _CLOSED), ("planned", _PLANNED)):
        for found in pattern.finditer(text):
            if _NEGATED.search(text[:found.start()]):
                continue
            if not whole or found.group(0).lower() == text.lower():
                return status
    return None


_NUMBERS = {"one": 1, "single": 1, "two": 2, "double": 2, "three": 3, "triple": 3, "four": 4,
            "five": 5, "six": 6, "seven": 7, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
            "ひとつ": 1, "ふたつ": 2, "みっつ": 3, "よっつ": 4, "いつつ": 5,
            # guides in Spanish, Italian, French, German ("dos estrellas", "tre stelle")
            "una": 1, "dos": 2, "tres": 3, "due": 2, "tre": 3, "deux": 2, "trois": 3,
            "zwei": 2, "drei": 3}
_UNIT = {"star": "star", "diamond": "diamond", "key": "key", "pavilion": "pavilion",
         "crown": "crown", "hat": "hat", "toque": "toque", "fork": "fork", "point": "point",
         "星": "star", "ダイヤ": "diamond", "キー": "key",
         "estrella": "star", "stella": "star", "stelle": "star", "étoile": "star",
         "étoiles": "star", "etoile": "star", "stern": "star", "sterne": "star"}
# The words for a star in the guides' languages, as a query may say them ("2 estrellas").
STAR_WORDS = ("estrella", "estrellas", "stella", "stelle", "étoile", "étoiles", "stern", "sterne")
_NUMBER = r"(\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_RATED = lazy_pattern(_NUMBER + r"\s*[- ]?\s*(?:つ\s*)?(?:michelin\s+|aaa\s+|forbes\s+)?"
                    r"(stars?|diamonds?|keys?|pavilions?|crowns?|hats?|toques?|forks?|points?|星|ダイヤ|キー|"
                    r"estrellas?|stell[ae]|[ée]toiles?|sterne?)",
                    re.I)
_RATED_AFTER = lazy_pattern(r"(星|stars?)\s*[:：]?\s*" + _NUMBER + r"\s*(?:つ)?", re.I)
_ASTERISKS = re.compile(r"(?<![\d./])(?:(\d)\s?\*(?!\*)|(?<!\*)(\*{2,7})(?!\*))")
_BARE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+))?\s*")


# A score with a decimal (4.8, 3.75): a review average, not a class of stars.
_REVIEW_SCORE = re.compile(r"\d+\.\d+")


def rating_level(value: str) -> tuple[str, int] | None:
    """A rating on its own scale as (unit, level): '3 Stars', '★★★', '三つ星', 'Two MICHELIN
    Stars', 'AAA Four Diamond', '4.5', '8/10'. A bare number is a level of 'rating' (of
    'rating/10' when the scale is given); halves round up."""
    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    if not text or len(text) > 60:
        return None
    text = re.sub(r"(?<=\d),(?=\d)", ".", text)  # a decimal comma: 4,7 is 4.7
    if "★" in text:
        return "star", text.count("★")
    asterisks = _ASTERISKS.search(text)
    if asterisks:  # a register's "4*", "****", "Hotel 3* Superior"
        level = int(asterisks.group(1)) if asterisks.group(1) else len(asterisks.group(2))
        return ("star", level) if 0 < level <= 7 else None
    found = _RATED.search(text)
    if found:
        number, unit = found.group(1), found.group(2)
    else:
        after = _RATED_AFTER.search(text)
        if after:
            unit, number = after.group(1), after.group(2)
        else:
            bare = _BARE.fullmatch(text)
            if not bare:
                return None
            level = math.floor(float(bare.group(1)) + 0.5)
            return (f"rating/{bare.group(2)}" if bare.group(2) else "rating"), level
    count = _NUMBERS.get(number)
    level = count if count is not None else math.floor(float(number) + 0.5)
    unit = _UNIT.get(unit.rstrip("s") if unit.isascii() else unit, "rating")
    return (unit, level) if 0 < level <= 100 else None


def rating_label(unit: str, low: int, high: int | None = None) -> str:
    """'3 stars', '2–3 stars', 'rating 4', 'rating 7/10'."""
    level = f"{low}" if high is None else f"{low}–{high}"
    if unit.startswith("rating"):
        scale = unit.partition("/")[2]
        return f"rating {level}" + (f"/{scale}" if scale else "")
    many = high is not None or low != 1
    return f"{level} {unit}{'s' if many else ''}"


def _rating_facts(recs: Records, conf: Confidence) -> Iterator[Fact]:
    """A rating or award column outside hotels (hotels have their tiers): its level on its
    own scale, and the two bands it shares with the levels beside it, so a three-star place
    is nearest the three-star ones, then the two- and four-star ones."""
    if any(_lodging(r) for r in recs):
        return
    for rec in recs:
        found = rating_level(rec.get("rating") or "")
        if not found:
            continue
        unit, level = found
        evidence = f"{rec['rating']} ({_evidence(rec)})"
        # Stars, diamonds, 三つ星: a class a guide awards, a tier. A bare number: a score.
        kind = "score" if unit.startswith("rating") else "tier"
        yield Fact(f"rating:{unit}:{level}", kind, rating_label(unit, level), conf(rec),
                   evidence, rec["source"])
        for low in (level - 1, level):
            if low >= 0:
                yield Fact(f"rating:{unit}:{low}-{low + 1}", kind,
                           rating_label(unit, low, low + 1), conf(rec) * 0.5, evidence,
                           rec["source"])
        return


# A status a directory writes in brackets after the name: "デイサービス桜新町(休止中)",
# "Harbour Cafe [CLOSED]", "Hotel Ambassador (permanently closed)".
_BRACKETED = lazy_pattern(r"[(\[（【]([^()\[\]（）【】]{1,30})[)\]）】]")


# In Japanese, the bracket must be the status alone: "(休業日:月曜)" and "(年末年始休業)" are
# opening days, as "(Closed Sundays)" is.
_CLOSED_BRACKET_JA = lazy_pattern(r"(?:休業|休止|休館|休園|休院|閉店|廃業|閉鎖|閉院|閉館|閉園|廃止|営業終了|"
                                  r"営業休止|一時休業|長期休業|長期休館)中?")


def _status_in_name(rec: dict[str, Any]) -> str | None:
    for fld in ("name", "name_local", "name_en"):
        text = unicodedata.normalize("NFKC", str(rec.get(fld) or ""))
        if "(" in text or "[" in text or "【" in text:
            for part in _BRACKETED.findall(text):
                part = part.strip()
                if is_latin(part):
                    status = business_status(part, whole=True)
                elif _CLOSED_BRACKET_JA.fullmatch(part):
                    status = "closed"
                else:
                    status = None
                if status:
                    return status
    return None


# An account a CRM export calls the user's partner or competitor: no prospect to call.
RELATION_PARTNER = "relation:partner"
_PARTNER_WORDS = lazy_pattern(r"\b(?:partner|competitor|reseller|channel|integrator|vendor|"
                            r"supplier|distributor)s?\b|競合|パートナー|代理店", re.I)


def _relation_facts(recs: Records, conf: Confidence) -> Iterator[Fact]:
    """Where the user's own CRM export says the account is a partner or a competitor (its
    Type), the company is one: listed as no prospect (spider.expand)."""
    from spider.fields import account_relation

    for rec in recs:
        extra = _extra(rec)
        if not extra:
            continue
        relation, said = account_relation(extra, None)
        if relation == "other" and said and _PARTNER_WORDS.search(said):
            yield Fact(RELATION_PARTNER, "relation", "your partner or competitor", conf(rec),
                       f"{said} ({_evidence(rec)})", rec["source"])
            return


def _status_facts(recs: Records, conf: Confidence) -> Iterator[Fact]:
    """Closed or planned, if every record of the company that says anything says so."""
    said = []
    for rec in recs:
        status = business_status(rec.get("operating_status") or "", whole=False) or \
            business_status(rec.get("category") or "", whole=True) or _status_in_name(rec)
        if rec.get("operating_status") or status:  # a record that says nothing does not count
            said.append((status, rec))
    if said and all(status for status, _ in said):
        status, rec = said[0]
        yield Fact(STATUS_CLOSED if status == "closed" else STATUS_PLANNED, "status",
                   "closed" if status == "closed" else "not yet open", conf(rec),
                   f"{rec.get('operating_status') or rec.get('category')} ({_evidence(rec)})",
                   rec["source"])


def _category_facts(recs: Records, conf: Confidence,
                    categories: frozenset[str] = frozenset(),
                    countries: Mapping[str, str] | None = None) -> Iterator[Fact]:
    """A record's own category (a directory's "type": steakhouses, french, REIT ...) is a
    signal like any industry label; lodging categories are handled as hotels. CATEGORIES:
    the ones used on their own (a "Cafe, Catering" is a cafe and a caterer where "Cafe" is a
    category by itself). A register's classification code (NAF 86.23Z, NAICS 621210) says
    its kind of business as well, where the shipped table knows the code."""
    seen: set[str] = set()
    # (a licence that has lapsed says what the business no longer does, where another of its
    # records still stands: a contractor's expired AC licence beside its plumbing one)
    standing = [rec for rec in recs
                if business_status(str(rec.get("operating_status") or ""), whole=False) != "closed"]
    twins, alike = _across_scripts(categories), _said_alike(categories)
    for rec in standing or recs:
        titles: list[str] = []  # the titles code cells give with their codes
        for cell in {str(rec.get(f) or "").strip() for f in ("category", "industry_code")}:
            code, title = code_and_title(cell)
            if title:
                titles.append(title)
            if not code[:1].isdigit() or len(code) > 12:
                continue  # (a code: 86.23Z, 722511, 5611-2/01)
            inferred = (countries or {}).get(rec.get("source") or "") or ""
            known = classified_kind(code, places.country_code(rec.get("country"))
                                    or (inferred if "," not in inferred else None))
            if known and f"category:{known[0]}" not in seen:
                kind, said = known
                seen.add(f"category:{kind}")
                yield Fact(f"category:{kind}", "category", kind[:1].upper() + kind[1:],
                           conf(rec) * CLASSIFIED_KIND, f"{said} ({_evidence(rec)})",
                           rec["source"])
                if f"kind:{kind}" not in seen:
                    # (and the kind, as a category cell that says it has: a register's
                    # bakery by its CNAE meets the one whose name says "Padaria")
                    seen.add(f"kind:{kind}")
                    yield Fact(f"kind:{kind}", "kind", kind, conf(rec) * BROADER_KIND,
                               f"{said} ({_evidence(rec)})", rec["source"])
        # (a cell of code and title, "87100 - Residential nursing care facilities", is
        # filed under its title; a code column's title stands for a category where the row
        # gives none)
        category = code_and_title(str(rec.get("category") or ""))[1] or \
            str(rec.get("category") or "") or (titles[0] if titles else "")
        for place, (key, label) in enumerate(_category_parts(category, categories)):
            twin = twins.get(key)
            if twin:
                key, label = twin, twin
            elif key in alike:
                key = label = alike[key]
            if key not in seen:
                seen.add(key)
                # (the parts a cell names after its first a little less: "Restaurant/Cafe/
                # Canteen" is said a restaurant, "Takeaway/sandwich shop" a takeaway)
                yield Fact(f"category:{key}", "category", label,
                           conf(rec) * (1 - PART_STEP * min(place, 5)), _evidence(rec),
                           rec["source"])
            # The kind of business a finer category is one of: a cosmetic dentist is a
            # dentist, 矯正歯科 an orthodontist and a dentist, so it meets the plain ones (at
            # half the weight of its own category, which its peers of its own kind share).
            # A signal of its own kind, for likeness only: a segment query reads the
            # category's own words, and "dental clinic" is not any clinic.
            for broader, said in _broader_kinds(key):
                wide = f"kind:{broader}"
                if wide not in seen:
                    seen.add(wide)
                    yield Fact(wide, "kind", said, conf(rec) * BROADER_KIND,
                               f"{label} ({_evidence(rec)})", rec["source"])
            # A finer one of a category the lists use alone ("Agriturismo con ristorazione"
            # beside "Agriturismo"; "Pizza Restaurant" beside "Restaurant"): it is one of
            # those too, at FINER_OF_SINGLE.
            for broader in _within_single(key, categories):
                wide = f"category:{broader}"
                if wide not in seen:
                    seen.add(wide)
                    yield Fact(wide, "category", broader[:1].upper() + broader[1:],
                               conf(rec) * FINER_OF_SINGLE, f"{label} ({_evidence(rec)})",
                               rec["source"])


BROADER_KIND = 0.5  # a finer category's broader kind, beside the category itself


@functools.lru_cache(maxsize=8)
def _said_alike(singles: frozenset[str]) -> dict[str, str]:
    """Japanese categories in use that are one word written two ways (寿司, 鮨, すし: each read
    スシ), each -> the one they are keyed as: the vocabulary's first where it lists them, else
    the longest in kanji. A guide's one すし shop had been a business of its own beside its
    16 寿司 shops (and first, by a factor of five, of every sushi query it met). Words that
    sound alike but are two (空手, 柔道) never read alike."""
    from spider.resolve.readings import reading_kana

    by_sound: dict[str, list[str]] = defaultdict(list)
    for word in singles:
        if not is_latin(word) and word not in _LODGING and len(word) <= 12:
            sound = reading_kana(word)
            if len(sound) >= 2:
                by_sound[sound].append(word)
    order = {word: at for at, (word, _) in enumerate(_kind_words()[1])}
    out: dict[str, str] = {}
    for words in by_sound.values():
        if len(words) >= 2:
            first = min(words, key=lambda w: (order.get(w, len(order)), not is_kanji(w[0]), -len(w), w))
            out.update({word: first for word in words if word != first})
    return out


@functools.lru_cache(maxsize=8)
def _across_scripts(singles: frozenset[str]) -> dict[str, str]:
    """A category in Japanese script that another list of the database writes in Latin
    letters, as that one's key and word: where an English directory's "Dentist" and a Japanese
    register's 歯科 are both categories, 歯科 is category:dentist, so a Japanese clinic meets
    the English ones as a peer of its own category, not only of its kind (at a twentieth of
    the weight). Only a word that is the whole of one synonym group's Japanese categories in
    use (空手 and 柔道 both used stay two, whatever the English list says), and never a lodging
    word (旅館 stays the user's own beside the hotels)."""
    latin, other = _kind_words()
    english: dict[str, list[str]] = defaultdict(list)  # a group's head -> its Latin categories
    japanese: dict[str, list[str]] = defaultdict(list)
    for word in singles:
        if word in _LODGING:
            continue
        if is_latin(word):
            if word in latin:
                english[latin[word]].append(word)
            continue
        head = next((head for said, head in other if said == word), None)
        if head is not None:
            japanese[head].append(word)
    # (one word on each side: "Dentist" and "Dental" both used are two of the English list's)
    return {said[0]: english[head][0] for head, said in japanese.items()
            if len(said) == 1 and len(english.get(head, ())) == 1 and head not in _LODGING}


# A register's classification code read as its kind (86.23Z a dentist): the register's own
# word for the trade, a little below a category a directory writes in words.
CLASSIFIED_KIND = 0.9
_NACE_CODE = lazy_pattern(r"(\d{2})\.(\d{2})(?:\.\d{1,2}){0,2}([A-Z])?")
_CNAE_CODE = lazy_pattern(r"(\d{2})\.?(\d{2})-(\d)(?:[/-](\d{2}))?")
# A US Health Care Provider Taxonomy code (NUCC), as NPPES files each provider under:
# 1223G0001X, 207Q00000X.
_NUCC_CODE = lazy_pattern(r"\d{3}[0-9A-Z]{6}X")
_NAICS_COUNTRIES = frozenset({"US", "CA", "MX"})


@functools.cache
def _industry_classes() -> dict[tuple[str, str], tuple[str, str]]:
    """The shipped table of classification codes a kind of business is filed under:
    (scheme, code) -> (the vocabulary's kind, the classification's own title)."""
    from spider.data import read_text

    return {(row["scheme"], row["code"]): (row["kind"], row["title"])
            for row in csv.DictReader(read_text("industry_classes.csv").splitlines())}


# A classification code and its title in one cell, as registers export them: "87100 - Residential
# nursing care facilities", "4721-1/02 - Padaria e confeitaria ...", "56.10A Restauration
# traditionnelle", "722511: Full-Service Restaurants".
# (Four digits at least: not "24/7 gym", "3D printing"; a bare number before words only of
# five digits or with a code's dots or slashes: not "1905 Restaurant".)
_CODE_AND_TITLE = re.compile(r"\s*(\d[\dA-Za-z./\-]{1,11}?)\s*([-–—:]\s*|\s+)([^\W\d_].*)")


def code_and_title(cell: str) -> tuple[str, str]:
    """A cell's classification code and its title ("87100 - Residential nursing care
    facilities": "87100", "Residential nursing care facilities"); a bare code is the code and
    no title, a cell of words none and no code."""
    text = unicodedata.normalize("NFKC", cell).strip()
    found = _CODE_AND_TITLE.fullmatch(text)
    if found:
        code = found[1].rstrip(".-/")
        digits = sum(ch.isdigit() for ch in code)
        if digits >= 4 and (found[2].strip() or digits >= 5 or any(c in code for c in "./")):
            return code, found[3].strip()
    return (text, "") if text[:1].isdigit() else ("", "")


@functools.lru_cache(maxsize=4096)
def classified_kind(code: str, country: str | None = None) -> tuple[str, str] | None:
    """The kind of business a register's classification code files it under, and what
    the code says (kind, "NACE 86.23 Dental practice activities"), or None where the
    shipped table does not know it. A code is read by its shape and the row's COUNTRY:
    dotted (NAF 86.23Z, ATECO 56.10.11, WZ 56.10.0) or four digits a NACE class; five a
    UK SIC or SBI code (a NACE class and a digit); six a NAICS or SCIAN code (in North
    America, or where no country is said); Brazil's CNAE with its check digit
    (5611-2/01); a US provider taxonomy code (NUCC 1223G0001X). A four-digit code in the US
    is a SIC of 1987, not read."""
    table = _industry_classes()
    raw = unicodedata.normalize("NFKC", code).strip().upper().replace(" ", "")

    def found(scheme: str, key: str, name: str) -> tuple[str, str] | None:
        row = table.get((scheme, key))
        return (row[0], f"{name} {key} {row[1]}") if row else None

    if _NUCC_CODE.fullmatch(raw):
        return found("nucc", raw, "NUCC")
    cnae = _CNAE_CODE.fullmatch(raw)
    if cnae is None and country == "BR" and raw.isdigit() and len(raw) == 7:
        cnae = _CNAE_CODE.fullmatch(f"{raw[:4]}-{raw[4]}/{raw[5:]}")
    if cnae:
        whole = f"{cnae[1]}{cnae[2]}-{cnae[3]}"
        return (found("cnae", f"{whole}/{cnae[4]}", "CNAE") if cnae[4] else None) or \
            found("cnae", whole, "CNAE")
    nace = _NACE_CODE.fullmatch(raw)
    if nace:
        return (found("naf", f"{nace[1]}.{nace[2]}{nace[3]}", "NAF") if nace[3] else None) \
            or found("nace", f"{nace[1]}.{nace[2]}", "NACE")
    if not raw.isdigit() or country == "BR":
        return None
    if len(raw) == 6 and (country is None or country in _NAICS_COUNTRIES):
        # (SCIAN's sixth digit parts a NAICS industry: 621211 is within 621210)
        return found("naics", raw, "NAICS") or found("naics", raw[:5] + "0", "NAICS")
    if len(raw) == 5 and country not in _NAICS_COUNTRIES:
        return (found("uksic", raw, "SIC") if country == "GB" else None) or \
            found("nace", f"{raw[:2]}.{raw[2:4]}", "NACE")
    if len(raw) == 4 and country not in _NAICS_COUNTRIES:
        return found("nace", f"{raw[:2]}.{raw[2:]}", "NACE")
    return None
# A finer category's share of the plain one it names: enough that one in the client's own town
# (x2, spider.expand.PLACE_BONUS) comes before the plain kind elsewhere in the country (x1.1),
# never before the plain kind in the client's town or region.
FINER_OF_SINGLE = 0.6


@functools.lru_cache(maxsize=1 << 14)
def _within_single(key: str, singles: frozenset[str]) -> tuple[str, ...]:
    """The categories used alone (SINGLES) that category KEY begins or ends with, word for
    word: 'agriturismo con ristorazione' -> agriturismo; 'pizza restaurant' -> restaurant."""
    words = key.split()
    if len(words) < 2 or not singles:
        return ()
    cuts = [" ".join(words[:i]) for i in range(1, len(words))]
    cuts += [" ".join(words[i:]) for i in range(1, len(words))]
    return tuple(c for c in dict.fromkeys(cuts) if len(c) >= 3 and c in singles)


@functools.cache
def _kind_words() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """The shipped vocabulary's words for kinds of business, each with its group's English
    head word (dentist, dental, 歯科 -> dentist): English words, and Japanese ones (two
    characters or more, longest first)."""
    from spider.query import fold_query, shipped_synonym_groups

    latin: dict[str, str] = {}
    other: list[tuple[str, str]] = []
    for group in shipped_synonym_groups():
        head = fold_query(group[0])
        if not head or not head.isascii():
            continue
        for word in map(fold_query, group):
            if word and is_latin(word):  # (bäckerei, pâtisserie: Latin letters too)
                latin.setdefault(word, head)
                latin.setdefault(strip_accents(word), head)  # a name written without: panaderia
            elif len(word) >= 2:
                other.append((word, head))
    other.sort(key=lambda item: -len(item[0]))
    return latin, tuple(other)


@functools.lru_cache(maxsize=4096)
def kind_of_category(key: str) -> str | None:
    """The vocabulary's kind a category names by its whole name ("clinique dentaire",
    美容室, ヘアサロン: dentist, beauty salon); None where it names none."""
    from spider.query import fold_query

    latin, other = _kind_words()
    folded = fold_query(key)
    return latin.get(folded) or latin.get(strip_accents(folded)) or \
        next((head for word, head in other if word == folded), None)


def category_kinds(signals: Iterable[str]) -> set[str]:
    """The vocabulary's kinds the category signals among SIGNALS name by their whole names
    (category:clinique dentaire, category:centre dentaire: dentist)."""
    return {kind for signal in signals if signal.startswith("category:")
            and (kind := kind_of_category(signal.split(":", 1)[1]))}


def kind_words_latin() -> frozenset[str]:
    """The shipped vocabulary's words for kinds of business in Latin letters (folded)."""
    return frozenset(_kind_words()[0])


# (and as Italian, Spanish, Portuguese, French and German registers say it: ATECO's "Bar e
# altri esercizi simili senza cucina" is no kitchen's business)
_SERVICE_CLAUSE = re.compile(r"\s+(?:with|without|for|except|excluding|senza|con|sin|sem|com|"
                             r"sans|avec|ohne|mit)\s+")
_SERVICE_WORDS = frozenset({"service", "services", "provider", "providers", "facility",
                            "facilities"})


@functools.lru_cache(maxsize=1 << 14)
def _broader_kinds(key: str) -> tuple[tuple[str, str], ...]:
    """The vocabulary's kinds of business a category (folded) is a finer one of: the head
    word of an English one ("cosmetic dentist", "pediatric dentists" -> dentist; a
    directory's "Accountants-Certified Public" -> its word before the hyphen), any kind named
    inside a Japanese one (歯科医院 -> clinic, dentist; 矯正歯科, itself orthodontist ->
    dentist); a plural meets its singular (dentists -> dentist); a category that is itself
    such a word is of its own kind (dentist -> dentist). Each as (the kind's English head
    word, the word as the category says it: 歯科)."""
    latin, other = _kind_words()
    own = latin.get(key) or next((head for word, head in other if word == key), None)
    found: dict[str, str] = {}
    if key.isascii():
        first = key.split("-", 1)[0].strip()
        # A register's service label says its kind before what it offers or not ("care
        # home service with nursing", "homecare agencies for children"): the kind before it.
        text = _SERVICE_CLAUSE.split(first if "-" in key and " " not in first else key, 1)[0]
        words = re.findall(r"[a-z]+", text)
        while len(words) > 1 and words[-1] in _SERVICE_WORDS:
            words.pop()
        head = words[-1] if words else ""
        pair = " ".join(words[-2:]) if len(words) >= 2 else ""
        for form in (head, head[:-1] if head.endswith("s") and not head.endswith("ss") else "",
                     pair):  # (a "care home": the two words are the kind)
            if form and form in latin:
                found[latin[form]] = latin[form]
                break
        else:
            # French, Spanish and Italian put the head first ("Cucina milanese", "Cocina
            # vasca"): such a head word first, where the last is no kind (an English "dental
            # supplies" or "restaurant equipment" is no dentist or restaurant).
            if len(words) >= 2 and words[0] in _HEAD_FIRST and words[0] in latin:
                found[latin[words[0]]] = latin[words[0]]
    else:
        for word, head in other:
            if word in key:
                found.setdefault(head, word)
    if own is not None:  # a plain 'Dentist' is of its kind too, so the finer ones meet it
        found = {own: key, **found}
    if key in _CUISINES or _EATERIES & found.keys():
        # A guide's cuisine ("Sushi", "French", 和食) is a kind of restaurant: "restaurant in
        # Tokyo" is every one of them.
        found.setdefault("restaurant", "restaurant")
    return tuple(found.items())


# Kinds of eatery the vocabulary names, and the cuisines a restaurant guide files under.
_EATERIES = frozenset({"sushi", "ramen", "tonkotsu", "tsukemen", "chuka soba", "soba", "udon",
                       "tempura", "yakitori", "izakaya", "kaiseki", "teppanyaki", "yakiniku",
                       "tonkatsu", "pizzeria", "steakhouse", "bistro", "trattoria", "osteria",
                       "diner"})
_CUISINES = frozenset({
    "french", "italian", "japanese", "chinese", "thai", "indian", "mexican", "korean",
    "vietnamese", "spanish", "greek", "turkish", "lebanese", "american", "mediterranean",
    "seafood", "vegetarian", "vegan", "fusion", "tapas", "dim sum", "noodles", "burger",
    "burgers", "bbq", "barbecue", "steak", "modern european", "contemporary", "creative",
    "和食", "洋食", "中華", "中華料理", "フレンチ", "イタリアン", "日本料理", "フランス料理",
    "イタリア料理", "スペイン料理", "韓国料理", "割烹", "そば", "うどん", "焼鳥", "焼肉", "鮨", "寿司"})


# Words of the vocabulary that say what kind a business is, not what it is (a private school
# is a school, a children's hospital a hospital): never a kind of their own in a name.
_QUALIFIERS = frozenset({"private", "public", "national", "municipal", "prefectural", "children",
                         "pediatric", "science", "history", "natural history"})
# Kind words that are as often part of a place's name ("Holly Bank", "Clover Park"), as the
# qualifier before a name's kind.
_PLACE_NAME_WORDS = frozenset({"bank", "park", "station", "garden", "gardens", "court",
                               "hill", "bridge", "tower", "lodge", "house", "hall", "market"})
NAME_KIND = 0.5  # a kind read from a name, where the directory says none
NAME_KIND_EVIDENCE = "in the name ("  # how such a link's evidence says so (spider.query reads it)


def _name_kind_facts(recs: Records, conf: Confidence) -> Iterator[Fact]:
    """Where no record says what the business is (a member list, a register of names and
    addresses), its name often does: 'Boston Family Dental', '梅田歯科クリニック'. Each name's
    head kind (the last kind word of the vocabulary in it) and the one just before it
    (a 'Dental Clinic' is a dentist and a clinic), at half a category's weight."""
    seen: set[str] = set()
    for rec in recs:
        for name in _names([rec]):
            for head, said in _kinds_in_name(name):
                if head not in seen:
                    seen.add(head)
                    yield Fact(f"kind:{head}", "kind", said, conf(rec) * NAME_KIND,
                               f"'{said}' {NAME_KIND_EVIDENCE}{_evidence(rec)})", rec["source"])


_LATIN_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['\-](?=[^\W\d_]))*")


@functools.lru_cache(maxsize=1 << 16)  # a register repeats its trade words, not its names
def _kinds_in_name(name: str) -> tuple[tuple[str, str], ...]:
    """The kinds of business a name says, as (head word, the word as the name says it): the
    last one in it and a qualifying one joined to it ('Dental Clinic', '歯科クリニック'). A
    Latin word counts whole ('Parkside' is no park); a katakana one where its run of katakana
    starts or ends, a short one only as the whole run (ジャパン holds no パン); a Japanese word
    has two characters or more."""
    from spider.query import fold_query

    latin, other = _kind_words()
    text = fold_query(name)
    found: list[tuple[int, int, str, str]] = []  # start, end, head, as said
    if is_latin(text):
        # "Zoo and Aquarium", "Bar & Grill": both, as joined words; "Bodegas Bilbaínas",
        # "Boulangerie Poilâne" in their letters
        words = [w for w in _LATIN_WORD.findall(text) if w != "and"]
        at = 0
        while at < len(words):
            for size in (3, 2, 1):
                if at + size > len(words):
                    continue
                phrase = " ".join(words[at:at + size])
                head = latin.get(phrase) or latin.get(phrase.removesuffix("s"))
                if head:
                    found.append((at, at + size, head, phrase))
                    at += size
                    break
            else:
                at += 1
    else:
        taken = bytearray(len(text))
        for word, head in other:  # longest first: 歯科医院 before 医院
            start = text.find(word)
            while start >= 0:
                end = start + len(word)
                # A katakana word starts or ends its run (ホテルニューオータニ,
                # ジャパンベーカリー); a short one is the whole run (ジャパン holds no パン).
                joined = (start > 0 and is_katakana(text[start - 1]),
                          end < len(text) and is_katakana(text[end]))
                whole = (not is_katakana(word[0]) or not any(joined)
                         or (len(word) >= 3 and not all(joined)))
                if whole and not any(taken[start:end]):
                    taken[start:end] = b"\x01" * len(word)
                    found.append((start, end, head, word))
                start = text.find(word, end)
    found = sorted(f for f in found if f[2] not in _QUALIFIERS)
    if not found:
        return ()
    last = found[-1]
    out = [(last[2], last[3])]
    # (the word before names a second kind, as "Dental" of "Dental Clinic" does, unless it is
    # a word places are named by: Holly Bank Rest Home, Tokyo Park Hotel, Station Hotel)
    before = [f for f in found if f[1] == last[0] and f[2] != last[2]
              and f[3] not in _PLACE_NAME_WORDS]
    if before:
        out.append((before[-1][2], before[-1][3]))
    return tuple(out)


# Separators that always part a category cell ("Bar; Grill", "Cafe / Bakery", 美容室、ネイル;
# not the slash of "24/7 gym").
# (and a Japanese list's 「・」 where a word in kanji stands on either side of it,
# 一般歯科・小児歯科, 一般歯科・インプラント, or a space between Japanese words, 一般歯科
# 小児歯科; the 「・」 between two katakana words parts them only as "&" does (_JOINED):
# カフェ・バー is one kind unless the directory lists カフェ alone)
_HARD_PARTS = re.compile(r"\s*[;|、]\s*|(?<!\d)\s*/\s*|\s*/\s*(?!\d)|(?<![\u30a0-\u30ff])\s*・\s*|\s*・\s*(?![\u30a0-\u30ff])"
                         r"|(?<=[\u3040-\u30ff\u4e00-\u9fff])\s+(?=[\u3040-\u30ff\u4e00-\u9fff])")
# Separators that part one only where the parts are kinds of business ("Cafe, Catering", "Cafe &
# Catering", "Elektroinstallation, Gebäudetechnik"), not inside one ("Bed & Breakfast", "Arts,
# Crafts"): a comma (`_soft_parts`), and these, in the words of English, German, French,
# Spanish, Italian and Dutch lists.
# (and a hyphen between two words that are each a kind: "Boulangerie-pâtisserie")
_JOINED = re.compile(r"\s*[&+・]\s*|\s+(?:and|und|et|y|e|en)\s+|(?<=\w)-(?=\w)", re.I)


@functools.lru_cache(maxsize=1 << 14)
def _category_parts(category: str, singles: frozenset[str] = frozenset()
                    ) -> tuple[tuple[str, str], ...]:
    """A category value's parts as (key, label): 'Bar; Grill' -> bar, grill; 'Cafe, Catering'
    or 'Cafe & Catering' -> cafe, catering where one part is a category a directory uses on
    its own (SINGLES: `single_categories`) or every part is a kind of business the vocabulary
    knows (one value of a directory's few, so worked out once)."""
    out = []
    raw = unicodedata.normalize("NFKC", category).strip()
    # (a code with its own slash, Brazil's CNAE "1091-1/02 - Fabricação de produtos de
    # padaria", is read before the cell is parted at slashes)
    coded_whole = _CODED_LABEL.fullmatch(raw) if "/" in raw.split(" ", 1)[0] else None
    raw = _unbracketed(coded_whole.group(1) if coded_whole else raw)
    hard = _HARD_PARTS.split(raw)
    if len(hard) >= 2 and any(part.strip().lower() in _BARE_HEADS for part in hard):
        hard = [raw]  # "Cosmetology Salon/Shop" is one kind, not a kind called Shop
    for whole in hard:
        # A register's code before its label ("56101 - Licensed restaurants", a SIC text):
        # the label is the kind of business.
        coded = _CODED_LABEL.fullmatch(whole)
        whole = coded.group(1) if coded else whole
        for part in _soft_parts(_QUALIFIER.sub("", whole).strip() or whole, singles):
            key = part.lower()
            # The English lodging words are the hotel category itself; a Japanese one (旅館)
            # stays the user's own word beside it.
            # (a register's label may run long: SIC 70229 "Management consultancy activities
            # other than financial management" is 66 letters; a sentence of 100 is no kind)
            if (not key or (key in _LODGING and key.isascii()) or len(key) > 100
                    or business_status(part, whole=True) or names_no_kind(part)):
                continue
            # (keyed without accents in Latin letters: a register writing "preparación" on
            # most rows and "preparacion" on some names one kind)
            out.append((_place_word(key) if not key.isascii() else key,
                        _enum_label(part)))  # large_airport, MEDICAL_PRACTICE
    return tuple(dict.fromkeys(out))


# Words that say no kind alone, only as the head of one before them ("Salon/Shop").
_BARE_HEADS = frozenset({"shop", "shops", "store", "stores", "office", "offices", "business",
                         "company", "service", "services", "centre", "center", "studio"})
# Words that head a French, Spanish or Italian category from its front.
_HEAD_FIRST = frozenset({"cucina", "cocina", "trattoria", "osteria", "ristorante", "restaurante",
                         "boulangerie", "pâtisserie", "farmacia", "pharmacie", "clinique",
                         "clinica", "clínica", "panadería", "panificio", "macelleria",
                         "boucherie", "carnicería", "cabinet", "bufete", "agriturismo",
                         "masseria", "albergo", "pensione", "gîte", "gite"})
# A classification's qualifier in brackets: "Development of software and applications
# (except games and cybersecurity)" is a software house.
_QUALIFIER = lazy_pattern(r"\s*\((?:except|excluding|excl\.?|including|incl\.?|other than|"
                        r"not elsewhere classified|n\.?e\.?c\.?|e\.g\.?|such as|without|"
                        r"with or without|sauf|hors|außer|ohne|excepto|salvo|escluso)\b[^)]*\)",
                        re.I)
# (a register's code: "56101 - Licensed restaurants", a licence class "C36 - PLUMBING",
# "B - GENERAL BUILDING CONTRACTOR"; not "24-Hour", nor a word: "BBQ - Korean")
_CODED_LABEL = lazy_pattern(r"(?:[0-9][0-9A-Za-z.]{1,9}|\d[\d./-]{1,11}\d|[A-Z]\d{0,4}|[A-Z]{2}\d{1,4})"
                          r"(?:\s+[-–]\s+|\s*:\s+)(\D.*)")


# A label written as prose ("Beer, Wine, and Liquor Stores"): its commas list one kind's
# goods, never tags.
# A list in brackets after a kind (寿司（京寿司・鯖寿司）, "Restaurant (Italian, Pizza)"), not a
# classification's qualifier ("(except games)": _QUALIFIER).
_LISTED_IN_BRACKETS = re.compile(r"\s*\(((?![^()]*\b(?:except|excl|incl|other than|such as|"
                                 r"e\.g)\b)[^()]*[;/|、・,][^()]*)\)\s*$", re.I)


def _unbracketed(value: str) -> str:
    """A category cell (NFKC) with a list in brackets after its kind read as parts after
    it: 寿司(京寿司・鯖寿司) -> 寿司; 京寿司・鯖寿司 (it had been parted inside the brackets,
    "寿司(京寿司" a kind of its own)."""
    found = _LISTED_IN_BRACKETS.search(value)
    if not found or not value[:found.start()].strip():
        return value
    return f"{value[:found.start()].strip()}; {found.group(1).strip()}"


_PROSE_LIST = re.compile(r",\s*(?:and|or|&|und|et|y|e)\s", re.I)


def _soft_parts(value: str, singles: frozenset[str]) -> list[str]:
    """A cell's parts: by its commas where they part kinds, then each part by "&", "+" or
    "and" where that parts kinds ("Cafe, Bed & Breakfast": cafe, and bed & breakfast)."""
    commas = [p.strip() for p in value.split(",") if p.strip()]
    parts = commas if len(commas) >= 2 and not _PROSE_LIST.search(value) and _parts_kinds(
        commas, singles, most=True) else [value]
    out: list[str] = []
    for part in parts:
        pieces = [p for p in _JOINED.split(part) if p]
        out += pieces if len(pieces) >= 2 and _parts_kinds(pieces, singles) else [part]
    return out


def _parts_kinds(parts: list[str], singles: frozenset[str], *, most: bool = False) -> bool:
    """Whether PARTS are kinds of business: one a category used alone (SINGLES), or each one
    the vocabulary knows (MOST: more than half of them, as in a list of a business's
    categories, "Restaurants, Pizza, Italian")."""
    keys = [p.lower() for p in parts]
    latin, _ = _kind_words()
    known = sum(1 for k in keys if k in latin or k.removesuffix("s") in latin)
    return any(k in singles for k in keys) or known == len(keys) or (
        most and len(keys) >= 3 and known * 2 > len(keys))



def single_categories(db: Database) -> frozenset[str]:
    """The categories (folded) the active records use on their own, not as one of a cell's
    parts joined by a comma or "&": what tells "Cafe, Catering" (two kinds where "Cafe" is a
    category of its own) from "Bed & Breakfast" (one)."""
    out: set[str] = set()
    tags: dict[str, int] = defaultdict(int)  # a comma list's part -> the lists it is in
    for (value,) in db.execute("select distinct category from records where "
                               "coalesce(category, '') != '' and coalesce(status, 'active') = "
                               "'active'"):
        for part in _HARD_PARTS.split(_unbracketed(unicodedata.normalize("NFKC", value).strip())):
            if part and "," not in part and not _JOINED.search(part):
                out.add(part.lower())
            elif "," in part and not _PROSE_LIST.search(part):
                for tag in {p.strip().lower() for p in part.split(",")}:
                    tags[tag] += 1
    # A part found in several comma lists is a tag a directory gives alone ("General
    # Practice, Dentistry" and "General Practice, Surgery": a services column), where a
    # name's comma ("Arts, Crafts") is in one value only.
    out |= {tag for tag, lists in tags.items()
            if lists >= 2 and tag and len(tag.split()) <= 4 and not any(c.isdigit() for c in tag)}
    return frozenset(out)


def _capacity(extra: dict[str, Any]) -> tuple[str, str] | None:
    """What a business holds by a column counting it (客室数 28, Number of Certified Beds
    153, Total Capacity 62) as (what, band): its size beside its peers, as employees are."""
    for header, value in extra.items():
        unit = _capacity_unit(header)
        if not unit:
            continue
        count = _count(value)
        if count is None:
            continue
        for upper, band in ((10, "1-9"), (30, "10-29"), (100, "30-99"), (300, "100-299")):
            if count < upper:
                return unit, band
        return unit, "300+"
    return None


def _count(value: Any) -> int | None:
    """The whole number a cell counts: "1.200.000" and "1,234" in groups of three are a
    thousands-separated count, "12,5" and "12.5" a decimal one (12)."""
    number = re.search(r"\d[\d,.]*", unicodedata.normalize("NFKC", str(value or "")))
    if not number:
        return None
    parts = re.split(r"[,.]", number.group(0).rstrip(",."))
    if len(parts) > 1 and not all(len(part) == 3 for part in parts[1:]):
        parts = parts[:-1]  # a decimal part
    return int("".join(parts))


@functools.lru_cache(maxsize=4096)
def _capacity_unit(header: str) -> str | None:
    return CAPACITY_HEADERS.get(fold_header(header))


def _employee_band(value: Any) -> str | None:
    """The band of an employees cell, read by its first count: a range ("10-49", "1,000 to
    4,999") by its lower bound, "1.234" and "1,234" as a thousand and more."""
    count = _count(value)
    if count is None:
        return None
    # (a list's band "250-999" is nearer its middle than its lower bound: 300-999, not 50-299)
    span = re.fullmatch(r"\s*([\d.,]+)\s*(?:-|–|to|bis|à|a|～|〜|~)\s*([\d.,]+)\s*\S*\s*", str(value))
    if span:
        upper_count = _count(span.group(2))
        if upper_count and upper_count > count:
            count = (count + upper_count) // 2
    for upper, label in _EMPLOYEE_BANDS:
        if count < upper:
            return label
    return _LARGEST_BAND


def _industry_facts(recs: Records, curated: Curated, conf: Confidence) -> Iterator[Fact]:
    for rec in recs:
        code_key = str(_extra(rec).get("securities_code") or _extra(rec).get("ticker") or "")
        for row in curated.company_groups.get(code_key, []) if code_key else []:
            if row.get("name") and row["name"] != rec.get("name"):
                continue  # the curated row names another company: a stale code, not a link
            yield Fact(f"group:{_fold_name(row['group'])}", "group", row["group"], conf(rec),
                       f"curated: {row.get('source') or seeds.COMPANY_GROUPS}",
                       seeds.COMPANY_GROUPS)
        for row in curated.company_concepts.get(code_key, []) if code_key else []:
            yield Fact(f"concept:{row['concept']}", "concept", concept_label(row["concept"]),
                       conf(rec), f"curated: {row.get('source') or seeds.COMPANY_CONCEPTS}",
                       seeds.COMPANY_CONCEPTS)
    for rec in recs:
        scheme = (rec.get("industry_scheme") or "").strip().lower()
        code = (rec.get("industry_code") or "").strip()
        label = (rec.get("industry_label") or "").strip()
        extra = _extra(rec)
        if not scheme and not (code or label):
            continue
        scheme = scheme or "directory"
        if scheme == "jpx33" and code and code != "-":
            info = curated.jpx33.get(code, {})
            en = info.get("label_en") or extra.get("industry_label_en") or ""
            ja = info.get("label_ja") or label
            text = f"{en} ({ja})" if en and ja else (en or ja or code)
            yield Fact(f"industry:jpx33:{code}", "industry", text, conf(rec),
                       f"JPX 33-industry {code}, {_evidence(rec)}", rec["source"])
            concepts = curated.concepts.get(("jpx33", code.lower()), [])
            j17 = extra.get("jpx17_code") or extra.get("17業種コード")
            if j17 and j17 != "-":
                j17_label = extra.get("jpx17_label") or extra.get("17業種区分") or j17
                yield Fact(f"sector:jpx17:{j17}", "sector", f"TOPIX-17 {j17_label}", conf(rec),
                           _evidence(rec), rec["source"])
        elif label:
            label = _enum_label(label)
            yield Fact(f"industry:{scheme}:{label.lower()}", "industry", label, conf(rec),
                       f"{scheme.upper()} {label}, {_evidence(rec)}", rec["source"])
            concepts = curated.concepts.get((scheme, label.lower()), [])
            sector = extra.get("gics_sector") or extra.get("GICS Sector")
            if sector:
                yield Fact(f"sector:{scheme}:{sector.lower()}", "sector", f"{sector} sector",
                           conf(rec), _evidence(rec), rec["source"])
        else:
            concepts = []
        for concept in concepts:
            yield Fact(f"concept:{concept}", "concept", concept_label(concept), conf(rec) * 0.9,
                       f"industry crosswalk from {scheme} {code or label}", rec["source"])


def _enum_label(value: str) -> str:
    """A CRM's or a data set's enumerated value as words: HubSpot's MEDICAL_PRACTICE ->
    Medical practice, large_airport -> large airport; anything else as it is."""
    if " " in value or "_" not in value:
        return value
    words = value.replace("_", " ")
    return words[:1] + words[1:].lower() if value.isupper() else words


_CONCEPT_LABELS = {"hotels_lodging": "hotel & lodging", "hotel_operator": "hotel operator",
                   "hotel_reit": "hotel REIT", "automobiles_transport_equipment":
                   "automotive & transport equipment"}


def concept_label(concept: str) -> str:
    if concept in _CONCEPT_LABELS:
        return _CONCEPT_LABELS[concept]
    return concept.replace("_reit", " REIT").replace("_", " ")


# A listed corporation competes nationally: sharing its head office's city or district with
# another firm says less than it does for a hotel or a shop, which compete on the street.
FIRM_LOCAL_PLACE = 0.5


def _place_facts(recs: Records, conf: Confidence, district_radius_km: float,
                 countries: Mapping[str, str]) -> Iterator[Fact]:
    seen: set[str] = set()
    # (a market's classification or a securities code says a listed firm; a register's
    # number does not: every pharmacy has its Partita IVA, every Dutch shop its KvK-nummer)
    firm = any(r.get("industry_scheme") or _extra(r).get("securities_code")
               or _extra(r).get("ticker") for r in recs)

    def local_conf(rec: dict[str, Any]) -> float:
        return conf(rec) * (FIRM_LOCAL_PLACE if firm else 1.0)

    def once(fact: Fact) -> Iterator[Fact]:
        if fact.signal not in seen:
            seen.add(fact.signal)
            yield fact

    for rec in recs:
        ev = _evidence(rec)
        country = places.country_code(rec.get("country"))
        # the file's country, from its regions (of two, the one that has this row's region)
        inferred = countries.get(rec.get("source") or "")
        if inferred and "," in inferred:
            inferred = _file_country(inferred, rec.get("region")
                                     or places.address_tail(rec.get("address") or ""))
        pref_raw, city_raw, city_ward = None, rec.get("city"), None
        address_district = None  # a neighbourhood the address names before its town
        city_label = ward_label = None  # English names of a city and ward keyed in Japanese
        if rec.get("address"):
            pref_raw, addr_city = places.split_japanese_address(rec["address"])
            if pref_raw:
                country = country or "JP"
                city_raw = city_raw or addr_city
                city_ward = _city_ward(rec["address"], addr_city)
        region_text = rec.get("region") or pref_raw
        # A French list's département where its region would be ("75 - Paris", "Rhône", 69),
        # or only a postcode: the département is the area, its region the region (a Paris
        # bakery had been in three places: "75 - Paris", "75" and "Paris").
        french_area = None
        said_country = country or (inferred if inferred and "," not in inferred else None)
        if said_country == "FR":
            found_dept = places.departement(region_text) if region_text else \
                places.departement_of_postcode(str(rec.get("postal_code") or ""))
            found_region = places.gazetteer().region(found_dept[1]) if found_dept else None
            if found_dept and found_region is not None:
                french_area, region_text = found_dept[0], found_region.name
        if not region_text and rec.get("address") and country in (None, "JP"):
            region_text = places.prefecture_in_text(rec["address"])
            if region_text:
                country = "JP"
                # "1-1-3 Umeda, Kita-ku, Osaka": the city and ward 大阪府大阪市北区 names.
                latin = places.latin_japanese_city(
                    rec["address"], places.prefectures()[places.place_key(region_text)][0])
                if latin is not None and not city_raw:
                    city_raw, city_label = latin.city, latin.label
                    city_ward, ward_label = latin.ward, latin.ward_label
        if not region_text and rec.get("address") and is_latin(rec["address"]):
            # "500 E 4th St, Austin, TX 78701, USA": the address says what the columns lack.
            said = places.place_in_address(rec["address"], country or inferred)
            country = country or said.country
            if said.region is not None:
                region_text = said.region.name
            if said.district and not rec.get("district"):
                address_district = said.district
            city_raw = city_raw or said.city
        split = places.city_and_arrondissement(city_raw) if city_raw else None
        if split is None and city_raw and (country or inferred) == "FR":
            # ("Paris" at 75011, or a town column of "75011": Paris, in its 11th)
            split = places.arrondissement_of_postcode(city_raw, rec.get("postal_code"))
        if split:  # "LYON 2EME ARRONDISSEMENT" is Lyon, in its 2nd arrondissement
            city_raw = split[0]
            if not rec.get("district"):
                address_district = split[1]
        # The file's country, where the row's own columns say none (a Spanish list's
        # provinces, which the gazetteer does not hold: Barcelona is ES-Barcelona).
        # (every row: a town of another country's name is more often a namesake, Paris in
        # a Texas list, than a foreign row)
        country = country or inferred or None
        region_code, region_label = None, None
        if region_text:
            pref = places.prefectures().get(places.place_key(region_text))
            region = None if pref else places.region_of(region_text, country or inferred)
            if pref and (country in (None, "JP")):
                country = "JP"
                region_code, region_label = pref
            elif region:  # "TX", "Texas", "US-TX" are one region; "Bayern" is Bavaria
                country = country or region.country
                region_code, region_label = region.code, region.name
            else:
                # A region the gazetteer does not hold, keyed by its letters whatever their
                # case or accents ("Cádiz", "CADIZ" and "Cadiz" are one province)
                region_label = region_text.strip()
                region_code = f"{country or 'XX'}-{_region_key(region_label)}"
        if city_raw and not region_code and country and country != "JP":
            # A list of towns with no state or Land column: the region its town is in,
            # where its name is one region's alone (GeoNames' towns of 1,000 people or more).
            found = places.region_of_town(city_raw, country)
            if found is None:
                # (a name several regions have, Brooklyn: the one most of its list's towns are in)
                usual = countries.get(_REGION_OF_SOURCE + str(rec.get("source") or ""))
                if usual and usual in places.regions_of_town(city_raw, country):
                    found = places.gazetteer().region(usual)
            if found is not None:
                region_code, region_label = found.code, found.name
        if city_raw and not region_code:
            pref = places.prefectures().get(places.place_key(city_raw))
            if pref and country in (None, "JP"):  # "Tokyo" given as a city
                country, (region_code, region_label) = "JP", pref
                city_raw = None
            elif country in (None, "JP") and (
                    places.tokyo_wards().get(places.place_key(city_raw))
                    and (country == "JP" or not is_latin(city_raw) or "-ku" in city_raw.lower())):
                # A Tokyo ward as the city (千代田区, Chiyoda-ku; Chiyoda in a Japanese list):
                # it is in Tokyo.
                country = "JP"
                region_code, region_label = places.prefectures()[places.place_key("Tokyo")]
            elif country in (None, "JP") and not is_latin(city_raw):
                # A 市区町村 column with no prefecture column (熱海市, 足柄下郡箱根町): the
                # prefecture its municipality is in, where the name is one prefecture's.
                known = places.jp_municipality(city_raw.strip())
                if known is not None:
                    pref = places.prefectures()[places.place_key(known[0])]
                    country, (region_code, region_label) = "JP", pref
                    city_raw = known[1]
        if city_raw and country == "JP" and not is_latin(city_raw):
            city_raw = places.jp_town(city_raw.strip())  # 吾妻郡草津町 is 草津町
        if country:
            yield from once(Fact(f"place:country:{country}", "country",
                                 places.country_name(country), conf(rec), ev,
                                 rec["source"]))
        if region_code:
            yield from once(Fact(f"place:region:{region_code}", "region", str(region_label),
                                 conf(rec), ev, rec["source"]))
        area = _area_of(rec, city_raw, country) or french_area
        if area and (region_code or country):
            # A county, local authority or Landkreis: nearer than the region, wider than the
            # town (Königsbrunn and Gersthofen are the Landkreis Augsburg's).
            yield from once(Fact(f"place:area:{region_code or country}/{places.fold_place(area)}",
                                 "area", f"{area}, {region_label}" if region_label else area,
                                 local_conf(rec), ev, rec["source"]))
        if city_raw and not region_code and not places.prefectures().get(places.place_key(city_raw)):
            # A city with no known region (a US directory's "los angeles"): still a place.
            city = _tidy_place(city_raw)
            keyed = places.city_as_keyed(city, country)
            yield from once(Fact(f"place:city:{country or 'XX'}/{keyed.lower()}", "city", city,
                                 conf(rec), ev, rec["source"]))
        if city_raw and region_code:
            city = _tidy_place(city_raw)
            ward = places.tokyo_wards().get(places.place_key(city)) if region_code == "JP-13" else None
            if region_code == "JP-13" and places.prefectures().get(places.place_key(city)):
                ward = None
            # (a town of its region's name is a town all the same, Berlin, Hamburg; only a
            # Japanese prefecture given as the town, "Tokyo", is no town of it)
            elif ward or city.lower() != (region_label or "").lower() or city_label or \
                    country != "JP":
                town_said = ward or city_label or city
                # (Hamburg, not "Hamburg, Hamburg")
                label = town_said if town_said.lower() == str(region_label or "").lower() \
                    else f"{town_said}, {region_label}"
                # (a city by its main name: München and Munich are one place, said as the
                # list first wrote it)
                keyed = ward or places.city_as_keyed(city, country)
                yield from once(Fact(f"place:city:{region_code}/{keyed}", "city", label,
                                     local_conf(rec), ev, rec["source"]))
        district = None
        for text in (rec.get("district"), rec.get("address"), _extra(rec).get("addr:quarter"),
                     _extra(rec).get("addr:neighbourhood")):
            if text:
                district = places.district_named(text)
                if district:
                    break
        evidence = ev
        if district is None and rec.get("lat") is not None and rec.get("lon") is not None:
            near = places.district_near(rec["lat"], rec["lon"], radius_km=district_radius_km)
            if near:
                district = near[0]
                evidence = f"{near[1]:.1f} km from {district.en} ({ev})"
        own = _station_only(_tidy_place(str(rec.get("district") or address_district or "")).strip())
        town = _tidy_place(city_raw) if city_raw else ""
        station = own.endswith("駅") and len(own) > 1  # a Japanese list's 最寄駅: 表参道駅
        if (own and own.lower() != town.lower() and len(own) <= 60
                and (town or region_code)  # (湯本 of no known town is Hakone's or Nasu's)
                and (station or (district is None and region_code != "JP-13"))
                and not places.tokyo_wards().get(places.place_key(own))):
            # (Tokyo's districts and wards are known to the gazetteer and handled above.)
            # A district column outside the known Tokyo districts (Mayfair, Shoreditch): a
            # place finer than the city, named as the list names it.
            # (a station serves the wards around it: 表参道駅 is 港区's and 渋谷区's, one
            # neighbourhood, so it is keyed by its region, not its town)
            # (keyed without accents or case in Latin letters: a register that writes
            # CONSOLAÇÃO on one row and Consolacao on the next names one bairro)
            key = (f"{country or 'XX'}/{region_code or ''}/{_place_word(own)}" if station or not town
                   else f"{country or 'XX'}/{_place_word(town)}/{_place_word(own)}")
            yield from once(Fact(f"place:district:{key}", "district",
                                 own if station and region_code else
                                 # (an arrondissement column's "6e" is Paris 6e)
                                 f"{town} {own}" if town and _ORDINAL.fullmatch(own) else
                                 f"{own}, {town}" if town else own, local_conf(rec), ev,
                                 rec["source"]))
        if city_ward and region_code and not district and not firm:
            # A ward of a city of wards (大阪市北区, 横浜市中区): the neighbours a clinic or a
            # shop competes with, finer than the city (a registered firm's market is not its
            # head office's ward).
            city = _tidy_place(city_raw or "")
            yield from once(Fact(f"place:district:{region_code}/{city}{city_ward}", "district",
                                 f"{ward_label or city_ward}, {city_label or city}",
                                 local_conf(rec), ev, rec["source"]))
        if district:
            yield from once(Fact(f"place:district:{district.en}", "district",
                                 f"{district.en}, Tokyo", local_conf(rec), evidence, rec["source"]))
            yield from once(Fact("place:region:JP-13", "region", "Tokyo", conf(rec), ev,
                                 rec["source"]))
            yield from once(Fact("place:country:JP", "country", "Japan", conf(rec), ev,
                                 rec["source"]))


# A district numbered, as a city's arrondissements or districts are: 6e, 1er, 16ème, 3rd, 12.
_ORDINAL = lazy_pattern(r"\d{1,2}\s*(?:e|er|re|ème|eme|è|st|nd|rd|th|º|°|\.)?", re.I)


# A station as a salon list's 最寄駅 gives it: the walk from it ("表参道駅 徒歩2分", "JR渋谷駅から
# 徒歩5分", "表参道駅(A2出口)") and the railway's name before it say nothing of where.
_STATION_TAIL = lazy_pattern(r"(?<=駅)\s*(?:(?:から|より)?\s*(?:徒歩|歩いて|バス|車)|[（(]|[A-Za-z]?\d+\s*番?出口|\d).*$")
_RAILWAY = lazy_pattern(r"^(?:JR|ＪＲ|東京メトロ|都営地下鉄|都営|地下鉄|京王|小田急|東急|西武|東武|京急|京成|"
                      r"相鉄|阪急|阪神|近鉄|南海|京阪|名鉄|市営地下鉄)\s*(?:[^\s駅]{1,8}線\s*)?")


def _station_only(text: str) -> str:
    """A nearest-station value as the station's name: '表参道駅 徒歩2分' -> 表参道駅,
    'JR渋谷駅から徒歩5分' -> 渋谷駅; anything else as it is."""
    if "駅" not in text or text.endswith("駅"):
        return text
    cut = _STATION_TAIL.sub("", text).strip()
    if not cut.endswith("駅"):
        return text
    return _RAILWAY.sub("", cut).strip() or cut


def _city_ward(address: str, city: str | None) -> str | None:
    """The ward right after a city of wards in a Japanese address ('大阪府大阪市北区梅田' ->
    北区; '横浜市中区' -> 中区); None where the city has none (豊田市トヨタ町)."""
    if not city or not city.endswith("市"):
        return None
    text = unicodedata.normalize("NFKC", address)
    at = text.find(city)
    if at < 0:
        return None
    # (都島区 and 都筑区 begin with the character of 東京都)
    found = re.match(r"\s*([^\s\d市区町村道府県]{1,4}区)", text[at + len(city):])
    return found.group(1) if found else None


def _short_codes(regions: Iterable[str]) -> bool:
    """Whether a list's region values are all codes of two or three letters (MI, CO, TX)."""
    regions = list(regions)
    return bool(regions) and all(len(r.strip()) <= 3 and r.strip().isalpha() for r in regions)


# A key of the mapping `with_source_regions` fills: the region most of a source's towns are
# in, beside its country (a source's own key is its path or URL).
_REGION_OF_SOURCE = "\x00region:"


def with_source_regions(db: Database, countries: dict[str, str]) -> dict[str, str]:
    """COUNTRIES with, for each source whose rows give towns but no region, the region most
    of the towns one region alone has are in (a New York list's Bronx, Queens and Staten
    Island), so a town of several regions' name there (Brooklyn) is placed in it."""
    towns: dict[str, Counter[str]] = defaultdict(Counter)
    for source, city, country in db.execute(
            "select source, city, country from records where coalesce(region, '') = '' and "
            "coalesce(city, '') != '' and coalesce(status, 'active') = 'active' limit 50000"):
        code = places.country_code(country) or countries.get(source)
        held = places.regions_of_town(str(city), code) if code and "," not in code else ()
        if len(held) == 1:
            towns[source][held[0]] += 1
    out = dict(countries)
    for source, seen in towns.items():
        region, count = seen.most_common(1)[0]
        if count >= 2 and count >= 0.6 * sum(seen.values()):
            out[_REGION_OF_SOURCE + source] = region
    return out


def source_countries(db: Database, only: str | None = None) -> dict[str, str]:
    """The country of each source whose rows name regions but no country, where the regions
    say it: a file whose state column holds TX, CA, NY ... is a US file (a code alone, "CA",
    could be a region of several countries; the file's other values decide), and so is a
    Texas list whose only value, TX, is a region of no other country. ONLY: that source's
    alone (an ingest's note, not every list's)."""
    scope, params = ("source = ? and ", [only]) if only is not None else ("", [])
    values: dict[str, list[str]] = defaultdict(list)
    for source, region in db.execute(
            f"select source, region from records where {scope}coalesce(country, '') = '' and "
            "coalesce(region, '') != '' and coalesce(status, 'active') = 'active' "
            "group by source, region", params):
        values[source].append(region)
    # A file with no region column: the region part of its addresses ("Austin, TX 78701").
    tails: dict[str, set[str]] = defaultdict(set)
    shaped: dict[str, Counter[str]] = defaultdict(Counter)
    for source, address in db.execute(
            f"select source, address from records where {scope}coalesce(country, '') = '' and "
            "coalesce(region, '') = '' and coalesce(address, '') != '' and "
            "coalesce(status, 'active') = 'active' limit 50000", params):
        if source not in values:
            tail = places.address_tail(address)
            if tail:
                tails[source].add(tail)
            written_in = places.shaped_country(address)
            if written_in:
                shaped[source][written_in] += 1
    for source, found in tails.items():
        values[source].extend(sorted(found))
    out: dict[str, str] = {}
    for source, seen in shaped.items():
        # ("NY 10014", "QC H2J 2K9" at the end of most addresses: a US or Canadian file)
        country, count = seen.most_common(1)[0]
        if count >= 0.8 * sum(seen.values()):
            out[source] = country
            values.pop(source, None)
    gazetteer = places.gazetteer()
    for source, regions in values.items():
        tally = Counter(c for region in regions for c in set(gazetteer.countries_of_code(region)))
        if len(regions) < 3:
            # A list of one or two regions says its country only if one country holds them
            # all (a Texas list's "TX"; TX and OH, though OH is also a Namibian region; "CA"
            # alone is a region of seven countries).
            holders = [set(gazetteer.countries_of_code(r)) for r in regions]
            common = set.intersection(*holders) if holders else set()
            if len(common) == 1:
                out[source] = next(iter(common))
            continue
        if tally:
            country, count = tally.most_common(1)[0]
            if count >= 0.8 * len(regions):
                out[source] = country
                continue
            # A North American list (TX, NY ... and ON, BC): two countries that hold four in
            # five of its regions between them, the second at least two, each region read in
            # the first of them that has it (`_file_country`).
            rest = [r for r in regions if country not in gazetteer.countries_of_code(r)]
            second = Counter(c for r in rest for c in set(gazetteer.countries_of_code(r)))
            if second:
                other, more = second.most_common(1)[0]
                if more >= 2 and count + more >= 0.8 * len(regions):
                    out[source] = f"{country},{other}"
    # A file with towns only (Firma;PLZ;Ort with Berlin, Hamburg, München; a guide's Paris
    # and Lyon), or whose regions and address tails said nothing: the country of its towns,
    # where those a gazetteer of the world's cities of 100,000 people knows are in one (two or
    # more all in one country, or four in five of three or more).
    # (and a file whose regions the gazetteer does not hold: a Spanish list's provinces,
    # Barcelona, Valladolid, Cádiz, where only the autonomous communities are known)
    towns: dict[str, list[str]] = defaultdict(list)
    coded = {source for source, regions in values.items() if _short_codes(regions)}
    for source, city in db.execute(
            f"select source, city from records where {scope}coalesce(country, '') = '' and "
            "coalesce(city, '') != '' and coalesce(status, 'active') = 'active' "
            "group by source, city order by count(*) desc", params):
        if len(towns[source]) < 100 and ("," in out.get(source, ",") or source in coded):
            towns[source].append(city)

    def town(city: str) -> str:  # LYON 3EME: Lyon
        split = places.city_and_arrondissement(city)
        return split[0] if split else city

    for source, cities in towns.items():
        # Regions that are short codes several countries use (an Italian list's provinces
        # MI, CO, TO, GE read as Michigan, Colorado, Togdheer, Gedo) give way to towns that
        # are in none of the countries they said: Milano, Torino, Genova. (A town in one of
        # them, most lists' first, keeps the regions' reading: no more towns are read.)
        given = set(out[source].split(",")) if source in out else set()
        held: list[list[tuple[str, tuple[str, ...]]]] = []
        stands = False  # a town in a country the regions said
        for city in cities:
            named = places.city_other_names(town(city))
            if any(country in given for country, _ in named):
                stands = True
                break
            if named:
                held.append(named)
        if stands or (source in out and len(held) < 2):
            continue
        if source in coded and source not in out and (len(held) >= 2 or len(cities) == 1 == len(held)):
            # A code several countries share, the towns one of them holds (Oregon's "OR",
            # also a region of India, Ethiopia and Moldova, beside Portland, Salem and
            # Eugene: Salem is India's too, and its larger): the one country of the code
            # that holds four in five of the towns, where no other holds as many (a one-town
            # list's "Vancouver, BC": Canada, of BC's six countries).
            shared = set.intersection(*(set(gazetteer.countries_of_code(r))
                                        for r in values[source]))
            holds = Counter(c for named in held for c in {c for c, _ in named} & shared)
            ranked = holds.most_common(2)
            if ranked and ranked[0][1] >= 0.8 * len(held) and (
                    len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
                out[source] = ranked[0][0]
                continue
        known = [named[0][0] for named in held]
        if len(known) >= 2:
            country, count = Counter(known).most_common(1)[0]
            if count == len(known) or (len(known) >= 3 and count >= 0.8 * len(known)):
                out[source] = country
    # Else the postal codes, where their shape is one country's alone (a food-hygiene
    # register's HG1 1DB, LS6 1HA: its towns only in address lines; 1071 JG; M4M 1K8); and
    # over regions that said another country by their names (a care register's "South
    # East" and "South West", Singapore's districts too, beside ME14 1WH and BS9 1AA).
    codes: dict[str, list[str]] = defaultdict(list)
    for source, code in db.execute(
            "select source, postal_code from (select source, postal_code, row_number() over "
            "(partition by source) as nth from (select distinct source, postal_code from records "
            f"where {scope}coalesce(country, '') = '' and coalesce(postal_code, '') != '' and "
            "coalesce(status, 'active') = 'active')) where nth <= 200", params):  # (200 of each)
        if source not in out or not _short_codes(values.get(source, ())):
            codes[source].append(code)
    for source, written in codes.items():
        said = Counter(_postal_country(code) for code in written)
        country, count = said.most_common(1)[0]
        if country and len(written) >= 5 and count >= 0.9 * len(written) and \
                country not in out.get(source, "").split(","):
            out[source] = country
    return out


# Postal codes whose shape only one country writes (a 5-digit code could be a dozen's).
_POSTAL_SHAPES = (
    ("GB", re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}")),
    ("CA", re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d")),
    ("NL", re.compile(r"\d{4} ?[A-Z]{2}")),
    ("JP", re.compile(r"〒? ?\d{3}-\d{4}")),
    ("BR", re.compile(r"\d{5}-\d{3}")),
    ("PL", re.compile(r"\d{2}-\d{3}")),
    ("PT", re.compile(r"\d{4}-\d{3}")),
    ("IE", re.compile(r"(?:[AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}")),
)


def _postal_country(code: str) -> str:
    text = unicodedata.normalize("NFKC", code).strip().upper()
    return next((country for country, shape in _POSTAL_SHAPES if shape.fullmatch(text)), "")


@functools.lru_cache(maxsize=1 << 14)
def _place_word(text: str) -> str:
    """A place's name as a key: case folded, and in Latin letters without accents
    (Consolação, CONSOLACAO: consolacao); Japanese as written (がく and かく are two)."""
    folded = text.casefold()
    return strip_accents(folded) if is_latin(folded) else folded


@functools.lru_cache(maxsize=4096)
def _region_key(text: str) -> str:
    return strip_accents(text.casefold())


def _file_country(inferred: str, region: str) -> str:
    """The country a row of a file whose regions say two (`source_countries`: "US,CA") is in:
    the first that has the row's region."""
    countries = inferred.split(",")
    return next((c for c in countries if region and places.region_of(region, c)), countries[0])


def _area_of(rec: dict[str, Any], town: str | None, country: str | None) -> str | None:
    """The area (county, local authority, Landkreis) a record's own column names, as
    `places.area_label` says it; None where it names none or only its town."""
    extra = _extra(rec)
    if not extra:
        return None
    for header, value in extra.items():
        if isinstance(value, str) and area_header(header):
            return places.area_label(value, town, country)
    return None


@functools.lru_cache(maxsize=1 << 16)
def _tidy_place(text: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    return titled_place(text) if text.isascii() and (text.islower() or text.isupper()) else text


def _lodging(rec: dict[str, Any]) -> bool:
    return _lodging_category(rec.get("category") or "")


@functools.lru_cache(maxsize=1 << 14)
def _lodging_category(category: str) -> bool:
    return unicodedata.normalize("NFKC", category).strip().lower() in _LODGING


def _hotel_facts(recs: Records, curated: Curated, conf: Confidence) -> Iterator[Fact]:
    hotel = any(_lodging(r) for r in recs)
    names = _names(recs)
    if hotel:
        src = next(r for r in recs if _lodging(r))
        yield Fact(LODGING_CATEGORY, "category", "hotel", conf(src), _evidence(src), src["source"])
        yield Fact(LODGING_CONCEPT, "concept", concept_label("hotels_lodging"),
                   conf(src) * 0.9, _evidence(src), src["source"])
    elif any(("ホテル" in n or "hotel" in n.lower()) for n in names) and any(
            r.get("industry_scheme") for r in recs):
        # A listed firm named for hotels operates them: a lodging company, not a property.
        src = recs[0]
        yield Fact(LODGING_CONCEPT, "concept", concept_label("hotels_lodging"),
                   conf(src) * 0.8, f"hotel in the company name, {_evidence(src)}", src["source"])
    brand = brand_of(names, curated) if (hotel or any(r.get("brand") for r in recs)) else None
    if brand:
        src = recs[0]
        yield Fact(f"brand:{_fold_name(brand['brand'])}", "brand", brand["brand"], conf(src),
                   f"brand table: {brand.get('source') or seeds.HOTEL_BRANDS}",
                   seeds.HOTEL_BRANDS)
        if brand.get("group"):
            yield Fact(f"group:{_fold_name(brand['group'])}", "group", brand["group"], conf(src),
                       f"operated by {brand['group']} (brand table)", seeds.HOTEL_BRANDS)
    elif any(r.get("brand") for r in recs):
        rec = next(r for r in recs if r.get("brand"))
        yield Fact(f"brand:{_fold_name(rec['brand'])}", "brand", rec["brand"], conf(rec),
                   _evidence(rec), rec["source"])
    if not _is_property(recs):
        return
    # The tier with the strongest kind of evidence wins; ties go to the higher tier.
    best: tuple[int, int, Fact] | None = None

    def offer(tier: str | None, how: str, fact_conf: float, evidence: str, source: str) -> None:
        nonlocal best
        if not tier:
            return
        rank = (TIER_PRECEDENCE[how], -TIERS.index(tier))
        if best is None or rank > best[:2]:
            fact = Fact(f"tier:{tier}", "tier", TIER_LABELS[tier], fact_conf, evidence, source)
            best = (*rank, fact)

    for rec in recs:
        extra = _extra(rec)
        if rec.get("rating") or extra.get("list_kind"):
            tier, how = tier_from_rating(rec.get("rating") or "", extra.get("list_kind") or "")
            where = rec.get("list_title") or _evidence(rec)
            text = f"{rec.get('rating') or extra.get('list_kind')} on '{where}'"
            if rec.get("list_url"):
                text += f" ({rec['list_url']})"
            offer(tier, how, conf(rec), text, rec["source"])
        rating = rec.get("rating") if not rec.get("list_title") else None
        if rating and _REVIEW_SCORE.fullmatch(unicodedata.normalize("NFKC", str(rating)).strip()):
            rating = None  # 4.8 is guests' review score, not a star class
        stars = extra.get("stars") or rating
        if stars:
            where = "in OpenStreetMap " if extra.get("stars") else ""
            offer(tier_from_stars(stars), "stars", conf(rec) * 0.8,
                  f"{stars} stars {where}({_evidence(rec)})", rec["source"])
    if brand and brand.get("tier") in TIERS:
        offer(brand["tier"], "brand", 0.9, f"{brand['brand']} is a {brand['tier']} brand "
              f"({brand.get('source') or 'brand table'})", seeds.HOTEL_BRANDS)
    if best:
        yield best[2]


# Whole kanji or katakana runs: cutting a long run into fixed windows would invent words
# ("輸送用機械器具製造業" -> "具製造業"); a run too long to recur simply never passes the df filter.
_JA_TERM = lazy_pattern(r"(?<![\u4e00-\u9fff々])[\u4e00-\u9fff々]{2,10}(?![\u4e00-\u9fff々])"
                      r"|(?<![\u30a0-\u30ffー])[\u30a0-\u30ffー]{3,12}(?![\u30a0-\u30ffー])")
_JA_EDGE = "及等他各並又び"
# Words every business description uses; as signals they would link unrelated companies.
_JA_STOP = frozenset("""
事業 事業会社 会社 企業 グループ 全体 推進 経営 管理 運営 企画 開発 提供 販売 製造 関連 付帯 附帯 業務
事業概要 概要 主要 主な 主たる 営業 部門 分野 領域
サービス 製品 商品 その他 各種 国内 海外 子会社 関係会社 持株会社 経営管理 経営戦略策定 当社 同社 主力
""".split())
_EN_TERM = re.compile(r"[A-Za-z][A-Za-z\-]{3,}")


def description_terms(text: str) -> set[str]:
    """Salient words of a business description: kanji/katakana runs, English content words."""
    text = unicodedata.normalize("NFKC", text or "")
    terms = {t.strip(_JA_EDGE) for t in _JA_TERM.findall(text)}
    terms = {t for t in terms if len(t) >= 2 and t not in _JA_STOP}
    # The two-character words inside a kanji compound (自動車部品製造 holds 部品 and
    # 製造), which is how such compounds meet their shorter relatives; never inside katakana,
    # whose pairs are not words (メッセージ is not ソーセージ).
    terms |= {t[i:i + 2] for t in list(terms) if len(t) >= 3 and all(is_kanji(c) for c in t)
              for i in range(len(t) - 1)} - _JA_STOP
    terms |= {w.lower() for w in _EN_TERM.findall(text) if w.lower() not in _TERM_STOP}
    if _JA_TERM.search(text):
        terms |= {w for w in nouns(text) if len(w) >= 2 and w not in _JA_STOP
                  and any(is_kanji(c) or "\u30a0" <= c <= "\u30ff" for c in w)}
    return terms


_ACTIVE_BY_COMPANY = (
    "select r.*, l.company_id as _company from records r join record_links l on l.record_id = r.id "
    "where coalesce(r.status, 'active') = 'active' order by l.company_id, r.id")
_FACT_COLUMNS = ("company_id", "signal", "kind", "label", "confidence", "evidence", "source")
_BATCH = 20_000


def _records_by_company(db: Database) -> Iterator[tuple[int, Records]]:
    """Each company's active records, one company at a time (never all records at once)."""
    cursor = db.execute(_ACTIVE_BY_COMPANY)
    yield from _grouped([d[0] for d in cursor.description], cursor)


class _FactTable:
    """Facts on their way to `company_signals`, kept in a temporary table (one row per company
    and signal, in the order they were found), so a build's memory does not grow with it.

    The facts of the company pass and the description terms are unique per company and
    signal by construction, so they are appended as they come; the unique key is built once
    after them (`keyed`), for the few facts the operating groups add, which may replace one."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.execute("drop table if exists temp._facts")
        db.execute("create temp table _facts (company_id integer, signal text, kind text, "
                    "label text, confidence real, evidence text, source text)")
        self.pending: list[tuple[Any, ...]] = []
        self.is_keyed = False

    def add(self, company_id: int, fact: Fact) -> None:
        self.add_rows([(company_id, fact.signal, fact.kind, fact.label, fact.confidence,
                        fact.evidence, fact.source)])

    def add_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Facts, each as (company id, then Fact's fields in order)."""
        self.pending.extend(rows)
        if len(self.pending) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.is_keyed:
            self.db.conn.executemany("insert into _facts values (?, ?, ?, ?, ?, ?, ?)", self.pending)
        else:
            # A fact for a signal the company has replaces the old one in its place (as a
            # dict would).
            self.db.conn.executemany(
                "insert into _facts values (?, ?, ?, ?, ?, ?, ?) on conflict (company_id, signal) "
                "do update set kind = excluded.kind, label = excluded.label, confidence = "
                "excluded.confidence, evidence = excluded.evidence, source = excluded.source",
                self.pending)
        self.pending.clear()

    def keyed(self) -> None:
        """From here on a fact may name a signal its company has (it replaces it)."""
        self.flush()
        self.db.execute("create unique index temp._facts_key on _facts (company_id, signal)")
        self.is_keyed = True

    def has(self, company_id: int, signal: str) -> bool:
        self.flush()
        return self.db.execute("select 1 from _facts where company_id = ? and signal = ?",
                               [company_id, signal]).fetchone() is not None


@dataclass
class _CompanyPass:
    """What one company's records alone say: its facts, description words, tickers, where
    its description came from, and whether it is a hotel property."""

    company_id: int
    facts: list[Fact]
    words: set[str]
    tickers: list[str]
    described: tuple[str, str] | None
    is_property: bool


def _company_pass(group: tuple[int, Records], context: tuple) -> _CompanyPass:
    """The per-company pass of `build_signals` (pure: it may run on a Spark executor)."""
    company_id, recs = group
    curated, confidence, radius, countries, categories = context
    facts = list(_best_facts(recs, curated, confidence, radius, countries, categories).values())
    words: set[str] = set()
    tickers: list[str] = []
    for rec in recs:
        words |= description_terms(rec.get("description") or "")
        for key in ("ticker", "securities_code"):
            value = str(_extra(rec).get(key) or "").strip()
            if value:
                tickers.append(value.upper())
    src = next((r for r in recs if r.get("description")), None) if words else None
    described = (_evidence(src), src["source"]) if src is not None else None
    return _CompanyPass(company_id, facts, words, tickers, described, _is_property(recs))


# What a company pass sends back from a worker: plain tuples (a dataclass costs four times as
# much to unpickle): company id, facts (Fact's fields in order), words, tickers, where the
# description came from, whether a hotel property.
_Compact = tuple[int, list[tuple[Any, ...]], list[str], list[str], "tuple[str, str] | None", bool]
_PASS_ROWS = 4000  # records sent to a worker at a time


def _compact(one: _CompanyPass) -> _Compact:
    return (one.company_id, [(f.signal, f.kind, f.label, f.confidence, f.evidence, f.source)
                             for f in one.facts],
            list(one.words), one.tickers, one.described, one.is_property)  # fmt: skip


def _pass_chunk(state: tuple[tuple, list[str]], _start: int,
                rows: list[tuple[Any, ...]]) -> list[_Compact]:
    """The company pass over a chunk of raw rows (whole companies, in company order; STATE:
    the pass's context and the rows' column names)."""
    context, names = state
    return [_compact(_company_pass(group, context)) for group in _grouped(names, rows)]


def _grouped(names: list[str], rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, Records]]:
    """Raw rows of `_ACTIVE_BY_COMPANY` as (company id, its records as dicts)."""
    current: int | None = None
    recs: Records = []
    for row in rows:
        rec = dict(zip(names, row, strict=True))
        company = rec.pop("_company")
        if company != current and recs:
            yield current, recs  # type: ignore[misc]
            recs = []
        current = company
        recs.append(rec)
    if recs:
        yield current, recs  # type: ignore[misc]


def _company_passes(db: Database, context: tuple, workers: int | None,
                    engine: Any = None) -> Iterator[_Compact]:
    """Every company's pass, in company order: on Spark (`engine`), in forked workers (a
    directory of PARALLEL_RECORDS records or more: the parent only reads raw rows and writes
    what comes back), or here."""
    from spider.resolve import parallel  # multiprocessing: loaded when a build runs

    if engine is not None:
        for one in engine.map_groups(_company_pass, context, _records_by_company(db)):
            yield _compact(one)
        return
    cursor = db.execute(_ACTIVE_BY_COMPANY)
    names = [d[0] for d in cursor.description]
    size = db.execute("select count(*) from record_links").fetchone()[0]
    for chunk in parallel.map_chunks(_pass_chunk, parallel.row_chunks(cursor, _PASS_ROWS),
                                     parallel.pool_size(size, workers), (context, names)):
        yield from chunk


def build_signals(db: Database, settings: Settings, *,
                  curated_dir: Path | None = None, engine: Any = None) -> str:
    """Rebuild `signals` and `company_signals` from companies and their records.

    Streams: each company's facts are worked out from its records alone and parked in a
    temporary table; description terms, operating groups and the weights (which need every
    company's facts: how rare a signal is) are then worked out from that table in passes.
    `engine` (spider.resolve.spark.SparkEngine) runs the per-company pass on Spark.
    """
    curated = Curated.load(curated_dir)
    confidence = source_confidence(db)
    radius = settings.district_radius_km
    countries = with_source_regions(db, source_countries(db))
    facts = _FactTable(db)
    db.execute("drop table if exists temp._words")
    db.execute("create temp table _words (company_id integer, word text)")
    db.execute("drop table if exists temp._described")
    db.execute("create temp table _described (company_id integer primary key, evidence text, "
               "source text)")
    groups: dict[str, Fact] = {}
    tickers: dict[str, int] = {}
    properties: set[int] = set()
    companies: set[int] = set()
    words: list[tuple[int, str]] = []
    described: list[tuple[int, str, str]] = []
    context = (curated, confidence, radius, countries, single_categories(db))
    for company_id, found, its_words, its_tickers, source_of, is_property in _company_passes(
            db, context, settings.workers, engine):
        companies.add(company_id)
        facts.add_rows([(company_id, *fact) for fact in found])
        for fact in found:
            if fact[1] == "group":
                groups[fact[0]] = Fact(*fact)  # the last company's wording, as a rebuild had
        for ticker in its_tickers:
            tickers.setdefault(ticker, company_id)
        if its_words:
            words.extend((company_id, w) for w in its_words)
            if source_of is not None:
                described.append((company_id, *source_of))
        if is_property:
            properties.add(company_id)
        if len(words) >= _BATCH:
            db.conn.executemany("insert into _words values (?, ?)", words)
            db.conn.executemany("insert into _described values (?, ?, ?)", described)
            words.clear()
            described.clear()
    db.conn.executemany("insert into _words values (?, ?)", words)
    db.conn.executemany("insert into _described values (?, ?, ?)", described)
    facts.flush()
    _add_term_facts(db, facts, len(companies))
    facts.keyed()
    companies |= _link_groups(db, facts, groups, tickers, properties, curated)
    facts.flush()
    summary = _write_signals(db, len(companies))
    for table in ("_facts", "_words", "_described"):
        db.execute(f"drop table temp.{table}")
    return summary


# Description words a company carries as signals: at most this many, each shared by at most
# this share of all companies (measured on listed firms known only by their 事業概要:
# bench/bench_relevance.py, jpx_descriptions).
TERMS_PER_COMPANY = 24
TERMS_MAX_SHARE = 0.1
TERMS_MAX_COMPANIES = 1000  # in a national register a word a thousand firms use is no business


def _add_term_facts(db: Database, facts: _FactTable, companies: int, *,
                    max_share: float = TERMS_MAX_SHARE, per_company: int = TERMS_PER_COMPANY) -> None:
    """The rarest description words (up to PER_COMPANY) a company shares with at least two
    others and at most MAX_SHARE of all companies: a word only two descriptions share is
    more often chance ("blancmange") than a business."""
    # A small list: up to ten companies; a large one: never more than TERMS_MAX_COMPANIES.
    limit = max(10, min(int(max_share * max(companies, 1)), TERMS_MAX_COMPANIES))
    db.execute("drop table if exists temp._df")
    db.execute("create temp table _df as select word, count(*) as df from _words group by word")
    rows = db.execute(
        "select w.company_id, w.word, d.evidence, d.source from _words w join _df f on "
        "f.word = w.word left join _described d on d.company_id = w.company_id "
        "where f.df between 3 and ? order by w.company_id, f.df, w.word", [limit])
    current, taken = None, 0
    for company_id, word, evidence, source in rows:
        if company_id != current:
            current, taken = company_id, 0
        if taken >= per_company:
            continue
        taken += 1
        facts.add(company_id, Fact(
            f"term:{word}", "term", word, 0.6, f"'{word}' in the business description "
            f"({evidence})" if evidence else "business description", source or ""))
    db.execute("drop table temp._df")


def _link_groups(db: Database, facts: _FactTable, groups: dict[str, Fact],
                 tickers: dict[str, int], properties: set[int], curated: Curated) -> set[int]:
    """Link a group's own company to its properties (the `group:` signal they carry), found
    by ticker from the brand table or by name, and mark it a hotel operator. Returns the
    companies that had no facts of their own before."""
    operators: dict[int, list[str]] = defaultdict(list)
    for brand in {id(b): b for _, b in curated.brands}.values():
        ticker = (brand.get("group_ticker") or "").strip().upper()
        if ticker in tickers and brand.get("group"):
            operators[tickers[ticker]].append(brand["brand"])
            key = f"group:{_fold_name(brand['group'])}"
            groups.setdefault(key, Fact(key, "group", brand["group"], 0.9, "brand table",
                                        seeds.HOTEL_BRANDS))
            facts.add(tickers[ticker], Fact(
                key, "group", brand["group"], 0.9, f"{brand['group']} operates {brand['brand']} "
                f"({seeds.HOTEL_BRANDS})", seeds.HOTEL_BRANDS))
    for company_id, name, legal, name_en in db.execute(
        "select id, name, legal_name, name_en from companies where coalesce(status, 'active') = "
        "'active' order by id"
    ).fetchall():
        for text in (name, legal, name_en):
            key = f"group:{_fold_name(text or '')}"
            if text and key in groups and not facts.has(company_id, key):
                g = groups[key]
                facts.add(company_id, Fact(key, "group", g.label, 0.9,
                                           f"{text} is the operating group", g.source))
                operators[company_id].append(g.label)
    for company_id, brands in operators.items():
        if company_id in properties:
            continue
        facts.add(company_id, Fact(
            HOTEL_OPERATOR, "concept", concept_label("hotel_operator"), 0.9,
            "operates " + ", ".join(sorted(set(brands))[:6]) + f" ({seeds.HOTEL_BRANDS})",
            seeds.HOTEL_BRANDS))
    return set(operators)


def fact_weight(idf: float, kind: str, confidence: float) -> float:
    """A fact's weight on its company's edge: its signal's rarity, its kind, its confidence."""
    return round(idf * KIND_WEIGHTS.get(kind, 0.5) * confidence, 6)


def _write_signals(db: Database, companies: int) -> str:
    """Weight every fact by its signal's rarity and write the graph's tables.

    The facts are copied into `company_signals` by SQLite itself (one INSERT ... SELECT, in
    company and fact order), each with the weight Python worked out (`fact_weight`) for its
    signal, kind and confidence (a few thousand such, not one per fact); the sums are then
    read back in that order, so each total is the same float a row-by-row loop adds up."""
    n = max(companies, 1)
    # Per signal: how many companies carry it, and its kind and label as first found (the
    # fact of its smallest company id: a company has one fact per signal), in the order
    # first found.
    about = sorted(db.execute("select signal, count(*), kind, label, min(company_id), rowid "
                              "from _facts group by signal").fetchall(),
                   key=lambda row: (row[4], row[5]))
    idf = {sig: math.log((n + 1) / (count + 0.5)) for sig, count, *_ in about}
    db.execute("drop table if exists temp._weights")
    db.execute("create temp table _weights (signal text, kind text, confidence real, weight "
               "real, primary key (signal, kind, confidence))")
    db.conn.executemany("insert into _weights values (?, ?, ?, ?)", [
        (sig, kind, conf, fact_weight(idf[sig], kind, conf)) for sig, kind, conf in
        db.execute("select distinct signal, kind, confidence from _facts").fetchall()])
    signal_weight: dict[str, float] = defaultdict(float)
    weights: list[tuple[int, float]] = []
    with transaction(db), bulk_load(db, "company_signals", SIGNAL_HOLDERS):
        db.execute("delete from company_signals")
        db.execute("delete from signals")
        db.execute("delete from company_weights")
        db.execute(
            "insert into company_signals (company_id, signal, weight, confidence, evidence, "
            "source) select f.company_id, f.signal, w.weight, f.confidence, f.evidence, "
            "f.source from _facts f join _weights w on w.signal = f.signal and w.kind is "
            "f.kind and w.confidence = f.confidence where w.weight > 0 "
            "order by f.company_id, f.rowid")
        current, total, count = None, 0.0, 0
        for company_id, sig, weight in db.execute(
                "select company_id, signal, weight from company_signals order by rowid"):
            if company_id != current:
                if current is not None and total:
                    weights.append((current, total))
                current, total = company_id, 0.0
            signal_weight[sig] += weight
            total += weight
            count += 1
        if current is not None and total:
            weights.append((current, total))
        db.conn.executemany("insert into company_weights (company_id, weight_sum) values (?, ?)",
                            weights)
        db.conn.executemany(
            "insert into signals (signal, kind, label, companies, idf, weight_sum) "
            "values (?, ?, ?, ?, ?, ?)",
            [(sig, kind, label, df, round(idf[sig], 6), signal_weight[sig])
             for sig, df, kind, label, *_ in about])
    db.execute("drop table temp._weights")
    return (f"{plural(len(about), 'signal', 'signals')}, {plural(count, 'company-signal link', 'company-signal links')} "
            f"over {plural(companies, 'company', 'companies')}")


def _best_facts(recs: Records, curated: Curated, confidence: dict[str, float],
                radius: float, countries: Mapping[str, str],
                categories: frozenset[str] = frozenset()) -> dict[str, Fact]:
    """A company's facts, the most confident of each signal."""
    mine: dict[str, Fact] = {}
    for fact in company_facts(recs, curated, confidence, district_radius_km=radius,
                              countries=countries, categories=categories):
        if fact.signal not in mine or fact.confidence > mine[fact.signal].confidence:
            mine[fact.signal] = fact
    return mine


def refresh_signals(db: Database, settings: Settings, changed: list[int],
                    removed: list[int], *, curated_dir: Path | None = None) -> str:
    """Recompute the signals of the CHANGED companies, and drop those of REMOVED ones, in
    place (after a merge or a split): only their edges, and the size and weight of the signals
    they touch, change. Description terms and operating groups come from the signals already
    in the graph; the IDF of other companies' edges stays as the last full build set it."""
    curated = Curated.load(curated_dir)
    confidence = source_confidence(db)
    by_company: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for rec in dicts_in(
            db, "select r.*, l.company_id as _company from records r join record_links l on "
            "l.record_id = r.id where coalesce(r.status, 'active') = 'active' and "
            "l.company_id in ({marks})", changed):
        by_company[rec["_company"]].append(rec)
    countries = with_source_regions(db, source_countries(db))
    categories = single_categories(db)
    facts = {cid: _best_facts(recs, curated, confidence, settings.district_radius_km, countries,
                              categories)
             for cid, recs in by_company.items()}
    _known_terms_and_groups(db, facts, by_company)
    _operators(facts, by_company, curated)
    affected = [*changed, *removed]
    # What the affected companies held, to take out of each signal's size and weight: the
    # sizes are kept up by difference, never recounted (a country holds a million companies).
    old_count: Counter[str] = Counter()
    old_weight: dict[str, float] = defaultdict(float)
    for sig, weight in rows_in(db, "select signal, weight from company_signals where "
                               "company_id in ({marks})", affected):
        old_count[sig] += 1
        old_weight[sig] += weight
    touched = sorted(set(old_count) | {sig for fs in facts.values() for sig in fs})
    with transaction(db):
        for name in ("company_signals", "company_weights"):
            execute_in(db, f"delete from {name} where company_id in ({{marks}})", affected)
        n = db.execute("select count(*) from companies where coalesce(status, 'active') = "
                       "'active'").fetchone()[0] or 1
        held = Counter(sig for fs in facts.values() for sig in fs)
        known = {sig: (count, total or 0.0) for sig, count, total in rows_in(
            db, "select signal, companies, weight_sum from signals where signal in ({marks})",
            touched)}
        df = {sig: max(0, count - old_count[sig]) for sig, (count, _) in known.items()}
        edges: list[dict[str, Any]] = []
        company_weight: dict[int, float] = defaultdict(float)
        new_count: Counter[str] = Counter()
        new_weight: dict[str, float] = defaultdict(float)
        for company_id, fs in facts.items():
            for sig, fact in fs.items():
                idf = math.log((n + 1) / (df.get(sig, 0) + held[sig] + 0.5))
                weight = fact_weight(idf, fact.kind, fact.confidence)
                if weight > 0:
                    company_weight[company_id] += weight
                    new_count[sig] += 1
                    new_weight[sig] += weight
                    edges.append({"company_id": company_id, "signal": sig, "weight": weight,
                                  "confidence": fact.confidence, "evidence": fact.evidence,
                                  "source": fact.source})
        insert_rows(db, "company_signals", edges)
        insert_rows(db, "company_weights", ({"company_id": cid, "weight_sum": w}
                                            for cid, w in company_weight.items()))
        meta = {sig: fact for fs in facts.values() for sig, fact in fs.items()}
        insert_rows(db, "signals", ({"signal": sig, "kind": f.kind, "label": f.label}
                                    for sig, f in meta.items()), conflict="ignore")
        sizes, gone = [], []
        for sig in touched:
            count = df.get(sig, 0) + new_count[sig]
            if count <= 0:
                gone.append(sig)
                continue
            total = known.get(sig, (0, 0.0))[1] - old_weight[sig] + new_weight[sig]
            sizes.append([count, round(total, 6), round(math.log((n + 1) / (count + 0.5)), 6), sig])
        db.conn.executemany("update signals set companies = ?, weight_sum = ?, idf = ? "
                            "where signal = ?", sizes)
        execute_in(db, "delete from signals where signal in ({marks})", gone)
    return (f"{plural(len(edges), 'company-signal link', 'company-signal links')} over "
            f"{plural(len(facts), 'company', 'companies')} refreshed")


def _known_terms_and_groups(db: Database, facts: dict[int, dict[str, Fact]],
                            by_company: dict[int, list[dict[str, Any]]], *,
                            per_company: int = TERMS_PER_COMPANY) -> None:
    """Description terms and operating groups for a few companies, from the graph's signals:
    a term is one the graph already carries, a group one some company already names."""
    names = {cid: [n for r in recs for n in (r.get("name"), r.get("legal_name"), r.get("name_en"))
                   if n] for cid, recs in by_company.items()}
    wanted = {f"group:{_fold_name(n)}" for ns in names.values() for n in ns}
    words = {cid: set().union(*(description_terms(r.get("description") or "") for r in recs))
             for cid, recs in by_company.items()}
    wanted |= {f"term:{w}" for ws in words.values() for w in ws}
    known = {sig: (label, count) for sig, label, count in rows_in(
        db, "select signal, label, companies from signals where signal in ({marks})",
        sorted(wanted))}
    for cid, recs in by_company.items():
        src = next((r for r in recs if r.get("description")), None)
        usable = sorted((w for w in words[cid] if f"term:{w}" in known),
                        key=lambda w: (known[f"term:{w}"][1], w))
        for word in usable[:per_company]:
            facts[cid][f"term:{word}"] = Fact(
                f"term:{word}", "term", word, 0.6, f"'{word}' in the business description "
                f"({_evidence(src)})" if src else "business description", src["source"] if src else "")
        for text in names[cid]:
            key = f"group:{_fold_name(text)}"
            if key in known and key not in facts[cid]:
                facts[cid][key] = Fact(key, "group", known[key][0], 0.9,
                                       f"{text} is the operating group", seeds.HOTEL_BRANDS)


def _operators(facts: dict[int, dict[str, Fact]], by_company: dict[int, list[dict[str, Any]]],
               curated: Curated) -> None:
    """For a few companies, as `_link_groups` does for all: the group a company's ticker
    operates in the brand table, and the hotel-operator concept for a company that is an
    operating group and no property itself."""
    brands = {id(b): b for _, b in curated.brands}.values()
    for cid, recs in by_company.items():
        mine = {str(_extra(r).get(key) or "").strip().upper() for r in recs
                for key in ("ticker", "securities_code")} - {""}
        operated = []
        for brand in brands:
            ticker = (brand.get("group_ticker") or "").strip().upper()
            if ticker in mine and brand.get("group"):
                operated.append(brand["brand"])
                key = f"group:{_fold_name(brand['group'])}"
                facts[cid].setdefault(key, Fact(
                    key, "group", brand["group"], 0.9, f"{brand['group']} operates "
                    f"{brand['brand']} ({seeds.HOTEL_BRANDS})", seeds.HOTEL_BRANDS))
        operated += [f.label for f in facts[cid].values()
                     if f.kind == "group" and f.evidence.endswith("is the operating group")]
        if operated and not _is_property(recs):
            facts[cid][HOTEL_OPERATOR] = Fact(
                HOTEL_OPERATOR, "concept", concept_label("hotel_operator"), 0.9,
                "operates " + ", ".join(sorted(set(operated))[:6]) + f" ({seeds.HOTEL_BRANDS})",
                seeds.HOTEL_BRANDS)


def signals_of(db: Database, company_ids: list[int]) -> dict[int, dict[str, dict]]:
    """Each company's signals (weight, evidence, source, kind, label, idf), read in batches."""
    out: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in dicts_in(
        db, "select cs.company_id, cs.signal, cs.weight, cs.evidence, cs.source, s.kind, s.label, "
        "s.idf from company_signals cs join signals s on s.signal = cs.signal "
        "where cs.company_id in ({marks})", company_ids):
        out[row["company_id"]][row["signal"]] = row
    return out
