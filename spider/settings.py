"""One settings object: defaults < spider.toml < command-line flags. Serialisable beside exports."""

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
    language: str = "en"
    # ranking
    restart_probability: float = 0.15
    push_epsilon: float = 1e-5
    limit: int = 25
    priority_a: float = 0.5  # share of the top score at or above which a prospect is band A
    priority_b: float = 0.15
    max_signal_share: float = 0.5  # signals held by more than this share of companies do not walk
    # resolution
    match_threshold: float = 90.0
    review_threshold: float = 75.0
    # crawling
    user_agent: str = "SpiderBot/0.1 (+https://github.com/spider-prospects/spider; prospect lists)"
    contact: str = ""
    delay: float = 1.0
    timeout: float = 20.0
    max_pages: int = 200
    max_depth: int = 3
    max_bytes: int = 10_000_000
    retries: int = 3
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list, repr=False)

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data.pop("warnings", None)
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)


# Settings a stage reads from `extra` (spider.toml keys without a field above).
KNOWN_EXTRA = frozenset({"templates", "district_radius_km", "workers", "link_threshold",
                         "max_block", "source_trust", "our_company"})


# (low, high, inclusive low) bounds of settings whose values outside them make no sense.
_RANGES = {"restart_probability": (0.0, 1.0, False), "push_epsilon": (0.0, 0.1, False),
           "priority_a": (0.0, 1.0, True), "priority_b": (0.0, 1.0, True),
           "max_signal_share": (0.0, 1.0, False), "limit": (1, 100_000, True),
           "max_pages": (1, 10_000_000, True), "max_bytes": (1, 10**12, True)}


def _check_range(key: str, value: Any, origin: str) -> None:
    if key not in _RANGES or isinstance(value, bool):
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
    _apply(settings, {k: v for k, v in overrides.items() if v is not None}, "command line")
    return settings


def _apply(settings: Settings, values: dict[str, Any], origin: str) -> None:
    names = {f.name: f for f in dataclasses.fields(settings)}
    for key, value in values.items():
        key = key.replace("-", "_")
        if key in ("extra", "warnings"):
            continue
        if key not in names:
            settings.extra[key] = value
            if key not in KNOWN_EXTRA and origin != "command line":
                settings.warnings.append(f"{origin}: unknown setting {key!r} is ignored; "
                                         "check its spelling")
            continue
        current = getattr(settings, key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise InputError(f"{origin}: setting {key!r} cannot be negative ({value})")
        _check_range(key, value, origin)
        if isinstance(current, bool) or current is None or isinstance(value, type(current)):
            setattr(settings, key, value)
        elif isinstance(current, float) and isinstance(value, int):
            setattr(settings, key, float(value))
        else:
            raise InputError(
                f"{origin}: setting {key!r} should be {type(current).__name__}, got {value!r}"
            )
