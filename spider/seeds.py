"""Where the shipped data lives: the seed files, their manifest, and the curated tables.

The seeds ship inside the wheel (spider/seeds) and sit at the top of a checkout (seeds/);
$SPIDER_SEEDS points elsewhere. Curated tables (hotel brands, JPX industry names, the
industry crosswalk, company-level concepts and groups) are not records: the signal builder
and the property matcher read them. Their names as sources, which evidence cites and the
ranking recognises, are the constants below.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from spider.errors import InputError

SEEDS = "seeds"  # how a seed file's source is written: seeds/<file>
CURATED = f"{SEEDS}/curated"
HOTEL_BRANDS = f"{CURATED}/hotel_brands.csv"
JPX33_INDUSTRIES = f"{CURATED}/jpx33_industries.csv"
INDUSTRY_CONCEPTS = f"{CURATED}/industry_concepts.csv"
COMPANY_CONCEPTS = f"{CURATED}/company_concepts.csv"
COMPANY_GROUPS = f"{CURATED}/company_groups.csv"


def file_name(source: str) -> str:
    """The file of a curated source constant: 'seeds/curated/hotel_brands.csv' -> 'hotel_brands.csv'."""
    return source.rsplit("/", 1)[-1]


def seeds_dir() -> Path:
    """The seeds: $SPIDER_SEEDS, else those shipped in the package, or seeds/ in a checkout."""
    here = Path(__file__).resolve().parent
    override = os.environ.get("SPIDER_SEEDS")
    if override:
        if not (Path(override) / "manifest.toml").exists():
            raise InputError(f"SPIDER_SEEDS={override}: no manifest.toml there; unset it or fix the path")
        return Path(override)
    for candidate in (here / "seeds", here.parent / "seeds"):
        if (candidate / "manifest.toml").exists():
            return candidate
    raise InputError(f"no seeds/manifest.toml beside {here}; reinstall the package with `pip install .`")


def read_manifest(folder: Path | None = None) -> dict[str, Any]:
    folder = folder or seeds_dir()
    path = folder / "manifest.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None


def curated_dir() -> Path | None:
    """The folder of the curated tables, or None where no seeds are installed."""
    try:
        folder = seeds_dir()
    except InputError:
        return None
    manifest = read_manifest(folder)
    sub = (manifest.get("curated") or {}).get("folder", "curated")
    return folder / sub


def seed_sources(folder: Path | None = None) -> list[dict[str, Any]]:
    """The seed files the manifest names, in order: path, source name, constants, confidence."""
    folder = folder or seeds_dir()
    manifest = read_manifest(folder)
    entries = manifest.get("source") or manifest.get("sources") or []
    return [{"path": folder / entry["file"], "file": entry["file"],
             "source": f"{SEEDS}/{entry['file']}",
             "constants": {k: str(v) for k, v in (entry.get("set") or {}).items()},
             "confidence": float(entry.get("confidence", 0.8))} for entry in entries]
