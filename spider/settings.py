"""One settings object: defaults < spider.toml < command-line flags. Serialisable beside exports.

Every knob is a typed field here; `spider.toml` (its `[spider]` table) and command-line flags
go through the same checks (`_apply`): known name, right type, not negative, in range. A key
the file names that is no field is warned about and ignored; a flag is always a field.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spider.errors import InputError


@dataclass
class Settings:
    db: str = ""
    output_dir: str = "output"
    # The separator of the call lists and nurture lists written for a spreadsheet: ";" where
    # Excel is set to French, German, Spanish, Italian ... (it opens a comma file in one
    # column). CRM import files (--profile) stay comma-separated, as their importers read.
    csv_delimiter: str = ","
    language: str = "en"
    templates: str = ""  # your opener templates (TOML), overlaid on the shipped ones
    synonyms: str = ""  # your synonyms (TOML: word = ["other", ...]), added to the shipped ones
    # ranking
    restart_probability: float = 0.15
    push_epsilon: float = 1e-5
    limit: int = 25
    priority_a: float = 0.5  # share of the top score at or above which a prospect is band A
    priority_b: float = 0.15
    max_signal_share: float = 0.5  # signals held by more than this share of companies do not walk
    include_closed: bool = False  # list businesses marked closed or not yet open (planning)
    source: str = ""  # expand only among companies with a record from a source matching this
    # signals
    district_radius_km: float = 1.0  # a map point this close to a named district is in it
    # resolution
    match_threshold: float = 90.0
    review_threshold: float = 75.0
    link_threshold: float | None = None  # average cross score two clusters need; None: midway
    max_block: int = 60  # a blocking key held by more records is skipped
    # The review queue holds at most this many pairs (one per two companies, those whose
    # answer moves the most records first): a queue a person can work through at any scale.
    review_limit: int = 1000
    # Two sites on a map within this many metres stand at one spot (evidence they are one);
    # beyond chain_apart_m, two sites of one name are two branches and never merge.
    same_spot_m: float = 60.0
    chain_apart_m: float = 300.0
    workers: int | None = None  # processes for resolving at scale; None: the CPUs, up to 8
    source_trust: dict[str, int] = field(default_factory=dict)  # source pattern -> rank (low wins)
    # crawling
    user_agent: str = "SpiderBot/0.1 (+https://github.com/spider-prospects/spider; prospect lists)"
    contact: str = ""
    delay: float = 1.0
    timeout: float = 20.0
    max_pages: int = 200
    max_depth: int = 3
    max_bytes: int = 10_000_000
    retries: int = 3
    page_deadline: float = 60.0  # seconds one page may take in all: connecting, retries, reading
    host_deadline: float = 1800.0  # seconds one crawl may spend on one host before it stops
    # the call desk (spider.calls)
    callback_hours: float = 3.0  # after a gatekeeper or no answer, try again this much later
    callback_attempts: int = 6  # attempts before the decision maker answers, then nurture
    business_hours: str = "09:00-18:00"  # the prospect's local hours a callback falls within
    recent_call_days: int = 30  # a company called this recently is no new prospect
    calls_per_day: int = 40  # new prospects `spider today` adds after the callbacks
    nurture_days: int = 90  # "not now", or no decision maker reached: touch again after
    more: bool = False  # expand --more: leave out companies already handed out or called
    buyer: str = ""  # whom the user sells to: sales, marketing, hr, purchasing, it, finance,
    # operations, admin, gm (general manager), kitchen, ceo (owner), or a title (院長, office
    # manager); empty: the one `spider enrich --buyer` kept in the database, else sales
    enrich_pages: int = 8  # pages read on one company's site (home, profile, contact, team ...)
    enrich_days: int = 30  # a site visited this recently is not visited again (enrich --again)
    enrich_people: bool = True  # keep the people a company names (enrich --no-people: never)
    warnings: list[str] = field(default_factory=list, repr=False)
    # The settings spider.toml or a flag named (the rest are defaults): a default may give way
    # to what the input says (a query typed in Japanese is answered in Japanese); a choice not.
    given: set[str] = field(default_factory=set, repr=False)

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data.pop("warnings", None)
        data.pop("given", None)
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)

    def with_flags(self, **flags: Any) -> Settings:
        """A copy with the command-line flags that were given (None: not given) applied,
        through the same checks as spider.toml."""
        given = {k: v for k, v in flags.items() if v is not None}
        if not given:
            return self
        copy = dataclasses.replace(self, warnings=list(self.warnings), given=set(self.given))
        _apply(copy, given, "command line")
        return copy


# (low, high, inclusive low) bounds of settings whose values outside them make no sense.
_RANGES = {"restart_probability": (0.0, 1.0, False), "push_epsilon": (0.0, 0.1, False),
           "priority_a": (0.0, 1.0, True), "priority_b": (0.0, 1.0, True),
           "max_signal_share": (0.0, 1.0, False), "limit": (1, 100_000, True),
           "max_pages": (1, 10_000_000, True), "max_bytes": (1, 10**12, True),
           "max_block": (2, 1_000_000, True), "workers": (1, 256, True),
           "review_limit": (1, 10_000_000, True), "callback_hours": (0.0, 24 * 30, False),
           "callback_attempts": (1, 100, True), "recent_call_days": (0, 3650, True),
           "calls_per_day": (1, 10_000, True), "nurture_days": (1, 3650, True),
           "enrich_pages": (1, 100, True), "enrich_days": (0, 3650, True),
           "same_spot_m": (0.0, 100_000.0, False), "chain_apart_m": (0.0, 1_000_000.0, False)}
_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name not in ("warnings", "given")}


_DELIMITERS = {",": ",", ";": ";", "\t": "\t", "tab": "\t", "|": "|"}


def _check_range(key: str, value: Any, origin: str) -> None:
    if key == "csv_delimiter" and value not in _DELIMITERS:
        raise InputError(f"{origin}: setting 'csv_delimiter' = {value!r}: say \",\", \";\", \"tab\" "
                         "or \"|\"")
    if key not in _RANGES or isinstance(value, bool) or not isinstance(value, int | float):
        return
    low, high, inclusive = _RANGES[key]
    if not ((value >= low if inclusive else value > low) and value <= high):
        raise InputError(f"{origin}: setting {key!r} = {value!r} is out of range "
                         f"({'[' if inclusive else '('}{low}, {high}]); fix it")


def load_settings(config: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings from defaults, then spider.toml (or CONFIG), then non-None overrides."""
    settings = Settings()
    path = Path(config) if config else Path("spider.toml")
    if config or path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: no such settings file; check the --config path") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML ({exc}); fix the file or remove it") from None
        _apply(settings, data.get("spider", data), str(path))
    return settings.with_flags(**overrides)


