"""Three lists of the same central-Tokyo hotels, built from OpenStreetMap, for cross-script
entity resolution (issue 11).

Each OSM feature's `name`, `name:en` and `name:ja` become records in three separate files, as
three directories would list them: a local-name list with English headers, an English list
with a city column, and a list with Japanese headers (名称, 緯度, 経度, 都道府県, 郵便番号).
Phone, website and postal code are spread between the files by a hash (each lands in one or
two of them), and every record's coordinates are moved by up to 25 m in a random direction,
seeded by the feature and the file, so the lists never agree to the metre.

Features are split by a hash of their OSM id into a development half and a held-out half
before anything is tuned; `bench_er.py tokyo` reports the held-out half.

    python bench/tokyo_lists.py OUT_DIR [--half dev|held-out]

writes a.csv, b.csv, c.csv and truth.csv (record id -> OSM id) into OUT_DIR.

Data: © OpenStreetMap contributors, ODbL-1.0 (../shared/data/osm_tokyo_hotels, see
PROVENANCE.md section 7).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
from pathlib import Path

FILE = Path("osm_tokyo_hotels") / "tokyo_hotels_osm_overpass_2023-11-21.geojson"
JITTER_M = 25.0


def held_out(osm_id: str) -> bool:
    return int(hashlib.sha1(osm_id.encode()).hexdigest(), 16) % 2 == 1


def _digest(*parts: str) -> int:
    return int(hashlib.sha1("|".join(parts).encode()).hexdigest(), 16)


def _jitter(lat: float, lon: float, osm_id: str, file: str, seed: int = 0) -> tuple[float, float]:
    rng = random.Random(_digest("jitter", osm_id, file, *([str(seed)] if seed else [])))
    distance = rng.uniform(0, JITTER_M)
    angle = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(angle) / 111_320.0
    dlon = distance * math.sin(angle) / (111_320.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _spread(osm_id: str, field: str, seed: int = 0) -> set[str]:
    """The files ('a', 'b', 'c') a field's value lands in: one or two of them."""
    h = _digest("spread", osm_id, field, *([str(seed)] if seed else []))
    files = ["a", "b", "c"]
    first = files[h % 3]
    return {first} if (h >> 4) % 2 else {first, files[(h >> 8) % 3]}


def _address(tags: dict[str, str]) -> str:
    if tags.get("addr:ja"):
        return tags["addr:ja"]
    if tags.get("addr:full"):
        return tags["addr:full"]
    parts = [tags.get(k, "") for k in ("addr:province", "addr:city", "addr:quarter",
                                        "addr:neighbourhood", "addr:block_number",
                                        "addr:street", "addr:housenumber")]  # fmt: skip
    return " ".join(p for p in parts if p)


def build(data: Path, half: str, seed: int = 0
          ) -> tuple[dict[str, list[dict[str, str]]], dict[str, str]]:
    """({file: rows}, {record id: osm id}) for one half; `seed` draws other jitters and
    spreads of the same features (to look at more errors on the development half)."""
    features = json.loads((data / FILE).read_text(encoding="utf-8"))["features"]
    files: dict[str, list[dict[str, str]]] = {"a": [], "b": [], "c": []}
    truth: dict[str, str] = {}
    for feature in features:
        tags = feature["properties"]
        osm_id = tags["@id"]
        if held_out(osm_id) != (half == "held-out"):
            continue
        lon, lat = feature["geometry"]["coordinates"][:2]
        phone = tags.get("phone") or tags.get("contact:phone") or ""
        website = tags.get("website") or tags.get("url") or tags.get("contact:website") or ""
        postal = tags.get("addr:postcode", "")
        names = {"a": tags.get("name", ""), "b": tags.get("name:en", ""),
                 "c": tags.get("name:ja", "")}  # fmt: skip
        for file, name in names.items():
            if not name:
                continue
            rid = f"{file}{_digest(file, osm_id) % 10**8:08d}"
            jlat, jlon = _jitter(lat, lon, osm_id, file, seed)
            where = {f: file in _spread(osm_id, f, seed) for f in ("phone", "website", "postal")}
            if file == "a":
                row = {"id": rid, "name": name, "tourism": tags.get("tourism", "hotel"),
                       "address": _address(tags), "lat": str(jlat), "lon": str(jlon)}  # fmt: skip
                row["phone"] = phone if where["phone"] else ""
                row["website"] = website if where["website"] else ""
                row["postcode"] = postal if where["postal"] else ""
            elif file == "b":
                row = {"Ref": rid, "Hotel": name, "City": tags.get("addr:city", "") or "Tokyo",
                       "Latitude": str(jlat), "Longitude": str(jlon)}  # fmt: skip
                row["Telephone"] = phone if where["phone"] else ""
                row["Website"] = website if where["website"] else ""
                row["Zip"] = postal if where["postal"] else ""
            else:
                row = {"施設ID": rid, "名称": name, "業種": "ホテル", "都道府県": "東京都",
                       "緯度": str(jlat), "経度": str(jlon)}  # fmt: skip
                row["電話番号"] = phone if where["phone"] else ""
                row["ホームページ"] = website if where["website"] else ""
                row["郵便番号"] = postal if where["postal"] else ""
            files[file].append(row)
            truth[rid] = osm_id
    return files, truth


def write(out: Path, data: Path, half: str, seed: int = 0) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    files, truth = build(data, half, seed)
    paths = {}
    for name, rows in files.items():
        path = out / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        paths[name] = path
    with open(out / "truth.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record", "osm_id"])
        writer.writerows(sorted(truth.items()))
    paths["truth"] = out / "truth.csv"
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--half", choices=("dev", "held-out"), default="held-out")
    parser.add_argument("--seed", type=int, default=0, help="other jitters and spreads")
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    args = parser.parse_args()
    for name, path in write(args.out, args.data, args.half, args.seed).items():
        print(name, path)


if __name__ == "__main__":
    main()
