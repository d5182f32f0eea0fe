"""Write spider/data/country_names.tsv: each ISO 3166-1 country's name in the languages a
user's directory may be written in, from the Unicode CLDR as the Babel package ships it.

    pip install babel && python bench/make_country_names.py

Babel is needed only to regenerate the table, never by Spider. CLDR data: Unicode License
v3 (https://www.unicode.org/license.txt); see spider/data/README.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages

# Each country in English, in Japanese, Chinese and Korean (scripts no word of another
# language is spelt in), and in its own official languages (Deutschland, Österreich, Schweiz,
# Suisse): not every language's name of every country, which turns ordinary words into
# countries ("island", "chili", "man").
LANGUAGES = ("en", "ja", "zh", "ko")
OUT = Path(__file__).resolve().parent.parent / "spider" / "data" / "country_names.tsv"
GAZETTEER = OUT.parent / "gazetteer_countries.csv"  # the ISO 3166-1 countries only


# Names that, once their accents are folded away (as Spider folds place names), are common
# English words or given names: Icelandic Ísland is "island", French Maurice (Mauritius) a name.
NOT_NAMES = {"island", "maurice", "man", "chili", "salvador", "dominique", "norfolk"}


def _fold(name: str) -> str:
    import unicodedata

    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return bare.casefold()


def main() -> None:
    countries = {row["code"] for row in csv.DictReader(open(GAZETTEER, encoding="utf-8"))}
    codes = sorted(c for c in Locale.parse("en").territories if c in countries)
    rows = []
    for code in codes:
        names: list[str] = []
        own = [lang for lang in get_official_languages(code, de_facto=True)]
        for language in (*LANGUAGES, *own):
            try:
                name = Locale.parse(language).territories.get(code)
            except (ValueError, UnknownLocaleError):
                continue
            if name and name not in names and _fold(name) not in NOT_NAMES:
                names.append(name)
        rows.append((code, "|".join(names)))
    with open(OUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(("code", "names"))
        writer.writerows(rows)
    print(f"{len(rows)} countries -> {OUT}")


if __name__ == "__main__":
    main()
