"""The one field vocabulary shared by ingest mappings, crawl recipes, `spider records` and exports."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from typing import Any

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
# The name a business is registered under beside the trading name it is listed by (a DBA
# column): kept in a record's `extra` under this key by ingest, read back as a name by the
# resolver and the name index (REGISTERED_NAME_SQL, over records aliased r).
REGISTERED_NAME = "registered_name"
REGISTERED_NAME_SQL = (f"case when instr(r.extra, '\"{REGISTERED_NAME}\"') then "
                       f"json_extract(r.extra, '$.{REGISTERED_NAME}') end")

# source_id: what identifies the row in its source (an id column, a feature id, a detail URL);
# `--map source_id=COLUMN` names it when Spider cannot tell (spider.identity).
PROVENANCE: tuple[str, ...] = ("source", "source_row", "source_id", "list_title", "list_url",
                               "fetched_at")

# Header spellings seen in real files (English, Japanese, OSM tags, CRM exports), folded
# with `fold_header` before lookup. A column not listed here is kept under `extra`.
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("nazwa", "nazwa firmy", "bedrijfsnaam", "naam", "företagsnamn", "företag", "namn", "firmanavn", "yritys", "yrityksen nimi", "account", "name", "company", "company name", "company_name", "organisation", "organization",
             "business name", "site name", "bank name", "security", "hotel", "hotel name",
             "hotel_name", "account name", "practice name", "practice", "institution", "institution name", "facility",
             "facility name", "provider name", "school name", "handelsnaam", "program name", "programme name", "centre name", "center name", "nom estab", "nome fantasia", "nome do estabelecimento", "施設名称", "施設の名称", "establishment", "establishment name",
             "store name", "shop name", "restaurant name", "clinic name", "hospital name",
             "member name", "exhibitor", "exhibitor name", "venue", "venue name", "trading name",
             "dba", "dba name", "d/b/a name", "doing business as name", "denomination unite legale", "enseigne 1 etablissement", "enseigne etablissement", "denomination", "denominazione",
             "ragione sociale", "nome struttura", "denominación", "praxis", "praxisname",
             "nombre de la cuenta", "nom du compte", "razón social", "nombre comercial",
             "provider organization name (legal business name)", "organization name", "nome",
             "associated company", "associated company (primary)", "company (primary)",
             "associated account", "nom de l'entreprise", "nom de l'établissement", "nom commercial de l'entreprise", "商号又は名称", "商号または名称", "名称又は商号", "事業者名", "法人名称", "店舗名称", "entity name", "firm name", "firm", "law firm", "business", "studio", "studio name",
             "gym name", "salon name", "agency name", "venue name", "pharmacy name", "business legal name", "nombre del establecimiento", "nombre comercial", "establecimiento", "denominación", "razón social", "nom commercial", "nom de l'établissement", "enseigne", "銘柄名", "会社名", "企業名", "名称", "施設名", "ホテル名",
             "提出者名", "商号", "取引先名", "取引先", "顧客名", "社名", "名前", "店名", "店舗名",
             "病院名", "医療機関名", "医院名", "診療所名", "クリニック名", "歯科医院名", "薬局名",
             "学校名", "事業所名", "団体名", "屋号",
            "firma", "firmenname", "unternehmen", "nom", "raison sociale", "nombre", "empresa", "ragione sociale"),
    "name_local": ("name_local", "name:ja", "name_ja", "local name", "native name", "和名"),
    "name_en": ("name_en", "name:en", "english name", "name (english)", "法人名英語", "提出者名(英字)",
                "英文社名", "英語名"),
    "name_kana": ("name_kana", "kana", "name:ja-hira", "name:ja_kana", "name:ja-kana", "reading",
                  "法人名(カナ)", "法人名ふりがな", "提出者名(ヨミ)", "フリガナ", "ふりがな", "カナ",
                  "事業所名カナ", "事業所名(カナ)", "事業所名フリガナ", "施設名カナ", "施設名(カナ)",
                  "名称カナ", "名称(カナ)", "店舗名カナ", "店名カナ"),
    "legal_name": ("legal_name", "legal name", "legal entity name", "legal entity", "entity legal name", "denomination usuelle etablissement", "statutaire naam", "statutory name", "legal business name", "razão social", "razao social", "raz social", "nome empresarial", "registered name", "official_name", "official name",
                   "法人名", "正式名称", "nom unite legale", "taxpayer name", "taxpayer",
                   "firmierung", "firmenbezeichnung"),
    "corporate_number": ("partita iva", "p.iva", "p. iva", "p iva", "piva", "codice fiscale",
                         "vat number", "vat no", "vat no.", "vat id", "vat registration number",
                         "numéro de tva", "n° tva", "tva intracommunautaire", "btw-nummer",
                         "btw nummer", "ust-idnr", "ust-idnr.", "ust-id", "nif", "cif", "nif/cif",
                         "nipc", "nip", "cif/nif", "nif / cif", "cif / nif", "n.i.f.", "c.i.f.", "regon", "krs", "kvk", "kvk-nummer", "kvk nummer", "kv k-nummer", "kv k", "organisationsnummer", "orgnr", "y-tunnus", "corporate_number", "corporate number", "法人番号", "提出者法人番号", "jcn",
                         "houjin bangou", "company number", "registration number", "uen", "company registration number", "crn", "abn", "siren",
                         "cnpj", "cnpj/cpf", "cuit", "rut", "rfc", "handelsregister",
                         "handelsregisternummer", "registernummer", "hrb", "hra"),
    "industry_code": ("industry_code", "industry code", "healthcare provider taxonomy code 1",
                      "healthcare provider taxonomy code", "provider taxonomy code", "taxonomy code",
                      "primary taxonomy code", "primary taxonomy", "taxonomy code 1", "sbi-code", "sbi code", "33業種コード", "sic", "sic code", "naics", "ssic code", "primary ssic code", "naics code", "nace", "nace code",
                      "cnae", "cnae fiscal", "cnae principal código", "código cnae", "codigo cnae",
                      "sic code(s)", "sic codes", "siccode.sictext_1", "wz-code", "wz code",
                      "ateco", "codice ateco", "codigo_act", "codigo act", "scian", "código scian",
                      "codigo scian", "código de actividad", "codigo de actividad"),
    "industry_label": ("industry_label", "industry", "gics sub-industry", "sub-industry",
                       "33業種区分", "提出者業種", "sector"),
    "category": ("kategoria", "branża", "branza", "bransch", "sektor", "rodzaj działalności", "activiteit", "sbi omschrijving", "toimiala", "pkd opis", "amenity", "shop", "craft", "category", "type", "tourism", "business type", "カテゴリ", "カテゴリー", "種別",
                 "業態", "業種", "ジャンル", "分類", "施設種別", "種類",
            "typ", "art", "kategorie", "branche", "type d'établissement", "catégorie", "categoría", "tipo", "categoria",
            "cuisine", "cocina", "cucina", "küche", "tipo di cucina", "tipo de cocina",
            "specialty", "speciality", "specialties", "specialities", "taxonomy description",
            "profession", "professions", "profession(s)", "trade", "trades", "trade category",
            "trade categories", "tipologia", "tipologia struttura",
            "product categories", "product category", "product groups", "product group",
            "produktkategorien", "produktgruppen", "catégories de produits",
            "categorías de productos", "categorie di prodotto",
            "gewerk", "gewerke", "handwerk", "fachrichtung", "fachgebiet", "fachgebiete",
            "tätigkeitsbereich", "métier", "rubrik", "spécialité", "especialidad",
            "specializzazione",
            "primary taxonomy", "provider type", "practice type", "license type",
            "licence type", "facility type", "sic text 1", "sic description",
            "activite principale etablissement", "activite principale", "naf", "code naf",
            "service types", "service type", "services", "service", "actividad", "genre",
            "genres",
            "actividad principal", "sbi-omschrijving", "sbi omschrijving hoofdactiviteit", "program type", "programme type", "type de programme", "nombre act", "cnae fiscal principal", "cnae principal", "atividade principal", "atividade econômica principal", "descrição da atividade econômica principal", "営業種別", "営業の種別", "業務の種別", "tipo de actividad", "sector de actividad",
            "診療科目", "診療科", "practice areas", "practice area", "areas of practice", "area of practice", "cuisine description", "cuisine type", "ssic description", "primary ssic description", "nace description", "naics description", "sic code description", "type of business", "industry description", "primary inspection category", "categories", "activite", "activité", "secteur d'activité", "secteur d'activite", "secteur", "activité principale", "type of gym", "type of business", "business category", "business categories", "inspection category", "サービスの種類", "サービス種類", "サービス種別", "事業の種類"),
    "rating": ("rating", "stars", "etoiles", "nombre d'étoiles", "michelin stars", "estrellas", "stelle", "sterne", "overall rating", "star rating", "grade", "review score", "格付け", "星",
               "評価", "ランク", "星の数", "bewertung", "sterne", "étoiles", "valoración",
               "estrellas", "valutazione", "stelle", "distinction", "distinción", "michelin",
               "classificazione", "classification", "clasificación", "classement"),
    "brand": ("brand", "ブランド"),
    "group": ("group", "operator", "parent", "parent company", "owner", "運営会社", "親会社",
              "運営法人", "運営法人名", "経営主体", "開設者", "開設者名", "設置者", "設置者名",
              "operating company", "operated by", "operator name", "licensee", "licensee name", "chain name", "rede", "betreiber", "träger", "exploitant",
              "gestor", "titular", "grupo empresarial", "grupo de empresas", "groupe",
              "gruppo", "konzern", "parent organization lbn", "parent organization",
              "brand group"),
    "address": ("rue", "calle", "adres", "ulica", "gatuadress", "adress", "besöksadress", "osoite", "address_1", "address1", "address", "addr", "addr:full", "addr:ja", "street address", "street",
                "full address", "complete address", "postal address", "mailing address",
                "provider first line business practice location address",
                "address 1", "address line 1", "billing street", "company address", "company street", "headquarters",
                "location", "hq", "hq location", "headquarters location", "based in",
                "住所", "所在地", "本店所在地", "所在地住所", "施設所在地", "住所1", "主たる事務所の所在地", "事務所所在地", "主たる事務所所在地", "本社所在地",
            "adresse", "anschrift", "libelle voie etablissement", "straatnaam", "straat", "provider address", "location address", "logradouro", "endereço", "endereco", "nom vial", "straße", "strasse", "dirección", "direccion", "indirizzo", "street name", "dirección postal", "domicilio"),
    "district": ("district", "arrondissement", "bezirk", "area", "neighbourhood", "neighborhood", "ward", "addr:suburb",
                 "addr:quarter", "地区", "エリア",
                 "stadtteil", "ortsteil", "bairro", "colonia", "nomb asent", "asentamiento", "stadtbezirk", "quartier", "barrio", "quartiere",
                 "wijk", "最寄駅", "最寄り駅", "nearest station", "区", "区名"),
    "city": ("city state zip", "city, state zip", "city/state/zip", "city state zip code",
             "business city state zip", "mailing city state zip", "csz", "city st zip",
             "miejscowość", "miejscowosc", "miasto", "plaats", "woonplaats", "vestigingsplaats", "stad", "postort", "kaupunki", "paikkakunta", "billing city", "shipping city", "mailing city", "billingcity", "company city", "city", "addr:city", "town", "municipality", "locality", "suburb", "town/suburb", "town/city", "city/town", "town / city", "city / town", "suburb/town", "town or city", "市区町村", "市町村", "市区町村名", "都市", "adcity",
             "phcity", "post town", "libelle commune etablissement", "libelle commune",
             "provider business practice location address city name",
            "stadt", "ort", "município", "cidade", "gemeinde", "ville", "commune", "ciudad", "localidad", "città", "comune", "municipio", "boro", "borough"),
    "region": ("county", "województwo", "wojewodztwo", "provincie", "län", "fylke", "maakunta", "state_province", "state province", "billing state/province", "company state", "billing state", "shipping state/province", "shipping state", "mailing state", "state/region", "billingstate", "region", "state", "st", "prefecture", "province", "subdivision", "subd",
               "state/province", "state or province", "addr:province", "addr:state", "都道府県",
               "州", "省", "stabbr", "state code", "state abbr", "state abbreviation",
               "province code", "prov", "county/state", "adstate", "phstate",
               "provider business practice location address state name",
            "bundesland", "région", "uf", "entidad", "entidad federativa", "département", "provincia", "comunidad", "regione",
            "comunidad autónoma", "comunidad autonoma", "ccaa", "autonomía", "région administrative"),
    "country": ("billing country", "company country", "shipping country", "mailing country", "country/region", "billingcountry", "country", "addr:country", "国",
            "pays", "país", "paese"),
    "postal_code": ("kod pocztowy", "postnummer", "postinumero", "billing zip/postal code", "zip/postal code", "company postal code", "company zip", "mailing zip/postal code", "billing postal code", "billing zip", "shipping zip/postal code", "shipping postal code", "mailing zip", "billingpostalcode", "postal_code", "postcode", "zip", "zip code", "addr:postcode", "郵便番号",
                    "〒",
            "plz", "postleitzahl", "cep", "cod postal", "code postal", "cp", "código postal", "cap",
            "code postal etablissement", "provider business practice location address postal code",
            "post code", "zipcode", "zip_code", "postal", "código postal", "codigo postal"),
    "lat": ("lat", "latitude", "geocode/latitude", "geocode latitude", "latitud", "緯度"),
    "lon": ("lon", "lng", "geocode/longitude", "geocode longitude", "longitud", "long", "longitude", "経度"),
    "phone": ("telefoon", "company phone", "telefoonnummer", "puhelin", "phone", "telephone", "tel", "phone number", "contact:phone", "電話番号", "電話", "phone no.", "phone no", "phone #", "tel no.", "tel. no.", "tel no", "telephone no.", "telephone no", "phone number (main)", "main phone", "telefonnummer", "numéro de téléphone", "téléphone",
              "代表電話", "連絡先", "tel番号",
            "telefon", "téléphone", "telefone", "telephone number", "teléfono", "telefono",
            "provider business practice location address telephone number"),
    "website": ("strona www", "strona internetowa", "hemsida", "webbplats", "verkkosivut", "website_url", "web site", "homepage url", "website", "url", "homepage", "web", "contact:website", "企業ホームページ",
                "web address", "website address", "location web address",
                "ホームページ", "ウェブサイト",
            "webseite", "internet", "www", "página web", "pagina web", "site web", "sitio web", "sito web", "sito", "company domain name", "domain name", "domain", "company domain", "site", "site internet"),
    "description": ("description", "about", "business summary", "事業概要", "事業内容", "概要"),
    "employees": ("employees", "employee count", "# employees", "number of employees (company)", "headcount", "従業員数", "number of employees", "no. of employees", "no of employees", "employee count", "staff", "staff count", "effectif",
                  "mitarbeiter", "mitarbeiterzahl", "anzahl mitarbeiter", "beschäftigte",
                  "salariés", "nombre de salariés", "tranche d'effectif", "empleados",
                  "número de empleados", "funcionários", "número de funcionários", "従業員",
                  "per_ocu", "per ocu", "personal ocupado", "estrato personal ocupado",
                  "descripcion estrato personal ocupado", "addetti", "numero addetti"),
    "operating_status": ("operating_status", "operating status", "status", "business status",
                         "open status", "営業状況", "営業状態", "ステータス", "状態", "状況",
                         # a register's licence or registration is the business's standing
                         "license status", "licence status", "licensure status",
                         "registration status", "company status", "companystatus",
                         "permit status", "facility status", "establishment status",
                         "entity status", "member status", "membership status", "bar status", "license status description", "許可状況", "登録状況",
                         # a municipal register's closure column (廃止, 休止, or blank)
                         "休廃止区分", "休廃止", "廃止区分", "休止区分", "廃止・休止",
                         "stato", "stato attività", "stato impresa", "stato dell'impresa",
                         "stato attivita", "stato sede", "estado de la empresa",
                         "etat administratif etablissement", "etat administratif unite legale", "situação cadastral", "situacao cadastral", "situação",
            "betriebsstatus", "statut", "estado"),
    "list_title": ("list_title", "list title", "list"),
    "list_url": ("list_url", "list url"),
}


# Where a camelCase or run-together header parts its words: CompanyName, RegAddress.PostTown,
# SICCode, AddressLine1, denominationUniteLegale.
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])")


@functools.lru_cache(maxsize=1 << 12)  # a file's few headers, met on every row
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

# Columns of a region's parts that read as the region alone, beside a wider one (a US
# register's County beside its State; an Italian guide's Provincia beside its Regione, a
# French one's Département beside its Région): kept aside there by ingest, as an area.
SUB_REGION_HEADERS = frozenset({"county", "provincia", "province", "provincie", "département",
                                "departement", "departamento"})
# A column naming the area between a town and its region (a US county beside its state, a
# British local authority, a German Landkreis): kept under `extra`, read as a place of its own
# ("dentist Multnomah County", "care home Kent", "Tierklinik Landkreis Augsburg").
AREA_HEADERS = SUB_REGION_HEADERS | frozenset({
    "county name", "local authority", "location local authority",
    "local authority name", "la name", "council", "council area", "district council",
    "unitary authority", "borough", "landkreis", "kreis", "land-/stadtkreis", "stadt-/landkreis",
    "kreis/kreisfreie stadt", "stadt/landkreis", "landkreis/kreisfreie stadt", "comarca"})


# A column that counts what a business holds (its rooms, beds, places, seats): its size beside
# its peers, folded header -> what is counted. Kept under `extra`, read as a size band.
CAPACITY_HEADERS: dict[str, str] = {
    **dict.fromkeys(("rooms", "number of rooms", "no. of rooms", "room count", "total rooms",
                     "客室数", "部屋数", "総客室数", "客室総数", "zimmer", "anzahl zimmer",
                     "zimmeranzahl", "habitaciones", "número de habitaciones", "chambres",
                     "nombre de chambres", "camere", "numero camere", "kamers"), "rooms"),
    **dict.fromkeys(("beds", "number of beds", "certified beds", "number of certified beds",
                     "care homes beds", "care home beds", "registered beds",
                     "licensed beds", "bed count", "病床数", "許可病床数", "betten",
                     "bettenzahl", "lits", "nombre de lits", "camas", "posti letto"), "beds"),
    **dict.fromkeys(("capacity", "total capacity", "licensed capacity", "max capacity",
                     "places", "定員", "入所定員", "利用定員", "kapazität", "plätze",
                     "capacité", "capacidad", "plazas", "capienza"), "places"),
    # (not a bare "Seats": a CRM's counts the licences an account bought)
    **dict.fromkeys(("seating", "seating capacity", "席数", "客席数", "sitzplätze",
                     "couverts", "places assises", "cubiertos", "coperti"), "seats"),
}


# Words in an unmapped column's header that say which field it probably is.
_HINTS = (("name_kana", ("kana", "カナ", "ふりがな", "reading")),
          ("name_en", ("english", "(en)", "en", "英")),
          ("name_local", ("(jp)", "(ja)", "local name", "name local", "japanese", "和")),
          ("name", ("name", "名")), ("phone", ("tel", "phone", "電話")), ("website", ("url", "web", "site", "ホームページ")),
          ("address", ("addr", "住所", "所在地")), ("postal_code", ("zip", "post", "〒", "郵便")),
          ("city", ("city", "town", "suburb", "市")), ("region", ("state", "province", "県", "都道府県")),
          ("category", ("type", "kind", "genre", "業種", "種類")))


def suggest_field(column: str) -> str | None:
    """The field an unmapped column probably is, from its header ('Name (JP)' -> name_local;
    a grouped header by its last part: RegAddress.CareOf is no address)."""
    folded = fold_header(column.rsplit(".", 1)[1] if "." in column.strip(".") else column)
    tokens = re.findall(r"[^\W_]+", folded)
    spaced = " " + " ".join(tokens) + " "
    for fld, words in _HINTS:
        # (a Latin hint is a word or a word's start, "addr" of "address"; not inside a word:
        # "num_local" is no local name, "cve_ent" no English one)
        if any((word in folded) if not word.isascii() or "(" in word else
               f" {word} " in spaced if " " in word or len(word) <= 2 else
               any(t.startswith(word) for t in tokens) for word in words):
            if fld.startswith("name") and tokens and tokens[-1] in _ID_WORDS:
                return None  # an id or a code of a name ("LocalAuthorityBusinessID")
            return fld
    return None


_ID_WORDS = frozenset({"id", "no", "nr", "code", "number", "num", "key", "ref", "cve", "cd"})


# A name column that names who owns or runs the row's business, not the business ("Provider
# Name" beside a care regulator's "Location Name").
@functools.cache
def _owner_words() -> re.Pattern[str]:  # compiled on first use: every command imports this module
    return re.compile(r"\b(?:provider|operator|owner|parent|group|brand|chain|licensee|"
                    r"operating company|parent company)\b|運営|事業者")


# Words that head a CRM's or a register's columns about someone other than the row's
# business (its contact, its owner, the account's sales rep, a billing address): no prefix
# of the row's own thing.
_NOT_ROW_PREFIX = frozenset({"contact", "owner", "account", "company", "billing", "mailing",
                             "shipping", "lead", "deal", "primary", "person", "agent",
                             "registrant", "applicant", "licensee", "parent", "provider",
                             "operator", "manager", "director", "officer", "principal"})


def area_header(header: str) -> bool:
    """Whether HEADER names an area between town and region (County, Landkreis, Local
    Authority), also after the word a register starts its columns with ("Location County")."""
    folded = fold_header(header)
    return folded in AREA_HEADERS or (" " in folded and folded.split(" ", 1)[1] in AREA_HEADERS)


def row_prefix(headers: list[str]) -> str | None:
    """The first word most of a file's headers share ("location" in a CQC export, whose
    columns are "Location Name", "Location City", ...), if at least three and a third do."""
    firsts = Counter(fold_header(h).split(" ", 1)[0] for h in headers
                     if " " in fold_header(h))
    if not firsts:
        return None
    word, count = firsts.most_common(1)[0]
    if count < 3 or count * 3 < len(headers) or not word.isalpha() or word in _NOT_ROW_PREFIX:
        return None
    return word


_OPERATOR_CORPORATION = frozenset({"法人名", "法人名称", "法人の名称"})
# Headers read as the category only where the file has no plainer one.
_WEAK_CATEGORY = frozenset({"services", "service", "service types", "service type", "genre",
                            "genres", "sektor", "specialty", "speciality", "specialties",
                            "specialities", "product categories", "product category",
                            "product groups", "product group", "produktkategorien",
                            "produktgruppen", "catégories de produits",
                            "categorías de productos", "categorie di prodotto"})


# A header that names what its rows are by their name, in words no alias list could hold:
# "Club name", "Nombre de la bodega", "Nom de l'établissement", "Name of practice", "Nome
# della struttura". Not a person's, a place's or a thing's name ("Contact name", "Street
# name", "Product name").
_NAME_OF = re.compile(
    r"^(?:(?:nombre|nom|nome|name|naam|navn|namn)\s+(?:de la|de l'|del|de los|de las|de|du|des|"
    r"della|dello|dell'|del|dei|degli|of the|of|der|des|van de|van het|van)\s*(?P<of>[^\d]{2,40})"
    r"|(?P<own>[^\d]{2,30}?)[\s-]?(?:name|naam|navn|namn|-name))$")
_NOT_A_BUSINESS_NAME = frozenset({
    "first", "last", "given", "family", "middle", "full", "contact", "owner", "person",
    "manager", "director", "user", "street", "road", "city", "town", "file", "sheet",
    "product", "brand", "region", "country", "state", "province", "county", "district",
    "host", "domain", "display", "account owner", "lead owner", "rep", "sales rep", "agent",
    "doctor", "provider first", "provider last", "provider middle", "parent", "parent organization",
    "group", "chain", "operator", "legal", "registered", "other", "alternate", "alias",
    "previous", "former", "old", "short", "nick", "campaign", "list", "category",
    "type", "service", "course", "programme", "program", "event", "source", "responsable",
    "titular", "propietario", "gérant", "gerant", "dirigeant", "inhaber", "ansprechpartner",
    "persona", "contacto", "calle", "rue", "via", "straße", "strasse", "ville", "ciudad",
    "municipio", "commune", "comune", "provincia", "comunidad", "la calle", "la rue",
    "la via", "la ciudad", "la provincia", "la comunidad", "contact person", "the owner"})


@functools.lru_cache(maxsize=4096)  # (asked of each extra column of each row)
def name_like_header(folded: str) -> bool:
    """Whether a folded header names its rows by their business's name in words of its own
    ("club name", "nombre de la bodega"), where no alias lists it."""
    found = _NAME_OF.match(folded)
    if not found:
        return False
    what = (found.group("of") or found.group("own") or "").strip(" '")
    return bool(what) and what not in _NOT_A_BUSINESS_NAME and \
        what.split()[0] not in _NOT_A_BUSINESS_NAME and what.split()[-1] not in _NOT_A_BUSINESS_NAME


def map_headers(headers: list[str], overrides: dict[str, str] | None = None,
                avoid: frozenset[tuple[str, str]] = frozenset()) -> dict[str, str]:
    """Map each source column to a field (or to itself, kept as extra). Overrides are
    field=column; AVOID holds (field, column) pairs a column's values ruled out."""
    mapping = _map_headers(headers, overrides, avoid)
    given = overrides or {}  # field -> the column the user named for it
    # A fallback category header ("Services", "Genre") gives way to a plain one the file also
    # has ("Category", "Type"): the first column had taken the field.
    weak = next((c for c, f in mapping.items() if f == "category"
                 and fold_header(c) in _WEAK_CATEGORY and c not in given.values()), None)
    strong = next((c for c in headers if mapping.get(c) == c and c not in given.values()
                   and HEADER_ALIASES.get(fold_header(c)) == "category"
                   and fold_header(c) not in _WEAK_CATEGORY), None)
    if weak and strong and (("category", strong) not in avoid):
        mapping[weak], mapping[strong] = weak, "category"
    # A facility list's 法人名 beside its 事業所名 / 施設名 is the corporation that runs it (its
    # branches share it: never one another's prospects), not the facility's legal name.
    if "name" in mapping.values() and "group" not in mapping.values() and "legal_name" not in given:
        for column, fld in mapping.items():
            if fld == "legal_name" and fold_header(column) in _OPERATOR_CORPORATION:
                mapping[column] = "group"
                break
    prefix = row_prefix(headers)
    if prefix is None:
        return mapping
    # A register that heads every column with what its rows are ("Location Name",
    # "Location City", "Location Telephone Number"): those columns, read without the prefix,
    # fill the fields no other column took, and never a name where a plain one is.
    # (a column named as its field, "list_url", is read as that field too)
    taken = {f for f in mapping.values() if f in KNOWN}
    names = [c for c, f in mapping.items() if f == "name"]
    for column in headers:
        if mapping.get(column, column) in KNOWN or not fold_header(column).startswith(prefix + " "):
            continue
        field = HEADER_ALIASES.get(fold_header(column)[len(prefix) + 1:].strip())
        if not field or field in ("group",) or (field, column) in avoid:
            continue
        if field == "name" and names and not given.get("name"):
            # Only beside an owner's name ("Provider Name"): that one is then the group.
            owner = names[0]
            if not _owner_words().search(fold_header(owner)) or "group" in taken:
                continue
            mapping[owner] = "group"
            taken.add("group")
            taken.discard("name")
        if field not in taken:
            mapping[column] = field
            taken.add(field)
    return mapping


