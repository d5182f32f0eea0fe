"""What new users' own lists broke (a care register, a dealer association's export, a permit
register, a maps scrape, a company register): each on a small realistic file, through the CLI
as the user ran it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from spider.cli import main


def run(db: Path, *args: str):
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture
def empty(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "spider.db"
    assert run(path, "init", "--empty").exit_code == 0
    return path


def prospects(db: Path, query: str, *extra: str) -> list[dict]:
    result = run(db, "expand", query, "-n", "50", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{"):])["prospects"]


PERMITS = """Taxpayer Name,Location Name,Location Address,Location City,Location State,Location Zip,Permit Status,Phone
LONE STAR HOSPITALITY LLC,THE BROKEN HORSESHOE,1201 S Lamar Blvd,AUSTIN,TX,78704,Active,(512) 555-0101
RED RIVER ENTERTAINMENT INC,STUBBS ON RED RIVER,801 Red River St,AUSTIN,TX,78701,Active,512-555-0102
EAST SIXTH VENTURES LLC,THE DIZZY ROOSTER,306 E 6th St,AUSTIN,TX,78701,Active,5125550103
PECOS HOLDINGS LLC,PECOS SALOON,2200 Guadalupe St,AUSTIN,TX,78705,Active,(512) 555-0104
RIVERWALK TAVERN LLC,RIVERWALK TAVERN,120 E Houston St,SAN ANTONIO,TX,78205,Active,(210) 555-0105
"""

CALLS = """company_id,outcome,logged_at,rep,note
5,won,2026-12-01T15:10:00+00:00,Jake,signed
4,do-not-call,2026-12-01T15:05:00+00:00,Jake,take us off your list
1,no-answer,2026-12-01T15:00:00+00:00,Jake,
"""


def test_an_imported_call_log_means_what_a_logged_call_means(empty, tmp_path):
    """A CRM's activity export (newest first, as CRMs write it): its "do not call" excludes
    the bar, its "won" makes a won client, its "no answer" is attempt 1 with a callback, as
    `spider log` does. Read twice, it logs nothing twice. (Imported, the do-not-call bar
    had been listed and rung again, the deal not a client, the missed call a lead given up
    after 0 attempts.)"""
    permits = write(tmp_path / "permits.csv", PERMITS)
    assert run(empty, "ingest", str(permits)).exit_code == 0
    calls = write(tmp_path / "activities.csv", CALLS)
    result = run(empty, "calls", "import", str(calls))
    assert "3 calls logged" in result.output, result.output
    again = run(empty, "calls", "import", str(calls))
    assert "0 calls logged" in again.output and "already logged" in again.output, again.output
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from call_log").fetchone() == (3,)
    assert conn.execute("select kind from exclusions").fetchall() == [("do_not_call",)]
    assert conn.execute("select count(*) from won_clients").fetchone() == (1,)
    missed = conn.execute("select attempt, callback_at from call_log where outcome = "
                          "'no-answer'").fetchone()
    assert missed[0] == 1 and missed[1] > "2026-12-01T15:00"
    listed = {p["company_id"] for p in prospects(empty, "bar Austin", "--more")}
    assert 4 not in listed


def test_do_not_call_bars_the_number_under_another_company(empty, tmp_path):
    """A maps scrape lists a clinic under its Japanese and its English name; the rep judged
    them two practices and split them. The rep marks one "do not call": the same number
    under the other is not listed either (it had been #22, A)."""
    scrape = write(tmp_path / "places.jsonl", "\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"title": "おかだデンタルクリニック", "categories": ["歯科医院"],
         "address": "〒670-0012 兵庫県姫路市本町68", "phone": "079-907-5006"},
        {"title": "Okada Dental Clinic", "categories": ["Dentist"],
         "address": "Himeji Station North Plaza, Himeji, Hyogo 670-0913, Japan",
         "phone": "+81 79-907-5006"},
        {"title": "なかむら歯科医院", "categories": ["歯科医院"],
         "address": "〒670-0015 兵庫県姫路市総社本町112", "phone": "079-222-1111"},
        {"title": "はやし歯科", "categories": ["歯科医院"],
         "address": "〒670-0017 兵庫県姫路市福中町78", "phone": "079-222-3333"}]) + "\n")
    assert run(empty, "ingest", str(scrape), "--map", "name=title").exit_code == 0
    conn = sqlite3.connect(empty)
    companies = conn.execute("select count(distinct l.company_id) from record_links l join records "
                             "r on r.id = l.record_id where r.phone like '%907%'").fetchone()[0]
    if companies == 1:  # the rep judged them two practices: split, as `spider split` does
        company, english = conn.execute(
            "select l.company_id, r.id from records r join record_links l on l.record_id = r.id "
            "where r.name = 'Okada Dental Clinic'").fetchone()
        assert run(empty, "split", str(company), str(english)).exit_code == 0
    assert conn.execute("select count(distinct l.company_id) from record_links l join records "
                        "r on r.id = l.record_id where r.phone like '%907%'").fetchone() == (2,)
    assert run(empty, "log", "Okada Dental Clinic", "do-not-call").exit_code == 0
    listed = {p["phone"] for p in prospects(empty, "歯科 姫路市")}
    assert not any("907" in phone for phone in listed), (companies, listed)
    assert any("222-1111" in phone for phone in listed)


