"""Write a seeded, realistic company directory as CSV, with its ground truth, for timing and
scoring ingest and resolution at any size.

    python bench/make_companies.py OUT.csv (--rows N | --mb M) [--seed 7] [--mix ja] [--truth T.csv]

Each row has the directory's own id (`listing_id`), a name, an address, city, region, country,
postal code, phone, website, category and a short description. Names are drawn the way a
national register's are: mostly a coined or family name with a trade word ("Tambra
Logistics Inc"), some from common words that many unrelated firms share in different towns
("Summit Dental" in Boise and in Leeds: different companies). About 15% of the rows are another
listing of an earlier company, as a second directory writes it: the legal form added, dropped or
spelled out, a letter dropped or swapped, the street abbreviated, the phone reformatted or
missing, the name in capitals, the city left out. `--mix ja` makes half the companies Japanese
(katakana or kanji names with 株式会社 before or after, (株), Japanese addresses, and an English
name for some), some listed again in romaji only. `--truth` writes listing_id,entity_id.
About 150 bytes a row: `--mb 20` is about 140,000 rows, `--mb 200` about 1.4 million.
Nothing here is real data.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
from pathlib import Path

ONSETS = "b br c ch cl d dr f fl g gr h j k kr l m n p pr qu r s sh st t tr v w z".split()
VOWELS = "a e i o u a e o ai ea io".split()
CODAS = ["", "", "", "n", "r", "l", "m", "s", "x", "nd", "rt", "th", "ck", "st"]
HEADS = """Acme Apex Atlas Aurora Beacon Birch Blue Bright Cedar Civic Coastal Cobalt Crown Delta
Eagle Echo Elm Ember Falcon Fern First Fox Global Golden Granite Green Harbor Hawk Highland
Horizon Iron Ivy Jade Keystone Lake Liberty Lion Maple Meridian Metro Mill Mission Nova Oak
Ocean Orion Pacific Peak Pine Pioneer Prairie Prime Quest Rapid Raven Red Ridge River Rock
Royal Sage Silver Sky Solar Spring Star Sterling Stone Summit Sun Swift Tide Titan Trinity
True Union United Valley Vista Wave West Willow Wolf Zenith""".split()
TRADES = {
    "bakery": ["Bakery", "Bakehouse", "Breads"], "brewery": ["Brewing", "Brewery", "Ales"],
    "cafe": ["Cafe", "Coffee", "Roasters"], "dental clinic": ["Dental", "Dentistry", "Smiles"],
    "pharmacy": ["Pharmacy", "Drugs", "Apothecary"], "hotel": ["Hotel", "Inn", "Suites"],
    "restaurant": ["Grill", "Kitchen", "Bistro", "Diner"], "auto repair": ["Auto", "Motors", "Garage"],
    "plumbing": ["Plumbing", "Pipe & Drain"], "roofing": ["Roofing", "Roofers"],
    "electrician": ["Electric", "Electrical"], "printing": ["Printing", "Press", "Print"],
    "florist": ["Florist", "Flowers", "Blooms"], "fitness studio": ["Fitness", "Gym", "Athletics"],
    "law firm": ["Law", "Legal", "& Associates"], "accounting": ["Accounting", "CPAs", "Tax"],
    "insurance agency": ["Insurance", "Assurance"], "travel agency": ["Travel", "Tours"],
    "real estate agency": ["Realty", "Properties", "Homes"], "software": ["Software", "Labs", "Systems"],
    "consulting": ["Consulting", "Advisors", "Partners"], "logistics": ["Logistics", "Freight"],
    "machine shop": ["Machine", "Tool & Die", "Precision"], "textile mill": ["Textiles", "Mills"],
    "metal fabrication": ["Metals", "Steel", "Fabrication"], "plastics molding": ["Plastics", "Molding"],
    "solar installer": ["Solar", "Energy"], "garden center": ["Garden", "Nursery"],
    "hair salon": ["Salon", "Hair"], "veterinary clinic": ["Veterinary", "Animal Hospital"],
    "architecture firm": ["Architects", "Design"], "engineering firm": ["Engineering", "Engineers"],
}
LEGAL = ["Inc", "Inc.", "LLC", "Ltd", "Co.", "Corp", "Company", "Group", "", "", "", ""]
SPELLED = {"Inc": "Incorporated", "Inc.": "Incorporated", "Corp": "Corporation", "Ltd": "Limited",
           "Co.": "Company", "LLC": "L.L.C."}
COUNTRIES = [("US", ["IL", "OR", "TX", "CO", "OH", "WI", "NC", "AZ", "NE", "ID", "GA", "MN"]),
             ("GB", [""]), ("CA", ["ON", "AB", "BC"]), ("AU", ["WA", "NSW", "VIC"])]
CALLING = {"US": "+1", "CA": "+1", "GB": "+44", "AU": "+61"}
TOWN_WORDS = "Ash Oak Maple Cedar Elm Pine Lake River Glen Brook Spring Fair Green North South".split()
TOWN_ENDS = "Park Springs Falls Ridge Valley Hills ford ton ville field wood dale port".split()
STREETS = "Main Oak Pine Maple Cedar Elm Washington Lake Hill Park River Church Market Mill".split()
KINDS = {"Street": "St", "Avenue": "Ave", "Road": "Rd", "Boulevard": "Blvd", "Lane": "Ln",
         "Drive": "Dr"}
DESCRIPTIONS = ["Family-owned {c} serving {city} since {y}.", "Independent {c} with {n} staff.",
                "{c} for homes and businesses in {city}.", "Award-winning {c}; open daily.", ""]

# Japanese: kana syllables with their romaji, so a company's English name is its reading.
KANA = [("ka", "カ"), ("ki", "キ"), ("ku", "ク"), ("ko", "コ"), ("sa", "サ"), ("shi", "シ"),
        ("su", "ス"), ("so", "ソ"), ("ta", "タ"), ("to", "ト"), ("na", "ナ"), ("ni", "ニ"),
        ("no", "ノ"), ("ha", "ハ"), ("hi", "ヒ"), ("ho", "ホ"), ("ma", "マ"), ("mi", "ミ"),
        ("mo", "モ"), ("ya", "ヤ"), ("yu", "ユ"), ("ra", "ラ"), ("ri", "リ"), ("ru", "ル"),
        ("ro", "ロ"), ("wa", "ワ"), ("n", "ン"), ("te", "テ"), ("be", "ベ"), ("ga", "ガ"),
        ("da", "ダ"), ("za", "ザ"), ("pa", "パ"), ("me", "メ"), ("ke", "ケ"), ("se", "セ")]
KANJI = [("山田", "Yamada"), ("田中", "Tanaka"), ("中村", "Nakamura"), ("小林", "Kobayashi"),
         ("高橋", "Takahashi"), ("渡辺", "Watanabe"), ("伊藤", "Ito"), ("佐藤", "Sato"),
         ("鈴木", "Suzuki"), ("加藤", "Kato"), ("吉田", "Yoshida"), ("松本", "Matsumoto"),
         ("井上", "Inoue"), ("木村", "Kimura"), ("清水", "Shimizu"), ("池田", "Ikeda"),
         ("橋本", "Hashimoto"), ("石川", "Ishikawa"), ("大和", "Yamato"), ("富士", "Fuji"),
         ("東和", "Towa"), ("北斗", "Hokuto"), ("三和", "Sanwa"), ("昭和", "Showa"),
         ("新和", "Shinwa"), ("丸山", "Maruyama"), ("前田", "Maeda"), ("藤田", "Fujita"),
         ("岡田", "Okada"), ("後藤", "Goto"), ("長谷川", "Hasegawa"), ("村上", "Murakami"),
         ("近藤", "Kondo"), ("坂本", "Sakamoto"), ("遠藤", "Endo"), ("青木", "Aoki"),
         ("藤井", "Fujii"), ("西村", "Nishimura"), ("福田", "Fukuda"), ("太田", "Ota"),
         ("三浦", "Miura"), ("藤原", "Fujiwara"), ("岡本", "Okamoto"), ("松田", "Matsuda"),
         ("中川", "Nakagawa"), ("中野", "Nakano"), ("原田", "Harada"), ("小野", "Ono")]
JA_TRADES = [("工業", "Kogyo"), ("商事", "Shoji"), ("建設", "Kensetsu"), ("電機", "Denki"),
             ("食品", "Shokuhin"), ("運輸", "Unyu"), ("製作所", "Seisakusho"), ("印刷", "Insatsu"),
             ("不動産", "Fudosan"), ("薬局", "Yakkyoku"), ("歯科", "Shika"), ("ホテル", "Hotel"),
             ("旅館", "Ryokan"), ("商店", "Shoten"), ("物産", "Bussan"), ("化学", "Kagaku"),
             ("精機", "Seiki"), ("設計", "Sekkei"), ("企画", "Kikaku"), ("サービス", "Service")]
JA_PLACES = [("新宿区", "東京都", "160"), ("港区", "東京都", "105"), ("大田区", "東京都", "143"),
             ("大阪市北区", "大阪府", "530"), ("堺市堺区", "大阪府", "590"),
             ("名古屋市中区", "愛知県", "460"), ("豊田市", "愛知県", "471"),
             ("札幌市中央区", "北海道", "060"), ("旭川市", "北海道", "070"),
             ("福岡市博多区", "福岡県", "812"), ("北九州市小倉北区", "福岡県", "802"),
             ("横浜市西区", "神奈川県", "220"), ("川崎市川崎区", "神奈川県", "210"),
             ("京都市下京区", "京都府", "600"), ("仙台市青葉区", "宮城県", "980"),
             ("広島市中区", "広島県", "730"), ("静岡市葵区", "静岡県", "420"),
             ("浜松市中央区", "静岡県", "430"), ("新潟市中央区", "新潟県", "950"),
             ("金沢市", "石川県", "920"), ("岡山市北区", "岡山県", "700"), ("熊本市中央区", "熊本県", "860"),
             ("鹿児島市", "鹿児島県", "890"), ("那覇市", "沖縄県", "900"), ("高松市", "香川県", "760"),
             ("松山市", "愛媛県", "790"), ("宇都宮市", "栃木県", "320"), ("前橋市", "群馬県", "371"),
             ("長野市", "長野県", "380"), ("岐阜市", "岐阜県", "500")]


def coined(rng: random.Random, syllables: int) -> str:
    word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables))
    return (word + rng.choice(CODAS)).capitalize()


def town(rng: random.Random) -> str:
    end = rng.choice(TOWN_ENDS)
    head = rng.choice(TOWN_WORDS) if rng.random() < 0.6 else coined(rng, 1)
    return f"{head}{end}" if end.islower() else f"{head} {end}"


class World:
    """The towns a run's companies are in (fixed by the seed): a few big cities and many small
    towns (sizes fall off with rank, as real ones do), each with its own postal codes, more
    of them the bigger it is."""

    def __init__(self, rng: random.Random) -> None:
        self.towns = []
        weights = []
        for rank in range(1, 1501):
            region, country = self._region(rng)
            codes = [self._postal(rng, country) for _ in range(max(1, int(60 / rank ** 0.5)))]
            self.towns.append((town(rng), region, country, codes))
            weights.append(rank ** -0.8)
        self.cumulative = list(itertools.accumulate(weights))
        self.families = [coined(rng, rng.choice((1, 2, 2, 3))) for _ in range(20000)]

    def pick(self, rng: random.Random) -> tuple[str, str, str, list[str]]:
        return rng.choices(self.towns, cum_weights=self.cumulative)[0]

    @staticmethod
    def _region(rng: random.Random) -> tuple[str, str]:
        country, regions = rng.choice(COUNTRIES)
        return rng.choice(regions), country

    @staticmethod
    def _postal(rng: random.Random, country: str) -> str:
        if country == "US":
            return f"{rng.randint(10000, 99999)}"
        letters = "ABCEGHJKLMNPRSTVXY"
        return (f"{rng.choice(letters)}{rng.randint(1, 9)} {rng.randint(1, 9)}"
                f"{rng.choice(letters)}{rng.choice(letters)}")


def english(rng: random.Random, world: World) -> dict[str, str]:
    category = rng.choice(list(TRADES))
    trade = rng.choice(TRADES[category])
    roll = rng.random()
    if roll < 0.45:
        name = f"{rng.choice(world.families)} {trade}"
    elif roll < 0.65:
        name = f"{coined(rng, rng.choice((1, 2)))} {rng.choice(HEADS)} {trade}"
    elif roll < 0.8:
        name = f"{rng.choice(HEADS)} {trade}"  # many unrelated firms share these
    else:
        name = f"{rng.choice(world.families)} & {rng.choice(world.families)} {trade}"
    legal = rng.choice(LEGAL)
    city, region, country, codes = world.pick(rng)
    website = ""
    if rng.random() < 0.5:
        website = f"https://www.{''.join(c for c in name.lower() if c.isalnum())}.com"
    return {
        "name": f"{name} {legal}".strip(),
        "address": f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(list(KINDS))}",
        "city": city, "region": region, "country": country,
        "postal_code": rng.choice(codes),
        "phone": f"{CALLING[country]} {rng.randint(200, 989)}-{rng.randint(200, 989)}-"
                 f"{rng.randint(1000, 9999)}",
        "website": website,
        "category": category,
        "description": rng.choice(DESCRIPTIONS).format(
            c=category, city=city, y=rng.randint(1950, 2020), n=rng.randint(3, 300)),
    }


def japanese(rng: random.Random) -> dict[str, str]:
    trade, trade_en = rng.choice(JA_TRADES)
    if rng.random() < 0.6:
        parts = [rng.choice(KANA) for _ in range(rng.choice((2, 3, 3, 4)))]
        head = "".join(k for _, k in parts)
        reading = "".join(r for r, _ in parts).capitalize()
    else:
        head, reading = rng.choice(KANJI)
    city, pref, postal = rng.choice(JA_PLACES)
    name = f"株式会社{head}{trade}" if rng.random() < 0.5 else f"{head}{trade}株式会社"
    return {
        "name": name,
        "name_en": f"{reading} {trade_en} Co., Ltd." if rng.random() < 0.4 else "",
        "address": f"{pref}{city}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
        "city": city, "region": pref, "country": "JP",
        "postal_code": f"{postal}-{rng.randint(0, 30):04d}",
        "phone": f"0{rng.randint(3, 99)}-{rng.randint(100, 9999)}-{rng.randint(1000, 9999)}",
        "website": "", "category": trade,
        "description": f"{city}の{trade}。創業{rng.randint(1950, 2020)}年。",
    }


def _typo(rng: random.Random, name: str) -> str:
    words = name.split()
    i = rng.randrange(len(words))
    word = words[i]
    if len(word) < 5 or not word.isalpha():
        return name
    j = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        word = word[:j] + word[j + 1:]  # a dropped letter
    else:
        word = word[:j] + word[j + 1] + word[j] + word[j + 2:]  # two letters swapped
    words[i] = word
    return " ".join(words)


def variant(rng: random.Random, row: dict[str, str]) -> dict[str, str]:
    """The same company as another directory writes it: one or two changes."""
    out = dict(row)
    for _ in range(rng.choice((1, 1, 2))):
        roll = rng.random()
        name = out["name"]
        if out["country"] == "JP":
            if roll < 0.3:
                out["name"] = name.replace("株式会社", "(株)")
            elif roll < 0.45 and out.get("name_en"):
                out["name"], out["name_en"] = out["name_en"], ""  # listed in romaji only
            elif roll < 0.6:
                out["name_en"] = ""
            elif roll < 0.8:
                out["phone"] = out["phone"].replace("-", "")
            else:
                out["address"] = out["address"].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
            continue
        words = name.split()
        if roll < 0.25:
            last = words[-1]
            if last in SPELLED and rng.random() < 0.5:
                out["name"] = " ".join([*words[:-1], SPELLED[last]])
            elif last in LEGAL:
                out["name"] = " ".join(words[:-1])
            else:
                out["name"] = f"{name} {rng.choice(['Inc', 'LLC', 'Ltd'])}"
        elif roll < 0.45:
            out["name"] = _typo(rng, name)
        elif roll < 0.55:
            out["name"] = name.upper()
        elif roll < 0.7:
            for long, short in KINDS.items():
                out["address"] = out["address"].replace(long, short)
        elif roll < 0.85:
            out["phone"] = "" if rng.random() < 0.3 else \
                out["phone"].split(" ", 1)[-1].replace("-", " ")
        elif roll < 0.93:
            out["city"] = ""
        else:
            out["website"] = out["website"].replace("https://www.", "http://")
    return out


COLUMNS = ["listing_id", "name", "name_en", "address", "city", "region", "country",
           "postal_code", "phone", "website", "category", "description"]


def write(out: Path, *, rows: int | None = None, mb: float | None = None, seed: int = 7,
          mix: str = "en", truth: Path | None = None) -> int:
    """Write the directory (and its truth); the number of rows written."""
    rng = random.Random(seed)
    world = World(rng)
    limit = int(mb * 1_000_000) if mb else None
    made: list[tuple[int, dict[str, str]]] = []
    written = 0
    truth_handle = open(truth, "w", encoding="utf-8", newline="") if truth else None
    truth_writer = csv.writer(truth_handle) if truth_handle else None
    if truth_writer:
        truth_writer.writerow(["listing_id", "entity_id"])
    try:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            entities = 0
            while (rows is None or written < rows) and (limit is None or handle.tell() < limit):
                if made and rng.random() < 0.15:
                    entity, base = made[rng.randrange(len(made))]
                    row = variant(rng, base)
                else:
                    entity, entities = entities, entities + 1
                    row = japanese(rng) if mix == "ja" and rng.random() < 0.5 else \
                        english(rng, world)
                    if len(made) < 200_000:
                        made.append((entity, row))
                    else:
                        made[rng.randrange(len(made))] = (entity, row)
                written += 1
                listing = f"L{written:08d}"
                writer.writerow({"listing_id": listing, "name_en": "", **row})
                if truth_writer:
                    truth_writer.writerow([listing, entity])
    finally:
        if truth_handle:
            truth_handle.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--rows", type=int)
    size.add_argument("--mb", type=float, help="stop when the file reaches this many megabytes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mix", choices=["en", "ja"], default="en")
    parser.add_argument("--truth", type=Path, help="also write listing_id,entity_id here")
    args = parser.parse_args()
    rows = args.rows if args.rows or args.mb else 150_000
    written = write(args.out, rows=rows, mb=args.mb, seed=args.seed, mix=args.mix,
                    truth=args.truth)
    print(f"{args.out}: {written} rows, {args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