def _map_headers(headers: list[str], overrides: dict[str, str] | None,
                 avoid: frozenset[tuple[str, str]]) -> dict[str, str]:
    overrides = overrides or {}
    by_column = {column: field for field, column in overrides.items()}
    taken = set(by_column.values())
    mapping: dict[str, str] = {}
    first_name_ascii = next((fold_header(c).isascii() for c, f in by_column.items() if f == "name"),
                            True)
    for column in sorted(headers, key=lambda c: (_claim_rank(c), headers.index(c))):
        if column in by_column:
            mapping[column] = by_column[column]
            continue
        folded = fold_header(column)
        field = HEADER_ALIASES.get(folded)
        if field is None and "." in column.strip(".") and ":" not in column:
            # A registry's grouped header: RegAddress.PostTown is a post town, SICCode.SicText_1
            # a SIC text.
            field = HEADER_ALIASES.get(fold_header(column.rsplit(".", 1)[1]))
        if field == "name" and field in taken:
            latin = folded.isascii()  # ＣＯＭＰＡＮＹ　ＮＡＭＥ is Latin
            # A second name column headed in the other script ("Company Name" and 会社名 in one
            # CRM export): the name in that script, not a column to drop.
            field = "name" if latin == first_name_ascii else ("name_en" if latin else "name_local")
        if field is None and "name" not in taken and name_like_header(folded) and \
                not any(HEADER_ALIASES.get(fold_header(c)) == "name" for c in headers):
            field = "name"  # (only where no column the aliases know is a name)
        if field and (field, column) in avoid:
            field = None
        if field == "city" and field in taken and "district" not in taken and \
                _finer_place(folded):
            # a second town column that says a finer place beside the city is the district
            # (Outscraper's "borough": Downtown, Zilker beside city Austin; not a CRM's
            # "Shipping City" beside its "Billing City")
            field = "district"
        if field and field not in taken:
            mapping[column] = field
            taken.add(field)
            if field == "name":
                first_name_ascii = fold_header(column).isascii()
        else:
            mapping[column] = column
    return {column: mapping[column] for column in headers}