CARE = """Location ID,Location Name,Location City,Location County,Location Postal Code,Location Local Authority,Location Region,Location Telephone Number,Provider Name,Company Number,SIC code
1-101000001,Greenacres Nursing Home,Cranleigh,Surrey,GU6 8DL,Surrey,South East,01483 274410,Oakdene Healthcare Ltd,06655443,87100 - Residential nursing care facilities
1-101000002,Oakdene Manor Nursing Home,Dorking,Surrey,RH4 4TY,Surrey,South East,01306 363032,Oakdene Healthcare Ltd,06655443,87100 - Residential nursing care facilities
1-101000003,Birchwood House,Horsham,West Sussex,RH13 6ZL,West Sussex,South East,01403 859176,Oakdene Healthcare Ltd,06655443,87300 - Residential care activities for the elderly and disabled
1-101000004,Mulberry Place,Godalming,Surrey,GU7 1AA,Surrey,South East,01483 530310,Mulberry Place Care Limited,07777777,87100 - Residential nursing care facilities
1-101000004,Mulberry Place,Godalming,Surrey,GU7 1AA,Surrey,South East,01483530310,Mulberry Place Care Limited,07777777,87100 - Residential nursing care facilities
1-101000005,Holly Bank Rest Home,Ramsgate,Kent,CT11 9PA,Kent,South East,01843 590210,Holly Bank Care Ltd,08123456,
1-101000006,Abbotswood House,Guildford,Surrey,GU1 2AB,Surrey,South East,01483 111222,Abbotswood Care Ltd,09876543,87100 - Residential nursing care facilities
1-101000007,Willow Park,Purley,Surrey,CR8 8QD,Croydon,London,020 8660 1234,Willow Care Ltd,05555555,87100 - Residential nursing care facilities
"""


def test_a_care_register_keeps_each_home_and_reads_its_sic_title_and_region(empty, tmp_path):
    """A CQC export joined with Companies House: one home listed twice under its Location
    ID, an operator's Company Number on each of its homes, "87100 - Residential nursing care
    facilities" as Companies House writes a SIC code, and Location Region beside Location
    County. Each home stays a company (the number had merged every home of each operator,
    and Greenacres' lookalikes were "of Birchwood House"); the SIC cell says nursing home
    (it had said nothing: half the homes were invisible); "South East" is the region and
    the county its area; "Holly Bank Rest Home" is a care home, not a bank."""
    register = write(tmp_path / "cqc.csv", CARE)
    result = run(empty, "ingest", str(register))
    assert result.exit_code == 0, result.output
    assert "Location Region → region" in result.output, result.output
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from companies").fetchone() == (7,)
    listed = prospects(empty, "Greenacres Nursing Home")
    names = [p["name"] for p in listed]
    assert {"Abbotswood House", "Mulberry Place", "Holly Bank Rest Home"} <= set(names), names
    assert not {"Oakdene Manor Nursing Home", "Birchwood House"} & set(names)  # its operator's
    kinds = {s for s, in conn.execute(
        "select cs.signal from company_signals cs join companies c on c.id = cs.company_id "
        "where c.name = 'Holly Bank Rest Home'")}
    assert "kind:nursing home" in kinds and "kind:bank" not in kinds, kinds
    south_east = prospects(empty, "nursing homes South East")
    assert "Abbotswood House" in {p["name"] for p in south_east if p["priority"] == "A"}
    assert "Willow Park" not in {p["name"] for p in south_east if p["priority"] == "A"}


