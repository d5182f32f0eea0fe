"""The shipped seeds: they parse, their columns land in the right fields, and the curated tables agree."""

from __future__ import annotations

import csv
import importlib.util
import json
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from spider.ingest import IngestReport, read_seed_file

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared" / "data"
TIERS = {"five-star", "luxury", "upscale", "midscale", "business", "budget", "capsule"}


def rows(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def manifest() -> dict:
    return tomllib.loads((SEEDS / "manifest.toml").read_text(encoding="utf-8"))


def read_all(name: str) -> tuple[list[dict], IngestReport]:
    report = IngestReport(name)
    return list(read_seed_file(SEEDS / name, report=report)), report


@pytest.mark.parametrize("entry", manifest()["source"], ids=lambda e: e["file"])
def test_manifest_entries_parse(entry):
    assert 0 < entry["confidence"] <= 1 and entry["description"]
    records, report = read_all(entry["file"])
    assert records and report.encoding == "utf-8"
    assert all(r.get("name") or r.get("name_en") or r.get("name_local") for r in records)


def test_curated_tables_listed_in_manifest_exist():
    curated = manifest()["curated"]
    assert (SEEDS / curated["folder"]).is_dir()
    for key, path in curated.items():
        if key != "folder":
            assert (SEEDS / path).exists(), path


@pytest.mark.parametrize(("name", "count", "fields"), [
    ("jpx_listed_companies.csv", 3969, ["name", "name_en", "name_kana", "legal_name", "corporate_number",
                                        "industry_scheme", "industry_code", "industry_label", "address",
                                        "region", "city", "country", "website", "description", "employees"]),
    ("sp500.csv", 503, ["name", "industry_scheme", "industry_label", "city", "region", "country"]),
    ("tokyo_hotel_lists.csv", 251, ["name", "list_title", "list_url", "rating", "city", "district",
                                    "region", "country", "category"]),
])
def test_columns_map_to_fields_not_extra(name, count, fields):
    records, report = read_all(name)
    assert report.read == count and not report.skipped
    for field in fields:
        assert any(r.get(field) for r in records), field
    extra = {k for r in records for k in json.loads(r.get("extra") or "{}")}
    assert not extra & set(fields)


def test_jpx_row_for_imperial_hotel():
    by_code = {r["securities_code"]: r for r in rows("jpx_listed_companies.csv")}
    imperial = by_code["9708"]
    assert imperial["name"] == "帝国ホテル"
    assert imperial["name_en"] == "Imperial Hotel, Ltd."
    assert imperial["corporate_number"] and imperial["industry_code"] == "9050"
    assert (imperial["region"], imperial["city"]) == ("東京都", "千代田区")
    assert by_code["7203"]["industry_label_en"] == "Transportation Equipment"
    assert by_code["8985"]["category"] == "REIT"
    assert "1305" not in by_code  # an ETF


def test_osm_file_is_the_source_copy():
    data = json.loads((SEEDS / "tokyo_hotels_osm.geojson").read_text(encoding="utf-8"))
    assert len(data["features"]) == 377
    source = SHARED / "osm_tokyo_hotels" / "tokyo_hotels_osm_overpass_2023-11-21.geojson"
    if source.exists():
        assert (SEEDS / "tokyo_hotels_osm.geojson").read_bytes() == source.read_bytes()
    assert "© OpenStreetMap contributors" in (SEEDS / "README.md").read_text(encoding="utf-8")
    assert "Open Database License" in (SEEDS / "LICENSE-ODbL.txt").read_text(encoding="utf-8")


def test_hotel_brands_are_well_formed_and_groups_link():
    tickers = {r["ticker"] for r in rows("sp500.csv")}
    codes = {r["securities_code"] for r in rows("jpx_listed_companies.csv")}
    brands = rows("curated/hotel_brands.csv")
    assert len({b["brand"] for b in brands}) == len(brands)
    for brand in brands:
        assert brand["tier"] in TIERS, brand["brand"]
        assert brand["source"] and brand["patterns"]
        assert all(p == p.lower() for p in brand["patterns"].split("|"))
        if brand["group_ticker"]:
            assert brand["group_ticker"] in tickers | codes, brand["brand"]


def test_industry_concepts_cover_both_taxonomies():
    concepts = rows("curated/industry_concepts.csv")
    by_key = defaultdict(list)
    for row in concepts:
        by_key[(row["scheme"], row["code_or_label"])].append(row)
    jpx33 = {r["code"] for r in rows("curated/jpx33_industries.csv")}
    gics = {r["industry_label"] for r in rows("sp500.csv")}
    assert jpx33 == {code for scheme, code in by_key if scheme == "jpx33"}
    assert gics == {label for scheme, label in by_key if scheme == "gics"}
    for key, group in by_key.items():
        assert [r["primary"] for r in group].count("yes") == 1, key
        assert group[-1]["primary"] == "yes", key
    primary = {key: group[-1]["concept"] for key, group in by_key.items()}
    assert primary[("jpx33", "3700")] == primary[("gics", "Automobile Manufacturers")]
    assert primary[("gics", "Hotels, Resorts & Cruise Lines")] == "hotels_lodging"
    assert primary[("gics", "Hotel & Resort REITs")] == "hotel_reit"


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data")
def test_build_script_reproduces_the_seeds(tmp_path):
    spec = importlib.util.spec_from_file_location("build_seeds", REPO / "tools" / "build_seeds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(SHARED), "--out", str(tmp_path)]) == 0
    for name in ("jpx_listed_companies.csv", "sp500.csv", "tokyo_hotel_lists.csv",
                 "tokyo_hotels_osm.geojson", "curated/jpx33_industries.csv"):
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name