# Which of two columns a field goes to, where both could take it: an export of people's
# company's own columns ("Company City", "Company Phone" beside the contact's "City" in an
# Apollo export), then a header that is the field's own name ("city" beside Outscraper's
# "borough"), then the first.
_COMPANY_OWN = frozenset({"company city", "company state", "company country", "company address",
                          "company phone", "company postal code", "company zip",
                          "company street", "company website"})


# Fields whose own name as a header is that field in any list. ("Name" beside "Organization"
# is a person's; "Region" beside "State" a sales region: those keep the first column's claim.)
_PLAIN_CLAIMS = frozenset({"city", "address", "postal_code", "country", "phone", "website"})
# Words of a town header that say a finer place than the city; and those of another address.
_FINER_PLACE_WORDS = frozenset({"borough", "boro", "suburb", "locality", "neighbourhood",
                                "neighborhood", "district", "ward", "quarter"})
_OTHER_ADDRESS_WORDS = frozenset({"billing", "shipping", "mailing", "postal", "registered",
                                  "contact", "owner", "home"})


def _finer_place(folded: str) -> bool:
    words = set(re.findall(r"[^\W_]+", folded))
    return bool(words & _FINER_PLACE_WORDS) and not words & _OTHER_ADDRESS_WORDS


def _claim_rank(column: str) -> int:
    folded = fold_header(column)
    if folded in _COMPANY_OWN:
        return 0
    field = HEADER_ALIASES.get(folded)
    return 1 if field in _PLAIN_CLAIMS and folded == str(field).replace("_", " ") else 2