CNPJ = (
    '"CNPJ";"RAZAO SOCIAL";"NOME FANTASIA";"SITUACAO CADASTRAL";"CNAE FISCAL";"LOGRADOURO";'
    '"NUMERO";"BAIRRO";"MUNICIPIO";"UF";"CEP";"DDD";"TELEFONE"\n'
    '"74.588.038/0001-63";"PADARIA E CONFEITARIA BELLA PAULISTA LTDA";"BELLA PAULISTA";"ATIVA";'
    '"1091-1/02 - Fabricação de produtos de padaria e confeitaria com predominância de produção própria";'
    '"RUA HADDOCK LOBO";"354";"CONSOLAÇÃO";"SÃO PAULO";"SP";"01414-000";"11";"30612277"\n'
    '"11.222.333/0001-81";"PAES E DOCES FREI CANECA LTDA";"";"ATIVA";"4721102";'
    '"RUA FREI CANECA";"1200";"CONSOLACAO";"SAO PAULO";"SP";"01307-002";"11";"32501000"\n'
    '"22.333.444/0001-90";"PANIFICADORA BARONESA LTDA";"BARONESA";"ATIVA";'
    '"4721-1/02 - Padaria e confeitaria com predominância de revenda";'
    '"RUA AUGUSTA";"900";"CONSOLAÇÃO";"SÃO PAULO";"SP";"01305-100";"11";"31358952"\n'
    '"33.444.555/0001-09";"PADARIA REAL HIGIENOPOLIS LTDA";"REAL";"ATIVA";"4721102";'
    '"AV ANGELICA";"1500";"HIGIENÓPOLIS";"SÃO PAULO";"SP";"01227-100";"11";"36620000"\n'
    '"44.555.666/0001-72";"RESTAURANTE CASA DO NORTE LTDA";"CASA DO NORTE";"ATIVA";'
    '"5611-2/01 - Restaurantes e similares";"RUA BARAO DE JAGUARA";"100";"CAMBUÍ";"CAMPINAS";'
    '"SP";"13015-000";"19";"54361129"\n')


def test_a_company_register_reads_its_cnae_titles_area_codes_and_bairros(empty, tmp_path):
    """The Receita Federal's extract as it comes (Latin-1, semicolons, capitals): CNPJ is the
    company number, a CNAE with its title says bakery as a bare one does, DDD is dialled
    with the number, and CONSOLAÇÃO and CONSOLACAO are one bairro. Every bakery in it is a
    full match of "padaria Consolação" and A (before: the titled CNAE was dropped, the
    phones had no area code, and the bairro was four places)."""
    register = write(tmp_path / "cnpj.csv", CNPJ, encoding="latin-1")
    result = run(empty, "ingest", str(register))
    assert result.exit_code == 0, result.output
    assert "CNPJ → corporate_number" in result.output and "CNAE FISCAL → industry_code" in result.output
    conn = sqlite3.connect(empty)
    assert conn.execute("select phone from companies where name like 'CASA DO NORTE%'"
                        ).fetchone() == ("(19) 54361129",)
    listed = prospects(empty, "padaria Consolação")
    top = {p["name"].upper(): p["priority"] for p in listed}
    consolacao = {"BELLA PAULISTA", "BARONESA", "PAES E DOCES FREI CANECA LTDA"}
    assert consolacao <= set(top), top
    assert all(top[name] == "A" for name in consolacao), top
    assert [p["name"].upper() for p in listed][:3] == sorted(
        consolacao, key=lambda n: [p["name"].upper() for p in listed].index(n))
    assert "CASA DO NORTE" not in top or top["CASA DO NORTE"] == "C"


DEALERS = """Firma,Straße,PLZ,Ort,Bundesland,Telefon
Autohaus Huber,Landsberger Straße 380,80687,München,Bayern,089 546780-0
Autohaus Wimmer,Wasserburger Landstraße 55,81825,München,Freistaat Bayern,089 1468591
Autohaus Pohl,Straubinger Straße 40,93055,Regensburg,Bayern,0941 7000
Autohaus Reuter,Aachener Straße 500,50933,Köln,NRW,0221 949494
Autohaus Haas,Westfalendamm 100,44141,Dortmund,Nordrhein-Westfalen,0231 55555
Autohaus Klein,Wanheimer Straße 200,47053,Duisburg,NRW,0203 66666
"""


def test_a_dealer_list_reads_freistaat_bayern_nrw_and_a_german_plural(empty, tmp_path):
    """A German association's list writes its Länder as people do: "Freistaat Bayern" and
    "NRW" beside "Bayern" and "Nordrhein-Westfalen". Wimmer in München is in Huber's city
    (it had ranked B below Regensburg, "same country"), and "Autohäuser in NRW" asks for
    the car dealers there (it had been "names no kind of business")."""
    dealers = write(tmp_path / "autohaeuser.csv", DEALERS)
    assert run(empty, "ingest", str(dealers)).exit_code == 0
    listed = prospects(empty, "Autohaus Huber")
    assert listed[0]["name"] == "Autohaus Wimmer", listed[0]
    nrw = prospects(empty, "Autohäuser in NRW")
    assert {p["name"] for p in nrw if p["priority"] == "A"} == {
        "Autohaus Reuter", "Autohaus Haas", "Autohaus Klein"}


