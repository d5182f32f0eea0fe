"""The one field vocabulary shared by ingest mappings, crawl recipes, `spider records` and exports."""

from __future__ import annotations

import re
import unicodedata

# Order matters: it is the column order of the `records` table and of `spider records`.
FIELDS: tuple[str, ...] = (
    "name",
    "name_local",
    "name_en",
    "name_kana",
    "legal_name",
    "corporate_number",
    "industry_scheme",
    "industry_code",
    "industry_label",
    "category",
    "rating",
    "brand",
    "group",
    "address",
    "district",
    "city",
    "region",
    "country",
    "postal_code",
    "lat",
    "lon",
    "phone",
    "website",
    "description",
    "employees",
    "operating_status",
)

# The fields that name a company; a record needs at least one of them.
NAME_FIELDS: tuple[str, ...] = ("name", "name_local", "name_en", "legal_name")

# source_id: what identifies the row in its source (an id column, a feature id, a detail URL);
# `--map source_id=COLUMN` names it when Spider cannot tell (spider.identity).
PROVENANCE: tuple[str, ...] = ("source", "source_row", "source_id", "list_title", "list_url",
                               "fetched_at")

# Header spellings seen in real files (English, Japanese, OSM tags, CRM exports), folded
# with `fold_header` before lookup. A column not listed here is kept under `extra`.
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("account", "name", "company", "company name", "company_name", "organisation", "organization",
             "business name", "site name", "bank name", "security", "hotel", "hotel name",
             "hotel_name", "account name", "practice name", "practice", "institution", "institution name", "facility",
             "facility name", "provider name", "school name", "establishment", "establishment name",
             "store name", "shop name", "restaurant name", "clinic name", "hospital name",
             "member name", "exhibitor", "exhibitor name", "venue", "venue name", "trading name",
             "dba", "denomination unite legale", "denomination",
             "provider organization name (legal business name)", "organization name", "nome",
             "associated company", "associated company (primary)", "company (primary)",
             "associated account", "銘柄名", "会社名", "企業名", "名称", "施設名", "ホテル名",
             "提出者名", "商号", "取引先名", "取引先", "顧客名", "社名", "名前", "店名", "店舗名",
             "病院名", "医療機関名", "学校名", "事業所名", "団体名", "屋号",
            "firma", "firmenname", "unternehmen", "nom", "raison sociale", "nombre", "empresa", "ragione sociale"),
    "name_local": ("name_local", "name:ja", "name_ja", "local name", "native name", "和名"),
    "name_en": ("name_en", "name:en", "english name", "name (english)", "法人名英語", "提出者名(英字)",
                "英文社名", "英語名"),
    "name_kana": ("name_kana", "kana", "name:ja-hira", "name:ja_kana", "name:ja-kana", "reading",
                  "法人名(カナ)", "法人名ふりがな", "提出者名(ヨミ)", "フリガナ", "ふりがな", "カナ"),
    "legal_name": ("legal_name", "legal name", "registered name", "official_name", "official name",
                   "法人名", "正式名称", "nom unite legale"),
    "corporate_number": ("corporate_number", "corporate number", "法人番号", "提出者法人番号", "jcn",
                         "houjin bangou", "company number", "registration number"),
    "industry_code": ("industry_code", "industry code", "33業種コード", "sic", "sic code", "naics"),
    "industry_label": ("industry_label", "industry", "gics sub-industry", "sub-industry",
                       "33業種区分", "提出者業種", "sector"),
    "category": ("amenity", "shop", "craft", "category", "type", "tourism", "business type", "カテゴリ", "カテゴリー", "種別",
                 "業態", "業種", "ジャンル", "分類", "施設種別", "種類",
            "typ", "art", "kategorie", "branche", "type d'établissement", "catégorie", "categoría", "tipo", "categoria",
            "cuisine", "cocina", "cucina", "küche", "tipo di cucina", "tipo de cocina",
            "specialty", "speciality", "specialties", "specialities", "taxonomy description",
            "primary taxonomy", "provider type", "practice type", "license type",
            "licence type", "facility type", "sic text 1", "sic description",
            "activite principale etablissement", "activite principale", "naf", "code naf",
            "診療科目", "診療科"),
    "rating": ("rating", "stars", "star rating", "grade", "review score", "格付け", "星",
               "評価", "ランク", "星の数", "bewertung", "sterne", "étoiles", "valoración",
               "estrellas", "valutazione", "stelle", "distinction", "distinción", "michelin"),
    "brand": ("brand", "ブランド"),
    "group": ("group", "operator", "parent", "parent company", "owner", "運営会社", "親会社"),
    "address": ("address_1", "address1", "address", "addr", "addr:full", "addr:ja", "street address", "street",
                "full address", "complete address", "postal address", "mailing address",
                "provider first line business practice location address",
                "address 1", "address line 1", "billing street", "headquarters",
                "location", "hq", "hq location", "headquarters location", "based in",
                "住所", "所在地", "本店所在地", "所在地住所", "施設所在地", "住所1",
            "adresse", "anschrift", "straße", "strasse", "dirección", "direccion", "indirizzo"),
    "district": ("district", "area", "neighbourhood", "neighborhood", "ward", "addr:suburb",
                 "addr:quarter", "地区", "エリア"),
    "city": ("billing city", "shipping city", "mailing city", "billingcity", "city", "addr:city", "town", "municipality", "locality", "suburb", "town/suburb", "市区町村", "市町村", "市区町村名", "都市", "adcity",
             "phcity", "post town", "libelle commune etablissement", "libelle commune",
             "provider business practice location address city name",
            "stadt", "ort", "gemeinde", "ville", "commune", "ciudad", "localidad", "città", "comune"),
    "region": ("state_province", "state province", "billing state/province", "billing state", "shipping state/province", "shipping state", "mailing state", "state/region", "billingstate", "region", "state", "st", "prefecture", "province", "subdivision", "subd",
               "state/province", "state or province", "addr:province", "addr:state", "都道府県",
               "州", "省", "stabbr", "state code", "state abbr", "state abbreviation",
               "province code", "prov", "county/state", "adstate", "phstate",
               "provider business practice location address state name",
            "bundesland", "région", "département", "provincia", "comunidad", "regione"),
    "country": ("billing country", "shipping country", "mailing country", "country/region", "billingcountry", "country", "addr:country", "国",
            "pays", "país", "paese"),
    "postal_code": ("billing zip/postal code", "billing postal code", "billing zip", "shipping zip/postal code", "shipping postal code", "mailing zip", "billingpostalcode", "postal_code", "postcode", "zip", "zip code", "addr:postcode", "郵便番号",
                    "〒",
            "plz", "postleitzahl", "code postal", "cp", "código postal", "cap",
            "code postal etablissement", "provider business practice location address postal code",
            "post code"),
    "lat": ("lat", "latitude", "緯度"),
    "lon": ("lon", "lng", "long", "longitude", "経度"),
    "phone": ("phone", "telephone", "tel", "phone number", "contact:phone", "電話番号", "電話",
              "代表電話", "連絡先", "tel番号",
            "telefon", "téléphone", "telephone number", "teléfono", "telefono",
            "provider business practice location address telephone number"),
    "website": ("website_url", "web site", "homepage url", "website", "url", "homepage", "web", "contact:website", "企業ホームページ",
                "ホームページ", "ウェブサイト",
            "webseite", "internet", "site web", "sitio web", "sito web", "sito"),
    "description": ("description", "about", "business summary", "事業概要", "事業内容", "概要"),
    "employees": ("employees", "employee count", "headcount", "従業員数"),
    "operating_status": ("operating_status", "operating status", "status", "business status",
                         "open status", "営業状況", "営業状態", "ステータス", "状態", "状況",
                         # a register's licence or registration is the business's standing
                         "license status", "licence status", "licensure status",
                         "registration status", "company status", "companystatus",
                         "permit status", "facility status", "establishment status",
                         "entity status", "許可状況", "登録状況",
                         "etat administratif etablissement", "etat administratif unite legale",
            "betriebsstatus", "statut", "estado"),
    "list_title": ("list_title", "list title", "list"),
    "list_url": ("list_url", "list url"),
}