# What a CRM's account type says of the account's relation to the user, not of its business:
# Salesforce's Type picklist (Customer, Prospect, Partner, Competitor, Reseller, Integrator,
# Investor, Press, Analyst, Other; once "Customer - Direct", "Channel Partner / Reseller"),
# HubSpot's company type and lifecycle stage, and their Japanese (顧客, 見込み客 ...). A column
# of these is no kind of business; `spider won --from` takes its customers as the won clients.
# The relations no directory's kind of business is called ...
_NO_KIND_RELATIONS = ("customer|client|prospect|partner|competitor|channel partner|"
                      "technology partner|installation partner|marketing ?qualified ?lead|"
                      "sales ?qualified ?lead|evangelist")
# ... and those a kind may be too (a wholesale list's "Distributor" or "Supplier", an IT
# list's "Reseller" or "Integrator").
_KIND_TOO_RELATIONS = ("reseller|integrator|investor|press|analyst|vendor|supplier|distributor|"
                       "lead|opportunity|subscriber")


def _relation_pattern(words: str, japanese: str) -> re.Pattern[str]:
    """A relation word as an export writes it ("Former Customer", "Partners", "Customer -
    Direct"), "Other", or one of the Japanese words."""
    return re.compile(
        rf"(?:former |ex-?|past |lost )?(?:{words})s?"
        r"(?:\s*[-/–]\s*(?:direct|channel|reseller|partner|active|new|existing|"
        rf"channel partner / reseller))?|other|{japanese}", re.I)