def test_a_maps_scrape_with_the_country_first_is_placed(empty, tmp_path):
    """A maps site's Japanese address starts with its country ("日本、〒530-0001 大阪府…"):
    the clinic is in 大阪市北区 (it had no place at all, and its callbacks were in UTC);
    its English twin, whose address puts the building's own number first ("Osaka Ekimae
    Dai-4 Bldg 9F, 1-11-4 Umeda"), is the same clinic."""
    scrape = write(tmp_path / "places.jsonl", "\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"title": "梅田デンタルオフィス", "categories": ["歯科医院"],
         "address": "日本、〒530-0001 大阪府大阪市北区梅田1-11-4 大阪駅前第4ビル 9F",
         "phone": "06-6341-2280", "website": "https://umeda-dental-office.jp/"},
        {"title": "Umeda Dental Office", "categories": ["Dentist"],
         "address": "Osaka Ekimae Dai-4 Bldg 9F, 1-11-4 Umeda, Kita Ward, Osaka, 530-0001, Japan",
         "phone": "+81 6-6341-2280", "website": "https://umeda-dental-office.jp/"},
        {"title": "なかむら歯科医院", "categories": ["歯科医院"],
         "address": "日本、〒530-0057 大阪府大阪市北区曽根崎2-3-4", "phone": "06-6311-1111"}]) + "\n")
    assert run(empty, "ingest", str(scrape), "--map", "name=title").exit_code == 0
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from companies").fetchone() == (2,)
    wards = {label for label, in conn.execute(
        "select s.label from signals s where s.kind = 'district'")}
    assert any("北区" in label for label in wards), wards
    companies = conn.execute("select count(distinct cs.company_id) from company_signals cs join "
                             "signals s on s.signal = cs.signal where s.kind = 'district'"
                             ).fetchone()[0]
    assert companies == 2


def test_a_saved_list_takes_next_months_new_company_at_ingest(empty, tmp_path):
    """A rep saves "padaria Consolação", then ingests next month's extract with a new bakery
    there: the list has it at once (it had waited for a `spider refresh`), and the ingest
    says who entered."""
    register = write(tmp_path / "cnpj.csv", CNPJ, encoding="latin-1")
    assert run(empty, "ingest", str(register)).exit_code == 0
    assert run(empty, "list", "save", "consolacao", "padaria Consolação").exit_code == 0
    write(register, CNPJ + '"55.666.777/0001-50";"PADARIA NOVA AUGUSTA LTDA";"NOVA AUGUSTA";'
          '"ATIVA";"4721102";"RUA AUGUSTA";"1500";"CONSOLAÇÃO";"SÃO PAULO";"SP";"01304-001";'
          '"11";"32550000"\n', encoding="latin-1")
    again = run(empty, "ingest", str(register))
    assert "list 'consolacao': 1 entered" in again.output, again.output
    exported = run(empty, "list", "export", "consolacao", "-o", str(tmp_path / "out.csv"))
    assert exported.exit_code == 0, exported.output
    assert "NOVA AUGUSTA" in (tmp_path / "out.csv").read_text(encoding="utf-8-sig").upper()


def test_a_manager_plans_with_own_rates_and_is_told_the_market_is_too_small(empty, tmp_path):
    """A sales manager gives the team's own conversion rates (the log is a week old) and
    works back from a month's target; a plan that needs more dials than the territory's
    bars can take says so (it had asked for 5,000 dials from 269 leads, silently)."""
    permits = write(tmp_path / "permits.csv", PERMITS)
    assert run(empty, "ingest", str(permits)).exit_code == 0
    made = run(empty, "plan", "--target", "60k", "--deal-size", "3000", "--period", "month",
               "--reach", "1/4", "--book", "30%", "--close", "0.25")
    assert made.exit_code == 0, made.output
    assert "20 deals <- 80 meetings <- 267 contacts <- 1,068 dials" in made.output, made.output
    assert "your rate" in made.output and "more than the 5 companies here" in made.output
    wrong = run(empty, "plan", "--target", "60k", "--deal-size", "3000", "--reach", "2")
    assert wrong.exit_code != 0 and "a rate above 0" in wrong.output


