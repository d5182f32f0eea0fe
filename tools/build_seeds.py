"""Build the derived seed files in seeds/ from the third-party data in ../shared/data.

    python tools/build_seeds.py                      # data at ../shared/data
    python tools/build_seeds.py /path/to/shared/data --out seeds

Writes seeds/jpx_listed_companies.csv, seeds/sp500.csv, seeds/tokyo_hotel_lists.csv and
seeds/curated/jpx33_industries.csv, and copies the OSM GeoJSON byte for byte. The other curated
tables in seeds/curated/ are compiled by hand, not here.
Output is deterministic: same input, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OSM_FILE = "osm_tokyo_hotels/tokyo_hotels_osm_overpass_2023-11-21.geojson"

# JPX's official English names of the 33 industries (keyed as the JPX file writes the code).
JPX33_EN = {
    "50": "Fishery, Agriculture & Forestry", "1050": "Mining", "2050": "Construction",
    "3050": "Foods", "3100": "Textiles & Apparels", "3150": "Pulp & Paper", "3200": "Chemicals",
    "3250": "Pharmaceutical", "3300": "Oil & Coal Products", "3350": "Rubber Products",
    "3400": "Glass & Ceramics Products", "3450": "Iron & Steel", "3500": "Nonferrous Metals",
    "3550": "Metal Products", "3600": "Machinery", "3650": "Electric Appliances",
    "3700": "Transportation Equipment", "3750": "Precision Instruments", "3800": "Other Products",
    "4050": "Electric Power & Gas", "5050": "Land Transportation", "5100": "Marine Transportation",
    "5150": "Air Transportation", "5200": "Warehousing & Harbor Transportation Services",
    "5250": "Information & Communication", "6050": "Wholesale Trade", "6100": "Retail Trade",
    "7050": "Banks", "7100": "Securities & Commodity Futures", "7150": "Insurance",
    "7200": "Other Financing Business", "8050": "Real Estate", "9050": "Services",
}
# TOPIX-17 series names in English, as JPX and J-Quants write them.
JPX17_EN = {
    "1": "Foods", "2": "Energy Resources", "3": "Construction & Materials",
    "4": "Raw Materials & Chemicals", "5": "Pharmaceutical", "6": "Automobiles & Transportation Equipment",
    "7": "Steel & Nonferrous Metals", "8": "Machinery", "9": "Electric Appliances & Precision Instruments",
    "10": "IT & Services, Others", "11": "Electric Power & Gas", "12": "Transportation & Logistics",
    "13": "Commercial & Wholesale Trade", "14": "Retail Trade", "15": "Banks",
    "16": "Financials (ex Banks)", "17": "Real Estate",
}

PREFECTURES = (
    "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 "
    "新潟県 富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 "
    "奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 "
    "熊本県 大分県 宮崎県 鹿児島県 沖縄県"
).split()
TOKYO_WARDS = (
    "千代田区 中央区 港区 新宿区 文京区 台東区 墨田区 江東区 品川区 目黒区 大田区 世田谷区 渋谷区 中野区 "
    "杉並区 豊島区 北区 荒川区 板橋区 練馬区 足立区 葛飾区 江戸川区"
).split()
# Municipalities whose names hold 市/区/町/村/郡 before the end, which a shortest match would cut.
AWKWARD_MUNICIPALITIES = (
    "四日市市 廿日市市 野々市市 大町市 十日町市 東村山市 武蔵村山市 羽村市 田村市 大村市 上市町 下市町 "
    "玉村町 大和郡山市 蒲郡市 小郡市 郡山市 郡上市 市川市 市原市 町田市 村上市 村山市"
).split()

# Designated cities, for head-office addresses written without the prefecture (EDINET does this).
DESIGNATED_CITIES = {
    "札幌市": "北海道", "仙台市": "宮城県", "さいたま市": "埼玉県", "千葉市": "千葉県", "横浜市": "神奈川県",
    "川崎市": "神奈川県", "相模原市": "神奈川県", "新潟市": "新潟県", "静岡市": "静岡県", "浜松市": "静岡県",
    "名古屋市": "愛知県", "京都市": "京都府", "大阪市": "大阪府", "堺市": "大阪府", "神戸市": "兵庫県",
    "岡山市": "岡山県", "広島市": "広島県", "北九州市": "福岡県", "福岡市": "福岡県", "熊本市": "熊本県",
}
# Foreign companies listed in Tokyo: their head-office country, from the address.
FOREIGN_ADDRESS = {"マレーシア": "MY", "米国": "US", "アメリカ合衆国": "US", "シンガポール": "SG",
                   "Singapore": "SG", "ケイマン諸島": "KY"}

US_STATES = {
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
    "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky",
    "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi",
    "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico",
    "New York", "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania",
    "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont",
    "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming", "District of Columbia",
}
COUNTRIES = {"Ireland": "IE", "United Kingdom": "GB", "Switzerland": "CH", "Bermuda": "BM",
             "Netherlands": "NL", "Canada": "CA"}

JPX_COLUMNS = [
    "name", "name_en", "name_kana", "legal_name", "corporate_number", "industry_scheme",
    "industry_code", "industry_label", "industry_label_en", "jpx17_code", "jpx17_label",
    "securities_code", "market", "size_class", "category", "address", "region", "city", "country",
    "website", "description", "employees", "edinet_code", "name_en_source", "list_date",
]
SP500_COLUMNS = [
    "name", "ticker", "industry_scheme", "industry_label", "gics_sector", "city", "region", "country",
    "cik", "founded", "date_added",
]
JPX33_COLUMNS = ["code", "label_ja", "label_en", "jpx17_code", "jpx17_label_ja", "jpx17_label_en",
                 "companies", "source"]
HOTEL_LIST_COLUMNS = [
    "name", "list_id", "list_title", "list_url", "list_date", "list_kind", "rating", "city",
    "district", "region", "country", "category",
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def nfkc(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def clean(text: str) -> str:
    """Trim, and turn runs of whitespace (including the ideographic space) into one space."""
    return re.sub(r"[\s\u3000]+", " ", text or "").strip()


def split_japanese_address(address: str) -> tuple[str, str]:
    """Return (prefecture, municipality) from a Japanese address; '' where it cannot be told.

    The municipality of a designated city is the city ('大阪市北区…' gives '大阪市'); in Tokyo's 23
    wards it is the ward ('港区'); in a county it is the town or village ('…郡伊奈町' gives '伊奈町').
    """
    text = unicodedata.normalize("NFKC", address or "").replace(" ", "")
    region = next((p for p in PREFECTURES if text.startswith(p)), "")
    rest = text[len(region):]
    if not region:
        ward = next((w for w in TOKYO_WARDS if rest.startswith(w)), "")
        if ward:  # EDINET writes Tokyo head offices without the prefecture
            return "東京都", ward
        city = next((c for c in DESIGNATED_CITIES if rest.startswith(c)), "")
        if city:
            return DESIGNATED_CITIES[city], city
    for name in AWKWARD_MUNICIPALITIES:
        if rest.startswith(name) and name[-1] in "市区町村":
            return region, name
    match = re.match(r"^(?:(.+?郡))?(.+?[市区町村])", rest)
    if not match:
        return region, ""
    city = match.group(2)
    if region == "東京都" and city.endswith("区") and city not in TOKYO_WARDS:
        return region, ""
    return region, city


def _edinet_name(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace(" ", "")


def build_jpx(data: Path) -> tuple[list[dict[str, str]], Counter]:
    """JPX listed companies (list.csv) with English names from the EDINET code list."""
    base = data / "jp_listed_companies_code4fukui"
    listing = read_csv(base / "list.csv")
    edinet = read_csv(base / "edinetcode_entities_only.csv")
    fallback = read_csv(base / "listed_company.csv")
    by_jcn: dict[str, list[dict[str, str]]] = defaultdict(list)
    by_sec: dict[str, list[dict[str, str]]] = defaultdict(list)
    by_name: dict[str, list[dict[str, str]]] = defaultdict(list)
    for ent in edinet:
        if ent["提出者法人番号"]:
            by_jcn[ent["提出者法人番号"]].append(ent)
        if ent["証券コード"]:
            by_sec[ent["証券コード"]].append(ent)
        by_name[_edinet_name(ent["提出者名"])].append(ent)
    lc_code = {r["コード"]: r for r in fallback}
    lc_jcn = {r["法人番号"]: r for r in fallback if r["法人番号"]}

    def best(entities: list[dict[str, str]]) -> dict[str, str] | None:
        # Prefer the listed filer that carries an English name (a JCN can hold a delisted twin).
        ranked = sorted(entities, key=lambda e: (e["上場区分"] != "上場", not e["提出者名（英字）"]))
        return ranked[0] if ranked else None

    counts: Counter = Counter()
    out: list[dict[str, str]] = []
    for row in listing:
        market = row["市場・商品区分"]
        code = row["コード"]
        if market == "ETF・ETN":
            counts["dropped: ETF/ETN"] += 1
            continue
        if market == "出資証券":
            counts["dropped: 出資証券 (subscription certificates, not shares)"] += 1
            continue
        name = nfkc(row["銘柄名"])
        jcn = row["法人番号"]
        lc = lc_code.get(code) or (lc_jcn.get(jcn) if jcn else None)
        if not jcn and lc and lc["法人番号"]:
            jcn = lc["法人番号"]
            counts["corporate_number from listed_company.csv"] += 1
        ent = best(by_jcn.get(jcn, [])) if jcn else None
        if ent is None:
            ent = best(by_sec.get(code + "0", []))
        if ent is None and row["33業種コード"] == "-":
            ent = best(by_name.get(_edinet_name(row["銘柄名"]), []))
        if ent and not jcn and ent["提出者法人番号"]:
            jcn = ent["提出者法人番号"]
            counts["corporate_number from EDINET"] += 1
        name_en, source_en = "", ""
        if ent and ent["提出者名（英字）"].strip():
            name_en, source_en = clean(ent["提出者名（英字）"]), "edinet"
        elif lc and lc["法人名英語"].strip():
            name_en, source_en = clean(lc["法人名英語"]), "listed_company"
        address = clean(row["住所"]) or clean((lc or {}).get("本店所在地", "")) or clean((ent or {}).get("所在地", ""))
        region, city = split_japanese_address(address)
        folded = unicodedata.normalize("NFKC", address)
        country = next((cc for word, cc in FOREIGN_ADDRESS.items() if word in folded), "JP")
        if country != "JP":
            region = city = ""
        category = ""
        industry = row["33業種コード"]
        if industry == "-":
            if "インフラ" in row["銘柄名"]:
                category = "infrastructure_fund"
            elif "投資法人" in row["銘柄名"]:
                category = "REIT"
            else:
                counts[f"dropped: no industry ({market})"] += 1
                continue
            counts[f"kept: {category}"] += 1
        legal = clean(row["法人名"]) or clean((lc or {}).get("法人名", ""))
        if not legal and ent:
            legal = _edinet_name(ent["提出者名"])
        if not legal and category:
            legal = name  # an investment corporation's ticker name is its legal name
        kana = clean(row["法人名(カナ)"]) or clean((lc or {}).get("法人名ふりがな", ""))
        if not kana and category and ent:
            kana = clean(ent["提出者名（ヨミ）"])  # a fund's reading; a company's would carry its legal form
        out.append({
            "name": name,
            "name_en": name_en,
            "name_kana": kana,
            "legal_name": legal,
            "corporate_number": jcn,
            "industry_scheme": "jpx33" if industry != "-" else "",
            "industry_code": industry if industry != "-" else "",
            "industry_label": row["33業種区分"] if industry != "-" else "",
            "industry_label_en": JPX33_EN.get(industry, ""),
            "jpx17_code": row["17業種コード"] if industry != "-" else "",
            "jpx17_label": row["17業種区分"].strip() if industry != "-" else "",
            "securities_code": code,
            "market": market,
            "size_class": row["規模区分"] if row["規模区分"] != "-" else "",
            "category": category,
            "address": address,
            "region": region,
            "city": city,
            "country": country,
            "website": row["企業ホームページ"].strip(),
            "description": clean(row["事業概要"]),
            "employees": row["従業員数"].strip(),
            "edinet_code": (ent or {}).get("ＥＤＩＮＥＴコード", ""),
            "name_en_source": source_en,
            "list_date": f"{row['日付'][:4]}-{row['日付'][4:6]}-{row['日付'][6:8]}",
        })
        counts["kept"] += 1
    unknown = {r["industry_code"] for r in out if r["industry_code"]} - set(JPX33_EN)
    if unknown:
        raise SystemExit(f"unknown 33-industry codes {sorted(unknown)}: add their English names")
    return out, counts


def build_jpx33_table(listing: list[dict[str, str]]) -> list[dict[str, str]]:
    """The 33 industries with their TOPIX-17 sector, read off the JPX list itself."""
    seen: dict[str, dict[str, str]] = {}
    counts: Counter = Counter()
    for row in listing:
        code = row["industry_code"]
        if not code:
            continue
        counts[code] += 1
        entry = {"code": code, "label_ja": row["industry_label"], "label_en": JPX33_EN[code],
                 "jpx17_code": row["jpx17_code"], "jpx17_label_ja": row["jpx17_label"],
                 "jpx17_label_en": JPX17_EN[row["jpx17_code"]]}
        if seen.setdefault(code, entry) != entry:
            raise SystemExit(f"33-industry {code} sits in two TOPIX-17 sectors; check list.csv")
    if set(seen) != set(JPX33_EN):
        raise SystemExit(f"33-industry codes missing from the list: {sorted(set(JPX33_EN) - set(seen))}")
    source = ("JPX 東証上場銘柄一覧 via code4fukui/EDINET data/list.csv (codes, Japanese labels, 33->17 "
              "assignment); English labels as JPX publishes them (33 industries, TOPIX-17 series)")
    return [{**seen[c], "companies": str(counts[c]), "source": source}
            for c in sorted(seen, key=int)]


def split_us_location(location: str) -> tuple[str, str, str]:
    """'Saint Paul, Minnesota' -> (city, region, country); a non-US place gets no region."""
    first = location.split(";")[0]  # two head offices: keep the first
    parts = [re.sub(r"\[\d+\]", "", p).strip() for p in first.split(",")]
    parts = [p for p in parts if p and p.lower() != "none"]
    if not parts:
        return "", "", ""
    last = parts[-1]
    if last == "D.C.":
        return parts[0], "District of Columbia", "US"
    if last in COUNTRIES:
        return parts[0], "", COUNTRIES[last]
    if last in US_STATES:
        return ", ".join(parts[:-1]), last, "US"
    raise SystemExit(f"S&P 500: cannot place headquarters {location!r}; extend US_STATES or COUNTRIES")


def build_sp500(data: Path) -> list[dict[str, str]]:
    out = []
    for row in read_csv(data / "sp500_constituents" / "constituents.csv"):
        city, region, country = split_us_location(row["Headquarters Location"])
        out.append({
            "name": row["Security"].strip(),
            "ticker": row["Symbol"].strip(),
            "industry_scheme": "gics",
            "industry_label": row["GICS Sub-Industry"].strip(),
            "gics_sector": row["GICS Sector"].strip(),
            "city": city,
            "region": region,
            "country": country or "US",
            "cik": row["CIK"].strip(),
            "founded": row["Founded"].strip(),
            "date_added": row["Date added"].strip(),
        })
    return out


def build_hotel_lists(data: Path) -> list[dict[str, str]]:
    regions = {"Tokyo": "東京都", "Kawasaki": "神奈川県"}
    out = []
    for row in read_csv(data / "hotel_lists" / "tokyo_hotel_lists.csv"):
        city = row["city"].strip()
        if city not in regions:
            raise SystemExit(f"hotel lists: unknown city {city!r}; add its prefecture")
        out.append({
            "name": row["hotel_name"],  # exactly as the page wrote it
            "list_id": row["list_id"],
            "list_title": row["list_title"],
            "list_url": row["list_url"],
            "list_date": row["list_date"],
            "list_kind": row["list_kind"],
            "rating": row["rating"],
            "city": city,
            "district": row["area"],
            "region": regions[city],
            "country": "JP",
            "category": "hotel",
        })
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(REPO.parent / "shared" / "data"),
                        help="the shared data folder (default: ../shared/data beside the repo)")
    parser.add_argument("--out", default=str(REPO / "seeds"), help="seed folder to write (default: seeds/)")
    args = parser.parse_args(argv)
    data, out = Path(args.data), Path(args.out)
    if not (data / "PROVENANCE.md").exists():
        print(f"{data}: no PROVENANCE.md here; give the shared data folder", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)

    shutil.copyfile(data / OSM_FILE, out / "tokyo_hotels_osm.geojson")
    jpx, counts = build_jpx(data)
    write_csv(out / "jpx_listed_companies.csv", JPX_COLUMNS, jpx)
    write_csv(out / "curated" / "jpx33_industries.csv", JPX33_COLUMNS, build_jpx33_table(jpx))
    sp500 = build_sp500(data)
    write_csv(out / "sp500.csv", SP500_COLUMNS, sp500)
    lists = build_hotel_lists(data)
    write_csv(out / "tokyo_hotel_lists.csv", HOTEL_LIST_COLUMNS, lists)

    print(f"jpx_listed_companies.csv: {len(jpx)} rows")
    for key, value in sorted(counts.items()):
        print(f"  {key}: {value}")
    print(f"  with name_en: {sum(1 for r in jpx if r['name_en'])}, "
          f"with corporate_number: {sum(1 for r in jpx if r['corporate_number'])}, "
          f"with region: {sum(1 for r in jpx if r['region'])}, with city: {sum(1 for r in jpx if r['city'])}")
    print("curated/jpx33_industries.csv: 33 rows")
    print(f"sp500.csv: {len(sp500)} rows")
    print(f"tokyo_hotel_lists.csv: {len(lists)} rows")
    print("tokyo_hotels_osm.geojson: copied")
    return 0


if __name__ == "__main__":
    sys.exit(main())