@functools.cache  # compiled on first use: every command imports this module
def _relationship_values() -> re.Pattern[str]:
    return _relation_pattern(f"{_NO_KIND_RELATIONS}|{_KIND_TOO_RELATIONS}",
                             "顧客|既存顧客|取引先|見込み?客|見込み|パートナー|代理店|競合|仕入先")


@functools.cache
def _customer_values() -> re.Pattern[str]:
    return re.compile(r"(?:customer|client)s?(?:\s*[-/–]\s*(?:direct|channel|active|existing))?|"
                      r"顧客|既存顧客", re.I)


@functools.cache
def _no_kind_values() -> re.Pattern[str]:
    return _relation_pattern(_NO_KIND_RELATIONS, "顧客|既存顧客|見込み?客")


# Headers of a CRM column that says what an account is to the user.
RELATIONSHIP_HEADERS = frozenset({"type", "account type", "company type", "customer type",
                                  "relationship", "lifecycle stage", "lifecyclestage",
                                  "account relationship", "取引区分", "顧客区分", "取引先区分",
                                  "種別"})


def crm_relationship(value: str) -> str | None:
    """'customer' for a value that says the account is the user's customer ("Customer",
    "Customer - Direct", 顧客), 'other' for another relation ("Prospect", "Partner",
    "Competitor"), None for anything else (a kind of business, a blank)."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text or not _relationship_values().fullmatch(text):
        return None
    return "customer" if _customer_values().fullmatch(text) else "other"


def account_relation(extra: Mapping[str, Any], category: str | None,
                     ) -> tuple[str | None, str | None]:
    """What a row's account is to the user ('customer', 'other' or None) and the value that
    says so: a relationship column's (Type, Lifecycle Stage) where it holds a relation, else
    the category's (an accounts export whose Type was read as the category)."""
    for column, value in extra.items():
        relation = crm_relationship(str(value)) if fold_header(column) in RELATIONSHIP_HEADERS \
            else None
        if relation:
            return relation, str(value)
    return crm_relationship(category or ""), category or None


def names_no_kind(value: str) -> bool:
    """Whether a category value is only an account's relation to the user ("Customer",
    "Prospect", "Partner", "Other"), which says nothing of what the business is."""
    return bool(_no_kind_values().fullmatch(unicodedata.normalize("NFKC", value or "").strip()))