def test_an_irish_county_written_three_ways_is_one(empty, tmp_path):
    """A chamber's members write their county "Co. Cork", "County Cork" and "Cork": one
    county, Ireland's (they had been three places, and Limerick firms ranked above Cork's)."""
    members = write(tmp_path / "members.csv", """Name,Address,Town,County,Phone,Category
Horgan Coughlan Accountants,12 South Mall,Cork,Cork,+353 21 427 0000,Accountants
Farrell Lynch Chartered Accountants,4 Lapps Quay,Cork,Co. Cork,+353 21 430 1111,Accountants
Buckley & Co Accountants,8 Main Street,Mallow,County Cork,+353 22 21234,Accountants
McCarthy Murray Accountants,2 O'Connell Street,Limerick,Co. Limerick,+353 61 400 000,Accountants
Connolly Moran Accountants,9 Henry Street,Limerick,Limerick,+353 61 400 111,Accountants
""")
    assert run(empty, "ingest", str(members)).exit_code == 0
    listed = prospects(empty, "Horgan Coughlan Accountants")
    assert [p["name"] for p in listed][:2] == ["Farrell Lynch Chartered Accountants",
                                               "Buckley & Co Accountants"], listed
    cork = prospects(empty, "accountants in Cork")
    assert {p["name"] for p in cork if p["priority"] == "A"} >= {
        "Farrell Lynch Chartered Accountants", "Buckley & Co Accountants"}


def test_a_sole_practitioners_operator_column_is_no_chain(empty, tmp_path):
    """A prefecture's clinic register says 開設者 個人 for every sole practitioner: that is
    no group (every independent clinic had been one chain's site, and the won clinic's
    lookalikes "No prospects")."""
    clinics = write(tmp_path / "clinics.csv", """医療機関名,所在地,電話番号,診療科目,開設者
野口歯科医院,京都府京都市中京区河原町通三条上る恵比須町427,075-329-1136,歯科,個人
菅原歯科クリニック,京都府京都市中京区河原町通三条上る恵比須町439,075-906-8371,歯科,個人
たなか歯科,京都府京都市中京区烏丸通御池下る虎屋町566,075-211-0000,歯科,個人
医療法人 晴和会 みなみ歯科,京都府京都市中京区三条通烏丸西入御倉町79,075-222-3333,歯科,医療法人 晴和会
""")
    assert run(empty, "ingest", str(clinics)).exit_code == 0
    names = {p["name"] for p in prospects(empty, "野口歯科医院")}
    assert {"菅原歯科クリニック", "たなか歯科"} <= names, names


def test_a_facility_keeps_its_name_when_its_register_adds_a_service_row(empty, tmp_path):
    """A care register lists one row per service; next month the 特養 adds a day service at
    its own door and phone. The facility is still 特別養護老人ホーム さくら苑 (the new row had
    renamed it デイサービスセンター さくら苑, in every opener citing the won client)."""
    header = "事業所番号,事業所名,法人名,サービス種別,住所,電話番号"
    first = ["1170100056,特別養護老人ホーム さくら苑,社会福祉法人 桜会,介護老人福祉施設,"
             "埼玉県さいたま市見沼区大和田町2-15-3,048-686-3911",
             "1170100144,特別養護老人ホーム みぬまの里,社会福祉法人 見沼会,介護老人福祉施設,"
             "埼玉県さいたま市見沼区東大宮1-2-3,048-684-0000"]
    register = write(tmp_path / "kaigo.csv", "\n".join([header, *first]) + "\n")
    assert run(empty, "ingest", str(register)).exit_code == 0
    assert run(empty, "won", "特別養護老人ホーム さくら苑").exit_code == 0
    with sqlite3.connect(empty) as last_month:  # (read a month ago, not this second)
        last_month.execute("update records set ingested_at = '2026-11-01T09:00:00+00:00'")
    write(register, "\n".join([header, *first, "1170100057,デイサービスセンター さくら苑,"
                               "社会福祉法人 桜会,通所介護,埼玉県さいたま市見沼区大和田町2-15-3,"
                               "048-686-3911"]) + "\n")
    assert run(empty, "ingest", str(register)).exit_code == 0
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from companies").fetchone() == (2,)
    assert conn.execute("select c.name from won_clients w join record_links l on l.record_id = "
                        "w.record_id join companies c on c.id = l.company_id").fetchone() == (
        "特別養護老人ホーム さくら苑",)