# Where a camelCase or run-together header parts its words: CompanyName, RegAddress.PostTown,
# SICCode, AddressLine1, denominationUniteLegale.
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])")


def fold_header(text: str) -> str:
    """Fold a column header so that 'Company Name', 'company_name', 'CompanyName' and
    'ＣＯＭＰＡＮＹ　ＮＡＭＥ' meet."""
    text = unicodedata.normalize("NFKC", text or "").strip().lstrip("\ufeff")
    text = _WORD_BREAK.sub(" ", text).lower()
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_]+", " ", text)


HEADER_ALIASES: dict[str, str] = {
    fold_header(alias): field for field, aliases in _ALIASES.items() for alias in aliases
}
KNOWN = frozenset(FIELDS) | frozenset(PROVENANCE)


# Words in an unmapped column's header that say which field it probably is.
_HINTS = (("name_kana", ("kana", "カナ", "ふりがな", "reading")),
          ("name_en", ("english", "(en)", " en", "英")), ("name_local", ("(jp)", "(ja)", "local", "japanese", "和")),
          ("name", ("name", "名")), ("phone", ("tel", "phone", "電話")), ("website", ("url", "web", "site", "ホームページ")),
          ("address", ("addr", "住所", "所在地")), ("postal_code", ("zip", "post", "〒", "郵便")),
          ("city", ("city", "town", "市")), ("region", ("state", "province", "県", "都道府県")),
          ("category", ("type", "kind", "genre", "業種", "種類")))


def suggest_field(column: str) -> str | None:
    """The field an unmapped column probably is, from its header ('Name (JP)' -> name_local;
    a grouped header by its last part: RegAddress.CareOf is no address)."""
    folded = fold_header(column.rsplit(".", 1)[1] if "." in column.strip(".") else column)
    for fld, words in _HINTS:
        if any(word in folded for word in words):
            return fld
    return None


def map_headers(headers: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Map each source column to a field (or to itself, kept as extra). Overrides are field=column."""
    overrides = overrides or {}
    by_column = {column: field for field, column in overrides.items()}
    taken = set(by_column.values())
    mapping: dict[str, str] = {}
    first_name_ascii = next((fold_header(c).isascii() for c, f in by_column.items() if f == "name"),
                            True)
    for column in headers:
        if column in by_column:
            mapping[column] = by_column[column]
            continue
        field = HEADER_ALIASES.get(fold_header(column))
        if field is None and "." in column.strip(".") and ":" not in column:
            # A registry's grouped header: RegAddress.PostTown is a post town, SICCode.SicText_1
            # a SIC text.
            field = HEADER_ALIASES.get(fold_header(column.rsplit(".", 1)[1]))
        if field == "name" and field in taken:
            # A second name column headed in the other script ("Company Name" and 会社名 in one
            # CRM export): the name in that script, not a column to drop.
            latin = fold_header(column).isascii()  # ＣＯＭＰＡＮＹ　ＮＡＭＥ is Latin
            field = "name" if latin == first_name_ascii else ("name_en" if latin else "name_local")
        if field and field not in taken:
            mapping[column] = field
            taken.add(field)
            if field == "name":
                first_name_ascii = fold_header(column).isascii()
        else:
            mapping[column] = column
    return mapping
