"""Write a seeded, realistic company directory as CSV, for timing ingest at any size.

    python bench/make_companies.py OUT.csv --rows 150000 [--seed 7] [--mix ja]

Columns: name, address, city, region, country, postal_code, phone, website, category,
description (and name_local for Japanese rows). About 15% of the rows are duplicates of
another company (a legal form added or dropped, a typo, a reformatted phone, a moved word),
so resolution has real work. `--mix ja` makes half the rows Japanese companies (katakana and
kanji names, 株式会社, Japanese addresses), written in UTF-8. About 135 bytes a row: 150,000
rows are 20 MB, 1,500,000 are 200 MB. Nothing here is real data.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

HEADS = """Acme Apex Atlas Aurora Beacon Birch Blue Bright Cedar Civic Coastal Cobalt Crown Delta
Eagle Echo Elm Ember Falcon Fern First Fox Global Golden Granite Green Harbor Hawk Highland
Horizon Iron Ivy Jade Keystone Lake Liberty Lion Maple Meridian Metro Mill Mission Nova Oak
Ocean Orion Pacific Peak Pine Pioneer Prairie Prime Quest Rapid Raven Red Ridge River Rock
Royal Sage Silver Sky Solar Spring Star Sterling Stone Summit Sun Swift Tide Titan Trinity
True Union United Valley Vista Wave West Willow Wolf Zenith""".split()
TAILS = """Works Partners Group Systems Labs Foods Logistics Dental Clinic Bakery Brewing Cafe
Motors Hotel Inn Realty Builders Design Media Studio Tech Electric Plumbing Roofing Printing
Pharmacy Fitness Academy Consulting Capital Insurance Travel Auto Outfitters Farms Kitchen
Supply Tools Textiles Metals Plastics Energy Solar Water Garden Florist Salon Spa""".split()
LEGAL = ["Inc", "LLC", "Ltd", "Co", "Corp", "Company", "", "", ""]
CITIES = [("Springfield", "IL", "US"), ("Portland", "OR", "US"), ("Austin", "TX", "US"),
          ("Denver", "CO", "US"), ("Columbus", "OH", "US"), ("Madison", "WI", "US"),
          ("Raleigh", "NC", "US"), ("Tucson", "AZ", "US"), ("Omaha", "NE", "US"),
          ("Boise", "ID", "US"), ("Leeds", "", "GB"), ("Bristol", "", "GB"),
          ("Toronto", "ON", "CA"), ("Calgary", "AB", "CA"), ("Perth", "WA", "AU")]
STREETS = "Main Oak Pine Maple Cedar Elm Washington Lake Hill Park River Church Market".split()
KINDS = ["Street", "Avenue", "Road", "Boulevard", "Lane", "Drive"]
CATEGORIES = ["bakery", "brewery", "cafe", "dental clinic", "pharmacy", "hotel", "restaurant",
              "auto repair", "plumbing", "roofing", "electrician", "printing", "florist",
              "fitness studio", "law firm", "accounting", "insurance agency", "travel agency",
              "real estate agency", "software", "consulting", "logistics", "warehouse",
              "machine shop", "textile mill", "metal fabrication", "plastics molding",
              "solar installer", "garden center", "hair salon", "day spa", "veterinary clinic",
              "physical therapy", "architecture firm", "engineering firm"]
KATAKANA = """サクラ ヤマト ミドリ アオバ ヒカリ ツバサ ミライ アサヒ ホクト ナギサ カエデ スバル
テクノ サンライズ グリーン ブルー ユニオン パシフィック オーシャン""".split()
KANJI = """山田 田中 中村 小林 高橋 渡辺 伊藤 佐藤 鈴木 加藤 吉田 松本 井上 木村 林 清水 森 池田
橋本 石川 大和 富士 東和 北斗 日本 三和 昭和 新和 丸""".split()
JA_TAILS = ["工業", "商事", "建設", "電機", "食品", "運輸", "製作所", "印刷", "不動産", "薬局",
            "歯科", "ホテル", "旅館", "商店", "物産", "化学", "精機", "設計", "企画", "サービス"]
JA_CITIES = [("新宿区", "東京都", "160"), ("港区", "東京都", "105"), ("大阪市北区", "大阪府", "530"),
             ("名古屋市中区", "愛知県", "460"), ("札幌市中央区", "北海道", "060"),
             ("福岡市博多区", "福岡県", "812"), ("横浜市西区", "神奈川県", "220"),
             ("京都市下京区", "京都府", "600"), ("仙台市青葉区", "宮城県", "980")]
DESCRIPTIONS = ["Family-owned {c} serving {city} since {y}.", "Independent {c} with {n} staff.",
                "{c} for homes and businesses in {city}.", "Award-winning {c}; open daily."]


def english(rng: random.Random) -> dict[str, str]:
    name = f"{rng.choice(HEADS)} {rng.choice(HEADS) + ' ' if rng.random() < 0.3 else ''}" \
           f"{rng.choice(TAILS)}"
    legal = rng.choice(LEGAL)
    city, region, country = rng.choice(CITIES)
    category = rng.choice(CATEGORIES)
    number = rng.randint(1, 9999)
    return {
        "name": f"{name} {legal}".strip(),
        "address": f"{number} {rng.choice(STREETS)} {rng.choice(KINDS)}",
        "city": city, "region": region, "country": country,
        "postal_code": f"{rng.randint(10000, 99999)}",
        "phone": f"+1 {rng.randint(200, 989)}-{rng.randint(200, 989)}-{rng.randint(1000, 9999)}",
        "website": f"https://www.{name.lower().replace(' ', '')}{rng.randint(1, 99)}.com",
        "category": category,
        "description": rng.choice(DESCRIPTIONS).format(c=category, city=city, y=rng.randint(1950, 2020),
                                                       n=rng.randint(3, 300)),
    }


def japanese(rng: random.Random) -> dict[str, str]:
    head = rng.choice(KATAKANA) if rng.random() < 0.5 else rng.choice(KANJI)
    tail = rng.choice(JA_TAILS)
    city, pref, postal = rng.choice(JA_CITIES)
    return {
        "name": f"株式会社{head}{tail}" if rng.random() < 0.5 else f"{head}{tail}株式会社",
        "address": f"{pref}{city}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
        "city": city, "region": pref, "country": "JP",
        "postal_code": f"{postal}-{rng.randint(1000, 9999):04d}",
        "phone": f"0{rng.randint(3, 99)}-{rng.randint(100, 9999)}-{rng.randint(1000, 9999)}",
        "website": "", "category": tail,
        "description": f"{city}の{tail}。創業{rng.randint(1950, 2020)}年。",
    }


def variant(rng: random.Random, row: dict[str, str]) -> dict[str, str]:
    """The same company as another directory writes it."""
    out = dict(row)
    name = out["name"]
    roll = rng.random()
    if roll < 0.3 and " " in name:
        words = name.split()
        out["name"] = " ".join(words[:-1]) if words[-1] in LEGAL else f"{name} Inc"
    elif roll < 0.6 and len(name) > 5:
        i = rng.randrange(1, len(name) - 1)
        out["name"] = name[:i] + name[i + 1:]  # a dropped letter
    elif roll < 0.8:
        out["phone"] = out["phone"].replace("-", " ").replace("+1 ", "(", 1)
    else:
        out["name"] = name.upper()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mix", choices=["en", "ja"], default="en")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    columns = ["name", "address", "city", "region", "country", "postal_code", "phone", "website",
               "category", "description"]
    made: list[dict[str, str]] = []
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for _ in range(args.rows):
            if made and rng.random() < 0.15:
                row = variant(rng, rng.choice(made))
            else:
                row = japanese(rng) if args.mix == "ja" and rng.random() < 0.5 else english(rng)
                if len(made) < 200_000:
                    made.append(row)
                else:
                    made[rng.randrange(len(made))] = row
            writer.writerow(row)


if __name__ == "__main__":
    main()