def test_a_scrape_cut_mid_character_and_one_saved_as_json_are_read(empty, tmp_path):
    """A scraper interrupted mid-line leaves a line cut inside a character; another saves
    its JSON Lines as .json. Both are read, the broken line named (the whole file had been
    refused: "cannot tell the text encoding"; the .json: "not valid JSON at line 2")."""
    rows = [{"title": f"テスト歯科{n}", "address": f"大阪府大阪市北区梅田1-{n}-1",
             "phone": f"06-6341-000{n}"} for n in range(1, 5)]
    lines = [json.dumps(row, ensure_ascii=False).encode("utf-8") for row in rows]
    lines[2] = lines[2][:25]  # cut inside a kana
    (tmp_path / "cut.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    cut = run(empty, "ingest", str(tmp_path / "cut.jsonl"), "--map", "name=title")
    assert cut.exit_code == 0, cut.output
    assert "3 added" in cut.output and "line (3) held bytes that are not UTF-8" in cut.output
    saved = write(tmp_path / "places.json", "\n".join(
        json.dumps({**row, "title": row["title"].replace("テスト", "サンプル"),
                    "phone": row["phone"].replace("6341", "6342")}, ensure_ascii=False)
        for row in rows) + "\n")
    read = run(empty, "ingest", str(saved), "--map", "name=title")
    assert read.exit_code == 0 and "4 added" in read.output, read.output


def test_a_dealer_is_shown_with_its_umlaut_and_its_kind_capitalised_in_german(empty, tmp_path):
    """A dealer listed as "Autohaus Mueller" and "Autohaus Müller" (one company) is shown as
    Müller; a German opener writes the kind read from names as a German noun ("Autohaus",
    not "autohaus")."""
    dealers = write(tmp_path / "haendler.csv", """Firma,Straße,PLZ,Ort,Telefon
Autohaus Mueller,Haunstetter Strasse 150,86161,Augsburg,0821 85274850
Autohaus Müller,Haunstetter Straße 150,86161,Augsburg,0821 8527485-0
Autohaus Meyer,Gewerbestraße 5,86316,Friedberg,0821 556677
Autohaus Otto,Hauptstraße 9,86343,Königsbrunn,08231 44556
""")
    assert run(empty, "ingest", str(dealers), "--set", "country=DE").exit_code == 0
    conn = sqlite3.connect(empty)
    names = {name for name, in conn.execute("select name from companies")}
    assert "Autohaus Müller" in names and "Autohaus Mueller" not in names, names
    listed = run(empty, "expand", "Autohaus Meyer", "--lang", "de", "-n", "3")
    assert "(Autohaus" in listed.output and "(autohaus" not in listed.output, listed.output


def test_a_chains_one_site_is_named_by_its_town_or_street(empty, tmp_path):
    """Twelve permits of one chain: "Chuy's" says how many it names (it had listed eight
    with no word of the rest), and "Chuy's Houston" or "Chuy's 1333 Main" names the site
    (they had been "not in the database")."""
    towns = ["AUSTIN", "HOUSTON", "DALLAS", "SAN ANTONIO", "EL PASO", "PLANO", "FRISCO",
             "ROUND ROCK", "KATY", "LUBBOCK", "WACO", "TYLER"]
    rows = [f"CHUY'S OPCO INC,CHUY'S,{1000 + 111 * n} MAIN ST,{town},TX,7{n:04d},MB2{n:05d},Active,"
            f"(512) 555-{200 + n:04d}" for n, town in enumerate(towns)]
    permits = write(tmp_path / "chain.csv", "Taxpayer Name,Location Name,Location Address,"
                    "Location City,Location State,Location Zip,Permit Number,Permit Status,Phone\n"
                    + "\n".join(rows) + "\n")
    assert run(empty, "ingest", str(permits)).exit_code == 0
    several = run(empty, "won", "Chuy's")
    assert several.exit_code != 0 and "matches 12 companies" in several.output, several.output
    assert run(empty, "won", "Chuy's Houston").exit_code == 0
    assert run(empty, "log", "Chuy's 1333 Main", "no-answer").exit_code == 0
    conn = sqlite3.connect(empty)
    assert conn.execute("select r.city from won_clients w join records r on r.id = w.record_id"
                        ).fetchone() == ("HOUSTON",)
    assert conn.execute("select r.address from call_log c join records r on r.id = c.record_id"
                        ).fetchone() == ("1333 MAIN ST",)


def test_a_refresh_tells_a_closure_and_not_a_town_rewritten_without_accents(empty, tmp_path):
    """Next month's register marks one bakery BAIXADA and rewrites another's town SAO PAULO
    for SÃO PAULO: `refresh` reports the closure (it had said nothing of it) and not the
    spelling (35 of 41 "changes" had been SÃO PAULO -> SAO PAULO)."""
    register = write(tmp_path / "cnpj.csv", CNPJ, encoding="latin-1")
    assert run(empty, "ingest", str(register)).exit_code == 0
    lines = CNPJ.splitlines()
    lines[2] = lines[2].replace('"SAO PAULO"', '"SÃO PAULO"')
    lines[3] = lines[3].replace('"ATIVA"', '"BAIXADA"')
    write(register, "\n".join(lines) + "\n", encoding="latin-1")
    diff = tmp_path / "changes.csv"
    result = run(empty, "refresh", "--diff", str(diff))
    assert result.exit_code == 0, result.output
    import csv

    with open(diff, encoding="utf-8-sig", newline="") as handle:
        changes = [(row["change"], row["name"].upper()) for row in csv.DictReader(handle)]
    assert ("closed", "BARONESA") in changes, changes
    assert not any("FREI CANECA" in name for _, name in changes), changes


ATECO = """Denominazione;Insegna;Partita IVA;Codice ATECO;Indirizzo;CAP;Comune;Provincia;Regione;Telefono;Addetti;Stato impresa
TRATTORIA DA GINO S.R.L.;Trattoria Da Gino;01234567890;56.10.11 - Ristorazione con somministrazione;Via Solferino 12;20121;Milano;MI;Lombardia;02 6551234;6-9;ATTIVA
OSTERIA DEL BORGO SRL;Osteria del Borgo;02345678901;56.10.11 - Ristorazione con somministrazione;Corso Garibaldi 45;20121;Milano;MI;Lombardia;02 8051234;6-9;ATTIVA
TRATTORIA IL VECCHIO PORCO SNC;Trattoria Il Vecchio Porco;03456789012;56.10.11 - Ristorazione con somministrazione;Via Messina 8;20154;Milano;MI;Lombardia;02 3311234;0-5;CESSATA
OSTERIA VECCHIA MILANO SRL;Osteria Vecchia Milano;04567890123;56.10.11 - Ristorazione con somministrazione;Via Fiori Chiari 3;20121;Milano;MI;Lombardia;02 8761234;0-5;INATTIVA
BAR LUCE SRL;Bar Luce;05678901234;56.30.00 - Bar e altri esercizi simili senza cucina;Largo Isarco 2;20139;Milano;MI;Lombardia;02 5661234;10-19;ATTIVA
CAFFE' COVA SRL;Caffe' Cova;06789012345;56.30.00 - Bar e altri esercizi simili senza cucina;Via Montenapoleone 8;20121;Milano;MI;Lombardia;02 7601234;10-19;ATTIVA
TRATTORIA MADAMA SAS;Trattoria Madama;07890123456;56.10.11 - Ristorazione con somministrazione;Via Berthollet 10;10125;Torino;TO;Piemonte;011 6691234;6-9;ATTIVA
"""


def test_an_italian_chamber_register_reads_its_status_ateco_and_regions(empty, tmp_path):
    """A Camera di Commercio export: "Stato impresa" CESSATA and INATTIVA are closed (they had
    been kept aside, and two closed trattorie were A prospects); ATECO's "Bar e altri
    esercizi simili senza cucina" is a bar, not a restaurant ("senza cucina": without a
    kitchen); "Lombardia" is Lombardy (it had been a region of its own that no query met)."""
    register = write(tmp_path / "imprese.csv", ATECO)
    result = run(empty, "ingest", str(register))
    assert result.exit_code == 0, result.output
    assert "Stato impresa → operating_status" in result.output, result.output
    names = [p["name"] for p in prospects(empty, "Trattoria Da Gino")]
    assert "Osteria del Borgo" in names
    assert not {"Trattoria Il Vecchio Porco", "Osteria Vecchia Milano"} & set(names), names
    conn = sqlite3.connect(empty)
    kinds = {s for s, in conn.execute(
        "select cs.signal from company_signals cs join companies c on c.id = cs.company_id "
        "where c.name = 'Bar Luce'")}
    assert "kind:bar" in kinds and "kind:restaurant" not in kinds, kinds
    lombardy = prospects(empty, "restaurants in Lombardy")
    assert {p["name"] for p in lombardy if p["priority"] == "A"} == {
        "Trattoria Da Gino", "Osteria del Borgo"}, lombardy


def test_a_category_written_with_and_without_its_accents_is_one(empty, tmp_path):
    """INEGI's DENUE writes "preparación" on most rows and "preparacion" on some: one kind
    of business (the unaccented rows had been a category of their own, and three taquerías
    next to the client left off its list)."""
    rows = ["nom_estab,nombre_act,nomb_asent,municipio,entidad,telefono",
            "TAQUERIA LOS COCUYOS,Restaurantes con servicio de preparación de tacos y tortas,"
            "CENTRO,CUAUHTÉMOC,CIUDAD DE MÉXICO,5555183155",
            "TAQUERIA EL TORITO,Restaurantes con servicio de preparacion de tacos y tortas,"
            "CENTRO,CUAUHTEMOC,CIUDAD DE MEXICO,5555101111",
            "TAQUERIA EL HUEQUITO,Restaurantes con servicio de preparación de tacos y tortas,"
            "CENTRO,CUAUHTÉMOC,CIUDAD DE MÉXICO,5555102222",
            "CAFE DE TACUBA,Restaurantes con servicio de preparación de alimentos a la carta o de "
            "comida corrida,CENTRO,CUAUHTÉMOC,CIUDAD DE MÉXICO,5555103333"]
    denue = write(tmp_path / "denue.csv", "\n".join(rows) + "\n")
    assert run(empty, "ingest", str(denue), "--set", "country=MX").exit_code == 0
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from signals where kind = 'category' and signal like "
                        "'%tacos y tortas'").fetchone() == (1,)
    listed = [p["name"] for p in prospects(empty, "TAQUERIA LOS COCUYOS")]
    assert listed[:2] and set(listed[:2]) == {"Taqueria el Torito", "Taqueria el Huequito"} or \
        {n.upper() for n in listed[:2]} == {"TAQUERIA EL TORITO", "TAQUERIA EL HUEQUITO"}, listed


