"""Write spider/data/country_names.tsv: each ISO 3166-1 country's name in the languages a
user's directory may be written in, from the Unicode CLDR as the Babel package ships it.

    pip install babel && python bench/make_country_names.py

Babel is needed only to regenerate the table, never by Spider. CLDR data: Unicode License
v3 (https://www.unicode.org/license.txt); see spider/data/README.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

from babel import Locale

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "pl", "cs",
             "tr", "ja", "zh", "ko")
OUT = Path(__file__).resolve().parent.parent / "spider" / "data" / "country_names.tsv"


def main() -> None:
    codes = sorted(c for c in Locale.parse("en").territories if len(c) == 2 and c.isalpha())
    rows = []
    for code in codes:
        names: list[str] = []
        for language in LANGUAGES:
            name = Locale.parse(language).territories.get(code)
            if name and name not in names:
                names.append(name)
        rows.append((code, "|".join(names)))
    with open(OUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(("code", "names"))
        writer.writerows(rows)
    print(f"{len(rows)} countries, {len(LANGUAGES)} languages -> {OUT}")


if __name__ == "__main__":
    main()