def _kind_of(name: str) -> tuple[type, ...]:
    """The types a field accepts, read off its annotation ('float | None' -> float, NoneType)."""
    text = str(_FIELDS[name].type)
    kinds: list[type] = []
    for part in (p.strip() for p in text.split("|")):
        base = part.split("[", 1)[0]
        kinds.append({"str": str, "int": int, "float": float, "bool": bool, "dict": dict,
                      "list": list, "None": type(None)}[base])
    return tuple(kinds)


def _apply(settings: Settings, values: dict[str, Any], origin: str) -> None:
    for key, value in values.items():
        key = key.replace("-", "_")
        if key not in _FIELDS:
            if origin == "command line":
                raise TypeError(f"no setting {key!r}")  # a flag wired to a field that is not one
            settings.warnings.append(f"{origin}: unknown setting {key!r} is ignored; "
                                     "check its spelling")
            continue
        kinds = _kind_of(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise InputError(f"{origin}: setting {key!r} cannot be negative ({value})")
        _check_range(key, value, origin)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds if k is not type(None))
            raise InputError(f"{origin}: setting {key!r} should be {names}, got {value!r}")
        if key == "csv_delimiter":
            value = _DELIMITERS[str(value)]
        setattr(settings, key, value)
        settings.given.add(key)