def test_two_branches_of_a_chain_placed_apart_are_two_companies(empty, tmp_path):
    """An establishments register (INEGI's DENUE) gives each restaurant its razón social and
    its point: two VIPS 1.5 km apart, on two streets that share the number 96, one website
    and one legal name, are two restaurants (they had been one company by their domain, and
    the review queue held 43 such branch pairs)."""
    rows = ["nom_estab,raz_social,nombre_act,nom_vial,numero_ext,nomb_asent,municipio,entidad,"
            "telefono,www,latitud,longitud",
            "VIPS,OPERADORA VIPS S DE RL DE CV,Restaurantes a la carta,ÁLVARO OBREGÓN,96,ROMA NORTE,"
            "CUAUHTÉMOC,CIUDAD DE MÉXICO,,www.vips.com.mx,19.4181761,-99.1617727",
            "VIPS,OPERADORA VIPS S DE RL DE CV,Restaurantes a la carta,TAMAULIPAS,96,CONDESA,"
            "CUAUHTÉMOC,CIUDAD DE MÉXICO,5523665415,www.vips.com.mx,19.4108145,-99.1733414",
            "TAQUERIA LOS PARADOS,TAQUERIA LOS PARADOS SA DE CV,Restaurantes de tacos,MONTERREY,333,"
            "ROMA SUR,CUAUHTÉMOC,CIUDAD DE MÉXICO,5555641234,,19.4065,-99.1620",
            "TAQUERÍA LOS PARADOS,TAQUERIA LOS PARADOS SA DE CV,Restaurantes de tacos,MONTERREY,333,"
            "ROMA SUR,CUAUHTÉMOC,CIUDAD DE MÉXICO,55 5564 1234,,19.40651,-99.16201"]
    denue = write(tmp_path / "denue.csv", "\n".join(rows) + "\n")
    result = run(empty, "ingest", str(denue), "--set", "country=MX")
    assert result.exit_code == 0, result.output
    assert "4 records resolved into 3 companies" in result.output, result.output


