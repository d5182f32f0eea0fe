"""Ingest: every supported format and encoding, header mapping, idempotence, bad rows."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FIXTURES, SEEDS

from spider.db import open_db
from spider.errors import InputError
from spider.fields import map_headers
from spider.ingest import IngestReport, decode_bytes, ingest_file, read_seed_file


def read(name: str, **kwargs) -> tuple[list[dict], IngestReport]:
    report = IngestReport(name)
    return list(read_seed_file(FIXTURES / name, report=report, **kwargs)), report


@pytest.fixture
def empty_db(tmp_path):
    db = open_db(tmp_path / "empty.db")
    yield db
    db.conn.close()


# One case per fixture file: the names it must yield, in order, and its encoding.
FORMATS = {
    "members.csv": (["Hotel Okura Tokyo", "Yamanoue Hotel", "Hoshinoya Tokyo"], "utf-8"),
    "hotels.tsv": (["The Tokyo Station Hotel", "Hotel New Otani Tokyo", "Hilltop Hotel"], "utf-8"),
    "companies.json": (["Imperial Hotel, Ltd.", "Fujita Kanko Inc.", "Royal Hotel, Ltd."], "utf-8"),
    "companies_data.json": (["Resorttrust, Inc.", "Kyoritsu Maintenance Co., Ltd."], "utf-8"),
    "companies.jsonl": (
        ["Seibu Holdings Inc.", "Tokyu Fudosan Holdings", "Hulic Co., Ltd."],
        "utf-8",
    ),
    "hotels.geojson": (["ホテル椿山荘東京", "ホテル雅叙園東京"], "utf-8"),
    "hotels_cp932.csv": (
        ["株式会社帝国ホテル", "株式会社ホテルオークラ東京", "株式会社山の上ホテル"],
        "cp932",
    ),
    "hotels_bom.csv": (["株式会社パレスホテル"], "utf-8-sig"),
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_yields_its_companies(name):
    records, report = read(name)
    names, encoding = FORMATS[name]
    assert [r["name"] for r in records] == names
    assert report.encoding == encoding
    for record in records:
        assert record["source"].endswith(name) and record["source_row"]


def test_cp932_file_is_really_cp932_and_keeps_japanese_headers_and_text():
    data = (FIXTURES / "hotels_cp932.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        data.decode("shift_jis")  # ① is a CP932 (NEC) extension, not plain Shift_JIS
    text, encoding = decode_bytes(data)
    assert encoding == "cp932" and text.startswith("会社名,住所,電話番号")
    records, _ = read("hotels_cp932.csv")
    teikoku = records[0]
    assert teikoku["address"] == "東京都千代田区内幸町１－１－１"
    assert teikoku["phone"] == "03-3504-1111"
    assert teikoku["category"] == "サービス業"  # 業種: the kind of business, a category
    assert json.loads(records[2]["extra"]) == {"備考": "本館①号室は作家に愛された部屋"}


def test_bom_is_not_part_of_the_first_header():
    records, report = read("hotels_bom.csv")
    assert report.encoding == "utf-8-sig"
    assert records[0]["name"] == "株式会社パレスホテル"  # 会社名 found despite the BOM before it
    assert records[0]["website"] == "https://www.palacehoteltokyo.com/"


def test_decode_bytes_falls_back_through_japanese_encodings():
    assert decode_bytes("帝国ホテル".encode())[1] == "utf-8"
    assert decode_bytes("\ufeff帝国ホテル".encode())[0] == "帝国ホテル"
    assert decode_bytes("帝国ホテル".encode("cp932")) == ("帝国ホテル", "cp932")
    assert decode_bytes("帝国ホテル".encode("utf-16")) == ("帝国ホテル", "utf-16")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Company Name", "Address", "Phone", "Website"], ["name", "address", "phone", "website"]),
        (["会社名", "住所", "電話番号", "ホームページ"], ["name", "address", "phone", "website"]),
        (
            ["name", "name:en", "name:ja", "addr:city", "stars"],
            ["name", "name_en", "name_local", "city", "rating"],
        ),
        (
            ["Account Name", "ＣＯＭＰＡＮＹ　ＮＡＭＥ"],
            ["name", "ＣＯＭＰＡＮＹ　ＮＡＭＥ"],
        ),  # first wins
        (
            ["法人番号", "法人名", "事業概要", "Member Since"],
            ["corporate_number", "legal_name", "description", "Member Since"],
        ),
        # A second name column headed in the other script is the name in that script (a
        # CRM export's 会社名 beside "Company Name"; 11 of 25 rows had been skipped, nameless).
        (["Company Name", "会社名", "Full Address"], ["name", "name_local", "address"]),
        (["会社名", "Company Name"], ["name", "name_en"]),
        # A guide's columns in its own language.
        (["Nombre", "Cocina", "Distinción"], ["name", "category", "rating"]),
    ],
)
def test_map_headers_english_japanese_and_osm(headers, expected):
    assert [map_headers(headers)[h] for h in headers] == expected


def test_map_override_wins_over_the_automatic_mapping():
    mapping = map_headers(["Company Name", "Trading Name"], {"name": "Trading Name"})
    assert mapping["Trading Name"] == "name"
    assert mapping["Company Name"] == "Company Name"  # name is taken: kept as extra


def test_map_option_reads_a_file_with_unknown_headers(tmp_path):
    path = tmp_path / "directory.csv"
    path.write_text(
        "Property,Ward,Main line\nHotel Ryumeikan Tokyo,Chiyoda,03-3251-1135\n", encoding="utf-8"
    )
    report = IngestReport("directory.csv")
    assert list(read_seed_file(path, report=report)) == []
    assert report.skipped == [("1", "no name in any name column")]
    records = list(
        read_seed_file(path, mapping={"name": "Property", "city": "Ward", "phone": "Main line"})
    )
    assert records[0]["name"] == "Hotel Ryumeikan Tokyo"
    assert records[0]["city"] == "Chiyoda" and records[0]["phone"] == "03-3251-1135"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"name": "Nonexistent"}, "no column 'Nonexistent'"),
        ({"nickname": "Company Name"}, "'nickname' is not a field"),
    ],
)
def test_bad_map_is_an_input_error_naming_the_problem(mapping, message):
    with pytest.raises(InputError, match=message):
        list(read_seed_file(FIXTURES / "members.csv", mapping=mapping))


def test_unknown_columns_are_kept_in_extra():
    records, _ = read("members.csv")
    assert json.loads(records[0]["extra"]) == {"Member Since": "1962"}
    json_records, _ = read("companies.json")
    assert json.loads(json_records[0]["extra"]) == {"ticker": "9708"}
    assert json.loads(json.loads(json_records[2]["extra"])["tags"]) == ["hotel", "osaka"]


def test_constants_fill_only_missing_values():
    records, _ = read("companies_data.json", constants={"country": "US", "region": "東京都"})
    assert {r["country"] for r in records} == {"JP"}  # the file's own value stays
    assert {r["region"] for r in records} == {"東京都"}


def test_malformed_rows_are_skipped_counted_and_explained():
    _, csv_report = read("members.csv")
    assert csv_report.read == 5
    assert csv_report.skipped == [
        ("3", "row 3 has 7 fields, the header has 6"),
        ("4", "no name in any name column"),
    ]
    _, jsonl_report = read("companies.jsonl")
    reasons = dict(jsonl_report.skipped)
    assert set(reasons) == {"3", "4"}
    assert reasons["3"].startswith("line 3 is not JSON")
    assert reasons["4"] == "line 4 is not an object"
    _, geo_report = read("hotels.geojson")
    assert geo_report.skipped == [("node/3003", "no name in any name column")]


def test_geojson_takes_osm_ids_names_and_a_point_inside_the_shape():
    records, _ = read("hotels.geojson")
    chinzanso, gajoen = records
    assert chinzanso["source_row"] == "node/1001"
    assert chinzanso["name_en"] == "Hotel Chinzanso Tokyo"
    assert (chinzanso["lat"], chinzanso["lon"]) == (35.7126, 139.7251)
    assert chinzanso["category"] == "hotel" and chinzanso["rating"] == "5"
    assert gajoen["source_row"] == "way/2002"
    assert 35.6300 <= gajoen["lat"] <= 35.6320 and 139.7100 <= gajoen["lon"] <= 139.7120


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"data": [', "not valid JSON at line 1"),
        ('{"count": 3}', "JSON holds no list of records"),
        ("\n", None),
    ],
)
def test_broken_json_file_names_the_file(tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    if message is None:
        with pytest.raises(InputError):
            list(read_seed_file(path))
        return
    with pytest.raises(InputError, match=message) as info:
        list(read_seed_file(path))
    assert str(path) in str(info.value)


def test_missing_file_and_directory_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file") as info:
        list(read_seed_file(tmp_path / "nope.csv"))
    assert "nope.csv" in str(info.value)
    with pytest.raises(InputError, match="is a directory"):
        list(read_seed_file(tmp_path))


def test_csv_with_an_unclosed_quote_names_the_file(tmp_path):
    # An unclosed quote swallows the rest of the file into one cell; past the csv module's
    # field limit that is an error about the file, not a crash.
    path = tmp_path / "quotes.csv"
    rows = "".join(f"Hotel {i},Tokyo\n" for i in range(12000))
    path.write_text('name,city\n"Hotel Okura,Tokyo\n' + rows, encoding="utf-8")
    with pytest.raises(InputError, match="quotes.csv: CSV broken near line"):
        list(read_seed_file(path))


def test_a_short_unclosed_quote_says_which_lines_it_took_in(empty_db, tmp_path):
    # Within the field limit the csv module reads the rest of the file into one cell and
    # says nothing: the rows after it were lost unseen ("row 2 has 1 fields" before).
    path = tmp_path / "members.csv"
    path.write_text("Name,Street,City,State,ZIP\nGood Dental,1 Main St,Columbus,OH,43215\n"
                    '"Broken Dental,2 Main St,Columbus,OH,43215\n'
                    "Extra Vet,3 Main St,Columbus,OH,43215\nLast Vet Clinic,5 Main St,Dayton,OH,45402\n",
                    encoding="utf-8")
    report = ingest_file(empty_db, path)
    assert report.added == 1
    assert report.skipped == [("2", "row 2 (line 3) opens a quote that is not closed, so lines 4-5 "
                               "were read into it and lost; close the quote and ingest again")]


def test_ingest_saves_records_with_source_and_row(empty_db):
    report = ingest_file(empty_db, FIXTURES / "hotels_cp932.csv")
    assert (report.read, report.added, len(report.skipped)) == (3, 3, 0)
    rows = list(empty_db.query("select name, source, source_row, status from records order by id"))
    assert [r["name"] for r in rows] == [
        "株式会社帝国ホテル",
        "株式会社ホテルオークラ東京",
        "株式会社山の上ホテル",
    ]
    assert {r["source"] for r in rows} == {str((FIXTURES / "hotels_cp932.csv").resolve())}
    assert [r["source_row"] for r in rows] == ["1", "2", "3"]
    assert {r["status"] for r in rows} == {"active"}
    source = empty_db.execute("select kind, records, skipped from sources").fetchone()
    assert source == ("file", 3, 0)


def test_reingest_adds_nothing(empty_db):
    first = ingest_file(empty_db, FIXTURES / "members.csv")
    second = ingest_file(empty_db, FIXTURES / "members.csv")
    assert (first.added, first.unchanged) == (3, 0)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert len(second.skipped) == 2
    assert empty_db.execute("select count(*) from records").fetchone()[0] == 3
    assert empty_db.execute("select count(*) from sources").fetchone()[0] == 1


def test_changed_row_is_updated_in_place(empty_db, tmp_path):
    path = tmp_path / "members.csv"
    shutil.copy(FIXTURES / "members.csv", path)
    ingest_file(empty_db, path)
    before = dict(empty_db.execute("select name, id from records").fetchall())
    path.write_text(
        path.read_text(encoding="utf-8").replace("03-3293-2311", "03-3293-2312"), encoding="utf-8"
    )
    report = ingest_file(empty_db, path)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    after = dict(empty_db.execute("select name, id from records").fetchall())
    assert after == before
    row = empty_db.execute("select phone, updated_at from records where name = 'Yamanoue Hotel'")
    phone, updated_at = row.fetchone()
    assert phone == "03-3293-2312" and updated_at


def test_every_shipped_seed_reads_without_skips_worth_worrying_about():
    # The shipped seeds are real data: nearly every row must be usable.
    for name in (
        "jpx_listed_companies.csv",
        "sp500.csv",
        "tokyo_hotel_lists.csv",
        "tokyo_hotels_osm.geojson",
    ):
        report = IngestReport(name)
        records = list(read_seed_file(SEEDS / name, report=report))
        assert len(records) >= 0.97 * report.read, (name, report.skipped[:5])


def test_a_file_without_a_name_column_says_which_columns_it_has(empty_db, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("名前,住所\nホテル椿山荘東京,東京都文京区関口2-10-8\n", encoding="cp932")
    report = ingest_file(empty_db, path)  # 名前 is a name header: it maps
    assert report.added == 1
    path.write_text("Member,Street\nHotel Chinzanso Tokyo,2-10-8 Sekiguchi\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"no column holds a company name \(columns: Member, "
        r"Street\); say which with --map name=COLUMN",
    ):
        ingest_file(empty_db, path)


def test_an_empty_file_is_an_error(empty_db, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("name,city\n", encoding="utf-8")
    with pytest.raises(InputError, match="no rows to read"):
        ingest_file(empty_db, path)


def test_german_french_and_spanish_headers_map_to_fields():
    from spider.fields import map_headers

    assert map_headers(["Name", "Stadt", "Bundesland", "Typ", "PLZ", "Webseite"]) == {
        "Name": "name", "Stadt": "city", "Bundesland": "region", "Typ": "category",
        "PLZ": "postal_code", "Webseite": "website"}
    assert map_headers(["Nom", "Ville", "Code postal", "Téléphone"])["Téléphone"] == "phone"
    assert map_headers(["Nombre", "Ciudad", "Dirección"]) == {
        "Nombre": "name", "Ciudad": "city", "Dirección": "address"}


def test_european_files_as_spreadsheets_save_them(tmp_path):
    # Semicolons (German and French Excel save CSV so), a decimal comma, German headers and
    # status words; a Western code page; a workbook is refused with what to do.
    german = tmp_path / "brauereien.csv"
    german.write_text("Firma;Kategorie;Straße;PLZ;Ort;Bewertung;Status\n"
                      "Augustiner-Bräu Wagner KG;Brauerei;Landsberger Straße 31-35;80339;München;4,7;\n"
                      "Brauerei Hürlimann;Brauerei;Brandschenkestrasse 150;8002;Zürich;3,9;geschlossen\n"
                      "Paulaner Brauerei;Brauerei;Ohlmüllerstraße 42;81541;München;4,5;vorübergehend zu\n",
                      encoding="utf-8")
    rows, report = read(str(german))
    assert [r["name"] for r in rows][:2] == ["Augustiner-Bräu Wagner KG", "Brauerei Hürlimann"]
    assert rows[0]["address"] == "Landsberger Straße 31-35" and rows[0]["rating"] == "4,7"
    from spider.signals import business_status, rating_level

    assert rating_level(rows[0]["rating"]) == ("rating", 5)  # 4.7
    assert business_status(rows[1]["operating_status"], whole=False) == "closed"
    # a status Spider cannot read is said, not silently taken for open
    assert any("'vorübergehend zu'" in w for w in report.warnings)
    french = tmp_path / "brasseries.csv"
    french.write_bytes("Name,Category,City\nBrasserie Lefèvre à Quenast,brasserie,Quenast\n"
                       "Brasserie de la Senne,brasserie,Bruxelles\n".encode("cp1252"))
    rows, report = read(str(french))
    assert rows[0]["name"] == "Brasserie Lefèvre à Quenast" and report.encoding == "cp1252"
    workbook = tmp_path / "liste.xlsx"
    workbook.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match="cannot be read as an Excel workbook.*save it again"):
        read(str(workbook))
    old_excel = tmp_path / "liste.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0 an Excel 97 file")
    with pytest.raises(InputError, match="save it as .xlsx"):
        read(str(old_excel))


def test_an_excel_workbook_is_read_as_its_sheet_shows_it(tmp_path):
    """A member list as Excel exports it: a cover sheet, a title row and a blank row above the
    header, ZIP codes formatted 00000 (stored as numbers), phone numbers as numbers, dates."""
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "About"
    book.active["A1"] = "Member directory, exported 2025-11-01"
    sheet = book.create_sheet("Members")
    sheet["A1"] = "Member directory 2025"
    sheet.append([])
    sheet.append(["Company", "Type", "City", "State", "ZIP", "Phone", "Joined"])
    for name, kind, city, zip_code, phone in (
            ("Boston Family Dental", "Dentist", "Boston", 2134, 6175550100),
            ("Back Bay Dental", "Dentist", "Boston", 2116, 6175550101),
            ("Harbor Bakery", "Bakery", "Boston", 2110, 6175550102)):
        sheet.append([name, kind, city, "MA", zip_code, phone, datetime.date(2011, 5, 1)])
        sheet.cell(row=sheet.max_row, column=5).number_format = "00000"
    path = tmp_path / "members.xlsx"
    book.save(path)
    rows, report = read(str(path))
    assert [r["name"] for r in rows] == ["Boston Family Dental", "Back Bay Dental", "Harbor Bakery"]
    assert rows[0]["postal_code"] == "02134" and rows[0]["phone"] == "6175550100"
    assert rows[0]["source_row"] == "4"  # the sheet's own row number
    assert json.loads(rows[0]["extra"])["Joined"] == "2011-05-01"
    assert report.encoding == "xlsx, sheet 'Members'"
    from spider.expand import expand
    from spider.pipeline import rebuild
    from spider.settings import Settings

    db = open_db(tmp_path / "spider.db")
    ingest_file(db, path)
    rebuild(db, Settings())
    assert [p.name for p in expand(db, Settings(), "Boston Family Dental", save=False).prospects] \
        == ["Back Bay Dental"]


def test_a_file_read_again_with_an_id_column_keeps_its_rows_and_what_was_decided(tmp_path):
    """The same rows, now known by an id column (mapped, or added to the file): they are the
    rows they were, so a won client stays one and nothing goes stale."""
    from spider.clients import record_won
    from spider.expand import expand
    from spider.pipeline import rebuild
    from spider.settings import Settings

    path = tmp_path / "cafes.csv"
    path.write_text("name,city,category,phone\nCafe Uno,Lyon,Cafe,0478000001\n"
                    "Cafe Due,Lyon,Cafe,0478000002\nCafe Tre,Lyon,Cafe,0478000003\n",
                    encoding="utf-8")
    db = open_db(tmp_path / "spider.db")
    ingest_file(db, path)
    rebuild(db, Settings())
    record_won(db, "Cafe Uno")
    path.write_text("ref,name,city,category,phone\nA1,Cafe Uno,Lyon,Cafe,0478000001\n"
                    "A2,Cafe Due,Lyon,Cafe,0478000002\nA3,Cafe Tre,Lyon,Cafe,0478000003\n",
                    encoding="utf-8")
    report = ingest_file(db, path, mapping={"source_id": "ref"})
    rebuild(db, Settings())
    assert (report.added, report.updated, report.stale, report.rekeyed) == (0, 3, 0, 3)
    assert db.execute("select count(*) from records").fetchone()[0] == 3
    names = [p.name for p in expand(db, Settings(), "Cafe Due", save=False).prospects]
    assert names == ["Cafe Tre"]  # Cafe Uno is still the won client, left out


@pytest.mark.parametrize(("before", "after", "mapping"), [
    # An id column added to the file (found by itself)
    ("Name,City,Category\n{rows}", "License Number,Name,City,Category\n{ids}", None),
    # A column kept aside before, named the id now
    ("Name,City,Category,Permit\n{ids_last}", "Name,City,Category,Permit\n{ids_last}",
     {"source_id": "Permit"}),
])
def test_rows_known_by_a_new_key_stay_the_rows_they_were(tmp_path, before, after, mapping):
    from spider.clients import record_won, won_clients
    from spider.pipeline import rebuild
    from spider.settings import Settings

    names = ("Alpha Cafe", "Beta Cafe", "Gamma Cafe")
    fill = {"rows": "".join(f"{n},Austin,Cafe\n" for n in names),
            "ids": "".join(f"L-100{i},{n},Austin,Cafe\n" for i, n in enumerate(names)),
            "ids_last": "".join(f"{n},Austin,Cafe,P-{i}\n" for i, n in enumerate(names))}
    path = tmp_path / "cafes.csv"
    path.write_text(before.format(**fill), encoding="utf-8")
    db = open_db(tmp_path / "spider.db")
    ingest_file(db, path)
    rebuild(db, Settings())
    record_won(db, "Beta Cafe")
    path.write_text(after.format(**fill), encoding="utf-8")
    report = ingest_file(db, path, mapping=mapping)
    rebuild(db, Settings())
    assert (report.added, report.stale) == (0, 0), report.summary()
    assert db.execute("select count(*) from records").fetchone()[0] == 3
    assert [(c["name"], c["status"]) for c in won_clients(db)] == [("Beta Cafe", "active")]


def test_a_workbook_that_says_a_wrong_size_is_read_whole(tmp_path):
    """Other programs write a sheet's size wrong or not at all; every row is still read."""
    import re
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "City", "Category", "Phone"])
    for i in range(6):
        sheet.append([f"Cafe {i}", "Austin", "Cafe", f"512-555-010{i}"])
    good = tmp_path / "good.xlsx"
    book.save(good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', data)
            out.writestr(item, data)
    rows, _ = read(str(bad))
    assert [r["name"] for r in rows] == [f"Cafe {i}" for i in range(6)]
    assert rows[0]["phone"] == "512-555-0100"


def test_a_file_read_again_with_more_columns_mapped_and_a_set_field_keeps_its_won_client(tmp_path):
    """An inspection export (a row per inspection, one repeated word for word) read first as
    Spider guesses, then again with the columns mapped and `--set country=US`: every row is the
    row it was, and the won client stays won, not a prospect on a new twin."""
    from spider.clients import record_won, won_clients
    from spider.pipeline import rebuild
    from spider.settings import Settings

    path = tmp_path / "inspections.csv"
    path.write_text(
        "CAMIS,DBA,BORO,STREET,ZIPCODE,PHONE,CUISINE DESCRIPTION,INSPECTION DATE,SCORE\n"
        "50092345,TAKUMI RAMEN,Brooklyn,NORTH 4 STREET,11211,3479873333,Japanese,01/12/2023,9\n"
        "50092345,TAKUMI RAMEN,Brooklyn,NORTH 4 STREET,11211,3479873333,Japanese,06/02/2024,12\n"
        "50092345,TAKUMI RAMEN,Brooklyn,NORTH 4 STREET,11211,3479873333,Japanese,06/02/2024,12\n"
        "41234588,DI FARA'S SLICE,Brooklyn,AVENUE J,11230,7182581367,Pizza,11/02/2023,7\n"
        "41234588,DI FARA'S SLICE,Brooklyn,AVENUE J,11230,7182581367,Pizza,03/14/2024,10\n"
        "40365904,KIKU SUSHI,Queens,37 AVENUE,11372,7184260101,Japanese,02/02/2024,13\n",
        encoding="utf-8")
    db = open_db(tmp_path / "spider.db")
    ingest_file(db, path)
    rebuild(db, Settings())
    record_won(db, "Takumi Ramen")
    report = ingest_file(db, path, mapping={"category": "CUISINE DESCRIPTION", "city": "BORO",
                                            "postal_code": "ZIPCODE"},
                         constants={"country": "US"})
    rebuild(db, Settings())
    assert (report.added, report.stale) == (0, 0), report.summary()
    assert db.execute("select count(*) from records").fetchone()[0] == 6
    assert [(c["name"].upper(), c["status"]) for c in won_clients(db)] == [
        ("TAKUMI RAMEN", "active")]


def test_an_excel_97_workbook_is_read_as_its_sheet_shows_it(tmp_path):
    """A municipal list as .xls (Excel 97-2003): a cover sheet, a title row above the header,
    the ward written once in a cell merged down beside its clinics, postal codes formatted
    0000000, opening dates as dates."""
    rows, report = read(str(FIXTURES.parent / "workbooks" / "yokohama_dental.xls"))
    assert report.encoding == "xls, sheet '一覧'"
    assert any("'説明'" in note for note in report.notes)  # the cover sheet, said
    by_name = {row["name"]: row for row in rows}
    assert len(by_name) == 5
    assert by_name["菊名こども歯科"]["district"] == "港北区"  # under the merged ward cell
    assert by_name["日吉駅前歯科クリニック"]["postal_code"] == "2230061"
    extra = by_name["関内歯科医院"]["extra"]
    assert (json.loads(extra) if isinstance(extra, str) else extra)["開設年月日"] == "1998-01-15"


def test_a_phone_without_a_digit_is_no_phone(tmp_path, empty_db):
    path = tmp_path / "cafes.csv"
    path.write_text("name,city,phone\nBlue Bottle Coffee,Tokyo,n/a\n"
                    "Streamer Coffee,Tokyo,03-6427-3705\nOmotesando Koffee,Tokyo,-\n",
                    encoding="utf-8")
    ingest_file(empty_db, path)
    phones = dict(empty_db.execute("select name, phone from records").fetchall())
    # (a call list had carried "n/a" in its phone column)
    assert phones == {"Blue Bottle Coffee": None, "Streamer Coffee": "03-6427-3705",
                      "Omotesando Koffee": None}


def test_a_header_named_as_its_field_claims_it_only_where_that_is_safe():
    """"City" beside Outscraper's "borough" is the city and the borough the district; but a
    CRM's "Shipping City" beside its "Billing City" is another address (no district), a
    sales "Region" beside "State" no region, and a person's "Name" beside "Organization" no
    company name."""
    from spider.fields import map_headers

    assert map_headers(["name", "borough", "city", "street"])["borough"] == "district"
    salesforce = map_headers(["Account Name", "Billing City", "Billing State/Province",
                              "Shipping City", "Shipping State/Province"])
    assert salesforce["Billing City"] == "city" and "district" not in salesforce.values()
    contacts = map_headers(["First Name", "Last Name", "Mailing City", "Company", "City"])
    assert contacts["City"] == "city" and "district" not in contacts.values()
    assert map_headers(["Company", "State", "Region", "City"])["State"] == "region"
    assert map_headers(["Organization", "Name", "Email"])["Organization"] == "name"


def test_an_encoding_given_that_the_file_is_not_in_is_a_one_line_error(tmp_path):
    """A German register in cp1252 read with --encoding utf-8 had ended in a traceback."""
    from click.testing import CliRunner

    from spider.cli import main

    path = tmp_path / "register.csv"
    path.write_bytes("Praxisname;Ort\nTierarztpraxis Weiß;München\n".encode("cp1252"))
    db = str(tmp_path / "spider.db")
    assert CliRunner().invoke(main, ["--db", db, "init", "--empty"]).exit_code == 0
    result = CliRunner().invoke(main, ["--db", db, "ingest", str(path), "--encoding", "utf-8"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "not utf-8 text" in result.output
    assert "cp1252" in result.output and len(result.output.strip().splitlines()) == 1


def test_a_csv_with_title_lines_above_its_header_is_read_as_a_workbook_is(tmp_path):
    """A regulator's CSV export begins with two title lines (one with commas in it): it had
    been refused ("row 1 has 16 fields, the header has 4"), where the same sheet as .xlsx
    was read."""
    from spider.db import open_db

    path = tmp_path / "register.csv"
    path.write_text("Care directory with filters (1 November 2025)\n"
                    "Active locations registered in Kent, Surrey and Bristol\n"
                    "Location Name,Location City,Location Postal Code,Location Web Address,Care homes beds\n"
                    "Oakdene Grange,Maidstone,ME14 1WH,www.oakdene.example,60\n"
                    "Bearsted Court,Bearsted,ME14 4AA,,42\n", encoding="utf-8")
    db = open_db(tmp_path / "spider.db")
    report = ingest_file(db, path)
    assert (report.added, len(report.skipped)) == (2, 0), report.summary()
    assert db.execute("select name, website from records order by id").fetchall() == [
        ("Oakdene Grange", "www.oakdene.example"), ("Bearsted Court", None)]
    semicolons = tmp_path / "titled.csv"
    semicolons.write_text("Tierarztregister Bayern, Stand 2025\n\nPraxisname;Ort;Telefon\n"
                          "Tierarztpraxis Weiß;München;089 100001\n", encoding="utf-8")
    assert ingest_file(db, semicolons).added == 1


def test_an_italian_guide_in_latin_1_is_read_as_western_text_at_every_read(tmp_path):
    """An Italian guide saved as Latin-1 was read as Vietnamese (cp1258: "Salò" became "Saḷ",
    "Lunedì" "Luned́"), and the edited file at the next read as Central European (cp1250:
    "Ratanà" -> "Ratanŕ", 85 rows "updated")."""
    from pathlib import Path as _Path

    from spider.ingest import sniff_encoding

    rows = ["Nome;Tipologia;Comune;Provincia;Telefono;Giorno di chiusura",
            "Trattoria Salò;Trattoria;Salò;BS;0365 43 221;Lunedì",
            "Osteria Città;Osteria;Milano;MI;02 1234 5678;Martedì",
            "Caffè Perù;Ristorante;Milano;MI;02 1234 5679;"]
    for extra in ([], ["Ratanà;Ristorante;Milano;MI;02 1234 5680;Domenica"]):
        path = tmp_path / "guida.csv"
        path.write_bytes(("\n".join(rows + extra) + "\n").encode("latin-1"))
        assert sniff_encoding(_Path(path)) in ("cp1252", "latin-1", "iso8859-1")
    db = open_db(tmp_path / "spider.db")
    ingest_file(db, path)
    assert {n for n, in db.execute("select name from records")} >= {"Ratanà", "Caffè Perù"}
    assert db.execute("select city from records where name = 'Trattoria Salò'").fetchone() == ("Salò",)


def test_a_guides_next_edition_under_a_new_name_is_that_guide(tmp_path):
    """A guide with no id column saved again as guida_2026.csv had been stacked on the 2025
    file as a second list: its removed restaurants never went stale and stayed prospects."""
    from spider.db import open_db

    head = "Nome;Tipologia;Comune;Telefono\n"
    rows = [f"Trattoria {n};Trattoria;Milano;02 10000{i}" for i, n in enumerate(
        ("Trippa", "Milanese", "Masuelli", "del Nuovo Macello", "Il Carpaccio"))]
    first = tmp_path / "guida_2025.csv"
    first.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    db = open_db(tmp_path / "spider.db")
    ingest_file(db, first)
    second = tmp_path / "guida_2026.csv"
    second.write_text(head + "\n".join(rows[:4] + ["Trattoria Nuova;Trattoria;Milano;02 999999"])
                      + "\n", encoding="utf-8")
    report = ingest_file(db, second)
    assert any("next export of guida_2025.csv" in note for note in report.notes), report.notes
    assert (report.added, report.unchanged, report.stale) == (1, 4, 1), report.summary()
    assert db.execute("select count(*) from sources where status = 'active'").fetchone() == (1,)
