"""Write the relevance benchmark's directories from the public files in ../shared/data.

    python bench/data/relevance/prepare.py [SHARED_DATA_DIR]

Each output keeps the columns a rep's copy of the directory would have, with the publisher's
codes written out as the labels of the publisher's own data dictionary (DISCIPL "ART" ->
"Art Museum", SECTOR 1 -> "Public, 4-year or above"), the way a directory shows them to a
reader. Rows are not filtered. Sources, licences and the transformations: README.md here.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

MUSEUM_DISCIPLINES = {  # IMLS Museum Data Files, DISCIPL
    "ART": "Art Museum", "HST": "History Museum",
    "BOT": "Arboretum, Botanical Garden or Nature Center",
    "SCI": "Science and Technology Museum or Planetarium",
    "ZAW": "Zoo, Aquarium or Wildlife Conservation", "CMU": "Children's Museum",
    "NAT": "Natural History Museum",
}
COLLEGE_SECTORS = {  # IPEDS HD2020, SECTOR
    "0": "Administrative Unit", "1": "Public, 4-year or above",
    "2": "Private not-for-profit, 4-year or above", "3": "Private for-profit, 4-year or above",
    "4": "Public, 2-year", "5": "Private not-for-profit, 2-year", "6": "Private for-profit, 2-year",
    "7": "Public, less-than 2-year", "8": "Private not-for-profit, less-than 2-year",
    "9": "Private for-profit, less-than 2-year", "99": "Sector unknown (not active)",
}
COLLEGE_SIZES = {  # IPEDS HD2020, INSTSIZE
    "1": "Under 1,000", "2": "1,000 - 4,999", "3": "5,000 - 9,999", "4": "10,000 - 19,999",
    "5": "20,000 and above", "-1": "", "-2": "",
}
COLLEGE_STATUS = {"1": "active", "3": "closed"}  # IPEDS HD2020, CYACTIVE (3: closed or merged)


def _rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def _write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with open(HERE / name, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def main(shared: Path) -> None:
    museums = _rows(shared / "us_museums_imls" / "MuseumFile2018_File1_Nulls.csv")
    _write("us_museums.csv",
           ["MID", "Museum", "Discipline", "City", "State", "ZIP", "Phone", "Website",
            "Latitude", "Longitude", "Income code"],
           [[r["MID"], r["COMMONNAME"].strip(), MUSEUM_DISCIPLINES[r["DISCIPL"]],
             r["ADCITY"].strip(), r["ADSTATE"].strip(), r["ADZIP5"].strip(), r["PHONE"].strip(),
             r["WEBURL"].strip(), r["LATITUDE"].strip(), r["LONGITUDE"].strip(),
             r["INCOMECD15"].strip()] for r in museums])
    colleges = _rows(shared / "us_colleges_ipeds" / "hd2020.csv", "latin-1")
    _write("us_colleges.csv",
           ["UNITID", "Institution", "Sector", "Size", "Status", "Address", "City", "State",
            "ZIP", "Phone", "Website", "Latitude", "Longitude"],
           [[r["UNITID"], r["INSTNM"].strip(), COLLEGE_SECTORS[r["SECTOR"]],
             COLLEGE_SIZES[r["INSTSIZE"]], COLLEGE_STATUS[r["CYACTIVE"]], r["ADDR"].strip(),
             r["CITY"].strip(), r["STABBR"].strip(), r["ZIP"].strip(), r["GENTELE"].strip(),
             r["WEBADDR"].strip(), r["LATITUDE"].strip(), r["LONGITUD"].strip()]
            for r in colleges])
    airports = _rows(shared / "world_airports" / "airports_joined.csv")
    _write("world_airports.csv",
           ["icao", "name", "type", "city", "subd", "country", "latitude", "longitude",
            "website"],
           [[r["icao"], r["name"], r["type"], r["city"], r["subd"], r["country"], r["latitude"],
             r["longitude"], r["website"]] for r in airports])
    schools = _rows(shared / "japan_high_schools_mext" / "highschools_mext.csv")
    _write("jp_high_schools.csv", ["学校コード", "学校名", "都道府県", "市区町村", "設置者"],
           [[r["school_code"], r["name"], r["prefecture"], r["city"],
             {"public": "公立", "private": "私立", "national": "国立"}[r["type"]]] for r in schools])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[3] / "shared" / "data")