def test_short_words_of_names_in_capitals_are_words():
    """A register's capitals: TAP, BOM, DON, REY are words ("Tacos DON Juan" had been
    shown), acronyms (NEC) stay, and Portuguese "com" is a small word."""
    from spider.text import readable_name

    assert readable_name("THE SOUTHSIDE TAP") == "The Southside Tap"
    assert readable_name("PADARIA BOM JESUS") == "Padaria Bom Jesus"
    assert readable_name("TACOS DON JUAN") == "Tacos Don Juan"
    assert readable_name("FEIJAO COM ARROZ") == "Feijao com Arroz"
    assert readable_name("NEC CORP") == "NEC Corp"


def test_italian_plurals_name_their_kind(empty, tmp_path):
    """"trattorie Milano" and "ristoranti in Lombardia" are the restaurants there (they had
    been "'trattorie' names no kind of business"), and a gelateria is an ice-cream shop."""
    register = write(tmp_path / "imprese.csv", ATECO)
    assert run(empty, "ingest", str(register)).exit_code == 0
    for query in ("trattorie Milano", "ristoranti in Lombardia"):
        listed = prospects(empty, query)
        assert {p["name"] for p in listed if p["priority"] == "A"} >= {
            "Trattoria Da Gino", "Osteria del Borgo"}, (query, listed)
