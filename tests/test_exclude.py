"""`spider exclude`: do-not-call entries, competitors, partners and customers kept out of every
exit, with reasons and expiry dates, added one by one or from a CSV."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from conftest import built_db

from spider.cli import main


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


def top_prospect(db: Path, query: str) -> tuple[int, str]:
    code, out = run(db, "expand", query, "--format", "json", "-n", "10")
    assert code == 0, out
    doc = json.loads(out[out.index("{"):])
    first = doc["prospects"][0]
    return first["company_id"], first["name"]


def test_an_excluded_company_reaches_no_exit(private_db_path, tmp_path) -> None:
    db = private_db_path
    query = "Tokyo five-star hotel"
    company_id, name = top_prospect(db, query)
    code, out = run(db, "exclude", "add", f"#{company_id}", "--kind", "do-not-call",
                    "--reason", "asked us not to call", "--for", "90d")
    assert code == 0, out
    assert f"#{company_id}" in out and "excluded as do-not-call until" in out
    code, out = run(db, "exclude", "list")
    assert "asked us not to call" in out and f"#{company_id}" in out
    # Every exit: the table, CSV, JSON, a saved list and its export, the graph's exports.
    assert name not in run(db, "expand", query, "-n", "25")[1]
    csv_path = tmp_path / "calls.csv"
    assert run(db, "expand", query, "-n", "25", "-o", str(csv_path))[0] == 0
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        assert name not in {row["company"] for row in csv.DictReader(handle)}
    code, out = run(db, "expand", query, "-n", "25", "--format", "json")
    assert all(p["company_id"] != company_id for p in json.loads(out[out.index("{"):])["prospects"])
    assert run(db, "list", "save", "five", query, "-n", "25")[0] == 0
    listed = tmp_path / "five.csv"
    assert run(db, "list", "export", "five", "-o", str(listed))[0] == 0
    assert name not in listed.read_text(encoding="utf-8-sig")
    graph = tmp_path / "web.graphml"
    assert run(db, "graph", "export", query, "-o", str(graph))[0] == 0
    assert f"c{company_id}\"" not in graph.read_text(encoding="utf-8")
    # Expired, it may be listed again.
    exclusion = json.loads(json.dumps(sqlite3.connect(db).execute(
        "select max(id) from exclusions").fetchone()))[0]
    assert run(db, "exclude", "expire", str(exclusion))[0] == 0
    assert top_prospect(db, query)[0] == company_id
    assert "No live exclusions" in run(db, "exclude", "list")[1]
    assert "(expired)" in run(db, "exclude", "list", "--all")[1]


def test_exclusions_import_from_a_csv_names_what_it_left_out(private_db_path, tmp_path) -> None:
    db = private_db_path
    path = tmp_path / "dnc.csv"
    path.write_text("company,kind,reason,expires\n"
                    "Hotel Okura Tokyo,competitor,,\n"
                    "トヨタ自動車,partner,joint venture,2031-01-01\n"
                    "No Such Company Ltd,do-not-call,,\n"
                    "Palace Hotel Tokyo,sometimes,,\n", encoding="utf-8")
    code, out = run(db, "exclude", "import", str(path))
    assert code == 0, out
    assert "2 exclusions added, 2 rows left out" in out
    assert "row 4:" in out and "not in the database" in out
    assert "row 5:" in out and "not a kind of exclusion" in out
    listed = run(db, "exclude", "list")[1]
    assert "competitor" in listed and "partner" in listed and "until 2031-01-01" in listed
    assert run(db, "exclude", "add", "Palace Hotel Tokyo", "--until", "2001-01-01")[0] == 1
    code, out = run(db, "exclude", "import", str(tmp_path / "missing.csv"))
    assert code == 1 and "no such file" in out


def test_crm_profiles_write_the_columns_import_wizards_map_and_keep_exclusions(
        private_db_path, tmp_path) -> None:
    db = private_db_path
    query = "Tokyo five-star hotel"
    company_id, name = top_prospect(db, query)
    assert run(db, "exclude", "add", f"#{company_id}", "--kind", "competitor")[0] == 0
    for profile, wanted in (("salesforce", {"Company", "Last Name", "Phone", "Lead Source"}),
                            ("hubspot", {"Company name", "Company Domain Name",
                                         "Phone Number", "Country/Region"})):
        path = tmp_path / f"{profile}.csv"
        code, out = run(db, "expand", query, "-n", "10", "--profile", profile, "-o", str(path))
        assert code == 0, out
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
        assert wanted <= set(reader.fieldnames or [])
        names = {row.get("Company") or row.get("Company name") for row in rows}
        assert len(rows) == 10 and name not in names
        if profile == "salesforce":
            assert all(row["Last Name"] and row["Rating"] in ("Hot", "Warm", "Cold")
                       for row in rows)
        assert not {"Lead Owner", "Company owner"} & set(reader.fieldnames or [])  # none yet
    # Leads routed to a rep carry the rep as their owner in either CRM's file.
    assert run(db, "reps", "add", "Sato", "--capacity", "50")[0] == 0
    assert run(db, "expand", query, "-n", "10")[0] == 0 and run(db, "assign")[0] == 0
    for profile, owner in (("salesforce", "Lead Owner"), ("hubspot", "Company owner")):
        path = tmp_path / f"{profile}-owned.csv"
        assert run(db, "expand", query, "-n", "5", "--profile", profile, "-o", str(path))[0] == 0
        with open(path, encoding="utf-8-sig", newline="") as handle:
            assert {row[owner] for row in csv.DictReader(handle)} == {"Sato"}
    mine = tmp_path / "mine.toml"
    mine.write_text('[columns]\n"Account Name" = "company"\n"Main Phone" = "phone"\n',
                    encoding="utf-8")
    out_path = tmp_path / "mine.csv"
    assert run(db, "expand", query, "-n", "3", "--profile", str(mine), "-o", str(out_path))[0] == 0
    assert out_path.read_text(encoding="utf-8-sig").splitlines()[0] == "Account Name,Main Phone"
    mine.write_text('[columns]\n"Account Name" = "nickname"\n', encoding="utf-8")
    code, out = run(db, "expand", query, "--profile", str(mine), "-o", str(out_path))
    assert code == 1 and "'nickname' is no call-list field" in out


def test_a_do_not_call_file_as_people_keep_it(tmp_path):
    from spider.exclusions import import_exclusions, list_exclusions

    db = built_db(tmp_path, "firms.csv",
                  "name,city,phone\nChorlton Code Ltd,Manchester,0161 555 0199\n"
                  "Cornerstone Apps Limited,Manchester,0161 555 0100\n"
                  "Ancoats Digital,Manchester,0161 555 0123\n")
    dnc = tmp_path / "dnc.csv"
    dnc.write_text("Company Name,Phone,Reason,Expires\n"
                   "Chorlton Code Ltd.,,TPS registered,31/12/2099\n"
                   ",0161 555 0123,asked by phone,\n"
                   "Cornerstone Apps Limited,,legal said no,someday\n", encoding="utf-8")
    added, notes = import_exclusions(db, dnc)
    # (the header had been refused; a 31/12 date dropped the row; a number alone named none)
    assert added == 3, notes
    assert any("not read as a date" in note for note in notes)
    held = {row["name"]: row["expires_at"] for row in list_exclusions(db)}
    assert set(held) == {"Chorlton Code Ltd", "Cornerstone Apps Limited", "Ancoats Digital"}
    assert held["Chorlton Code Ltd"].startswith("2099-12-31") and held["Cornerstone Apps Limited"] is None


def test_an_exclusion_whose_expiry_has_passed_is_not_made_forever(tmp_path):
    from spider.exclusions import import_exclusions, list_exclusions

    db = built_db(tmp_path, "firms.csv", "name,city\nGamma Dental,Austin\nDelta Dental,Austin\n")
    dnc = tmp_path / "dnc.csv"
    dnc.write_text("company,expires\nGamma Dental,2020-01-31\nDelta Dental,2099-01-31\n",
                   encoding="utf-8")
    added, notes = import_exclusions(db, dnc)
    assert added == 1 and any("has passed" in note for note in notes)
    assert [row["name"] for row in list_exclusions(db)] == ["Delta Dental"]


def test_a_do_not_call_list_matches_any_writing_of_a_number_once(tmp_path):
    """A Robinson list as a Spanish office saves it (semicolons, Windows encoding), numbers
    written "(+34) 915 ...", as Spider's own call lists write them, or "954-33-21-21": each
    is the company's; a number listed twice excludes it once."""
    db = built_db(tmp_path, "escuelas.csv", "Nombre;Municipio;Teléfono;Actividad\n"
                  "Autoescuela Retiro;Madrid;915 74 31 90;Autoescuela\n"
                  "Autoescuela Triana;Sevilla;+34 954 33 21 21;Autoescuela\n"
                  "Autoescuela Chamberí;Madrid;914 47 88 12;Autoescuela\n",
                  constants={"country": "ES"})
    db.conn.commit()
    path = tmp_path / "spider.db"
    robinson = tmp_path / "robinson.csv"
    robinson.write_bytes("Teléfono;Motivo\n(+34) 915 74 31 90;Lista Robinson\n"
                         "954-33-21-21;Lista Robinson\n915743190;otra vez\n".encode("cp1252"))
    code, out = run(path, "exclude", "import", str(robinson))
    assert code == 0 and "2 exclusions added" in out and "already excluded" in out, out
    assert db.execute("select count(*) from exclusions").fetchone() == (2,)
