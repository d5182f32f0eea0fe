"""Nothing a person decided is ever lost: records keep their identity when their file is edited,
decisions stay with what they named, one writer at a time, interrupted work recovers."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import spider
from spider.cli import main
from spider.db import get_meta, open_db, records_changed
from spider.identity import Identities, key_column
from spider.ingest import ingest_file
from spider.locking import WriterLock
from spider.pipeline import apply_change, rebuild
from spider.resolve.decisions import merge_companies, split_company
from spider.settings import Settings

HOTELS = ["Alpha Hotel,Tokyo", "Beta Hotel,Tokyo", "Gamma Hotel,Osaka", "Delta Inn,Osaka"]


def spider_cli(db: Path, *args: str):
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def company_named(db_path: Path, name: str) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select l.company_id from records r join record_links l on "
                            "l.record_id = r.id where r.name = ?", [name]).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def empty(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "spider.db"
    assert spider_cli(path, "init", "--empty").exit_code == 0
    return path


def test_deleting_a_row_keeps_every_decision_on_what_it_named(empty, tmp_path):
    """The bug as a new user met it: delete one row of a 4-row file and ingest it again."""
    hotels = write(tmp_path / "hotels.csv", "name,city,category", [h + ",hotel" for h in HOTELS])
    assert spider_cli(empty, "ingest", str(hotels)).exit_code == 0
    assert spider_cli(empty, "won", "Beta Hotel").exit_code == 0
    gamma, delta = company_named(empty, "Gamma Hotel"), company_named(empty, "Delta Inn")
    assert spider_cli(empty, "merge", str(gamma), str(delta)).exit_code == 0
    write(hotels, "name,city,category", [h + ",hotel" for h in HOTELS if not h.startswith("Beta")])
    result = spider_cli(empty, "ingest", str(hotels))
    assert result.exit_code == 0 and "1 gone from the file (marked stale)" in result.output
    listed = spider_cli(empty, "won", "--list").output
    assert "Beta Hotel" in listed and "gone from every source" in listed
    assert "Gamma" not in listed
    # the merge still joins Gamma and Delta, and nothing else
    assert company_named(empty, "Gamma Hotel") == company_named(empty, "Delta Inn")
    assert company_named(empty, "Alpha Hotel") != company_named(empty, "Gamma Hotel")
    # the deleted row is marked, not deleted, and Gamma is no existing client
    conn = sqlite3.connect(empty)
    assert conn.execute("select status from records where name = 'Beta Hotel'").fetchone() == ("stale",)
    out = spider_cli(empty, "expand", "Osaka hotel", "--format", "json").output
    assert "Gamma Hotel" in out and "existing client" not in out
    gone = spider_cli(empty, "expand", "Beta Hotel")
    assert gone.exit_code == 1 and "gone from every source" in gone.output


def test_reordered_and_inserted_rows_are_the_same_records(empty, tmp_path):
    hotels = write(tmp_path / "hotels.csv", "name,city", HOTELS)
    spider_cli(empty, "ingest", str(hotels))
    conn = sqlite3.connect(empty)
    before = dict(conn.execute("select name, id from records").fetchall())
    write(hotels, "name,city", ["Epsilon Hotel,Nagoya", *reversed(HOTELS)])
    result = spider_cli(empty, "ingest", str(hotels))
    assert "1 added, 0 updated, 4 unchanged" in result.output
    after = dict(conn.execute("select name, id from records").fetchall())
    assert {k: after[k] for k in before} == before


def test_an_id_column_keeps_a_renamed_row(empty, tmp_path):
    members = write(tmp_path / "members.csv", "Member No,name,city",
                    ["A-107,Alpha Hotel,Tokyo", "B-220,Beta Hotel,Tokyo", "C-031,Gamma Hotel,Osaka"])
    spider_cli(empty, "ingest", str(members))
    spider_cli(empty, "won", "Beta Hotel")
    write(members, "Member No,name,city",
          ["C-031,Gamma Hotel,Osaka", "B-220,Beta Grand Hotel,Tokyo", "A-107,Alpha Hotel,Tokyo"])
    result = spider_cli(empty, "ingest", str(members))
    assert "0 added, 1 updated, 2 unchanged" in result.output
    assert "Beta Grand Hotel" in spider_cli(empty, "won", "--list").output


ACCOUNTS = "Account ID,Account Name,Phone,Billing Street,Billing City,Billing State/Province,Industry"
EXPORT = ["001A7x01,Harbor Dental,(617) 555-0101,12 Atlantic Ave,Boston,MA,Dentist",
          "001A7x02,Harbor Dental Group,(617) 555-0101,12 Atlantic Avenue,Boston,MA,Dentist",
          "001A7x03,Back Bay Smiles,(617) 555-0133,220 Newbury St,Boston,MA,Dentist",
          "001A7x04,Beacon Hill Dental,(617) 555-0144,40 Charles St,Boston,MA,Dentist",
          "001A7x05,Cambridge Family Dentistry,(617) 555-0155,1 Brattle St,Cambridge,MA,Dentist",
          "001A7x06,Fenway Dental Arts,(617) 555-0166,9 Brookline Ave,Boston,MA,Dentist"]


def test_the_next_crm_export_under_a_new_name_keeps_every_decision(empty, tmp_path):
    """A CRM's accounts exported again next month under a dated name are the same accounts:
    a split, a won client and a call stay on what they named, and the list is not doubled."""
    first = write(tmp_path / "accounts-2026-11.csv", ACCOUNTS, EXPORT)
    assert spider_cli(empty, "ingest", str(first)).exit_code == 0
    harbor = company_named(empty, "Harbor Dental")
    assert harbor == company_named(empty, "Harbor Dental Group")  # one phone, one street
    conn = sqlite3.connect(empty)
    group_record = conn.execute("select id from records where name = 'Harbor Dental Group'").fetchone()[0]
    assert spider_cli(empty, "split", str(harbor), str(group_record)).exit_code == 0
    assert spider_cli(empty, "won", "Beacon Hill Dental").exit_code == 0
    assert spider_cli(empty, "log", "Back Bay Smiles", "gatekeeper").exit_code == 0
    renamed = [row.replace("Back Bay Smiles,", "Back Bay Smiles Dental,") for row in EXPORT
               if "Cambridge" not in row]
    second = write(tmp_path / "accounts-2026-12.csv", ACCOUNTS,
                   [*renamed, "001A7x07,Kenmore Dental,(617) 555-0177,5 Kenmore Sq,Boston,MA,Dentist"])
    result = spider_cli(empty, "ingest", str(second))
    assert result.exit_code == 0, result.output
    assert "1 added, 1 updated, 4 unchanged" in result.output
    assert "1 gone from the file (marked stale)" in result.output
    assert "next export of accounts-2026-11.csv" in result.output
    assert company_named(empty, "Harbor Dental") != company_named(empty, "Harbor Dental Group")
    assert "Beacon Hill Dental" in spider_cli(empty, "won", "--list").output
    assert "Back Bay Smiles Dental: gatekeeper" in spider_cli(empty, "calls").output
    assert conn.execute("select count(*) from records").fetchone()[0] == 7
    assert conn.execute("select location from sources").fetchall() == [(str(second.resolve()),)]
    assert conn.execute("select status from records where name like 'Cambridge%'").fetchone() == ("stale",)
    # Read again as the newer list it now is: nothing changes.
    again = spider_cli(empty, "ingest", str(second))
    assert "0 added, 0 updated, 6 unchanged" in again.output and "next export" not in again.output


def test_a_filtered_export_or_separate_is_a_list_of_its_own(empty, tmp_path):
    first = write(tmp_path / "accounts.csv", ACCOUNTS, EXPORT)
    spider_cli(empty, "ingest", str(first))
    boston_only = write(tmp_path / "accounts-boston.csv", ACCOUNTS, EXPORT[2:4])
    assert "next export" not in spider_cli(empty, "ingest", str(boston_only)).output
    kept = write(tmp_path / "accounts-copy.csv", ACCOUNTS, EXPORT)
    assert "next export" not in spider_cli(empty, "ingest", str(kept), "--separate").output
    # A list keyed by another column that happens to hold the same values is another list.
    other = write(tmp_path / "members.csv", ACCOUNTS.replace("Account ID", "Member No"), EXPORT)
    assert "next export" not in spider_cli(empty, "ingest", str(other)).output
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from sources").fetchone()[0] == 4
    assert conn.execute("select count(*) from records where status = 'active'").fetchone()[0] == 20


def test_the_next_export_is_read_as_the_first_was(empty, tmp_path):
    """The first export was read with --set country=US and a --map; the next one, given
    neither, is read the same way, so its rows compare and answer a query for the US."""
    header = ACCOUNTS.replace("Industry", "Specialty")
    first = write(tmp_path / "accounts-w48.csv", header, EXPORT)
    spider_cli(empty, "ingest", str(first), "--set", "country=US", "--map", "category=Specialty")
    second = write(tmp_path / "accounts-w49.csv", header, EXPORT)
    result = spider_cli(empty, "ingest", str(second))
    assert "0 added, 0 updated, 6 unchanged" in result.output, result.output
    conn = sqlite3.connect(empty)
    assert conn.execute("select distinct country, category from records").fetchall() == [("US", "Dentist")]
    assert conn.execute("select location, constants from sources").fetchall() == [
        (str(second.resolve()), '{"country": "US"}')]


def test_a_file_read_again_with_an_id_and_its_street_mapped_keeps_its_won_client(empty, tmp_path):
    """The second read maps an id column and the street Spider had kept aside: every row has
    a new key and says its address in another shape ("HADDOCK LOBO" and "354" apart, then
    the address HADDOCK LOBO 354; a CNPJ tidied to digits). The rows are the same rows: the
    won client stays won, nothing is doubled."""
    header = "Inscricao;Nome Fantasia;Rua;Número;Bairro;Município;UF;Telefone"
    rows = ["41.939.071/0001-31;BELLA PAULISTA;HADDOCK LOBO;354;CERQUEIRA CESAR;SAO PAULO;SP;(11) 3214-3347",
            "89.542.916/0001-87;DONA DEOLA;PIO XI;1220;ALTO DA LAPA;SAO PAULO;SP;(11) 3832-0911",
            "22.333.444/0001-92;PADARIA TAQUARAL;HEITOR PENTEADO;1581;TAQUARAL;CAMPINAS;SP;(19) 3256-1414"]
    padarias = write(tmp_path / "padarias.csv", header, rows)
    assert spider_cli(empty, "ingest", str(padarias)).exit_code == 0
    assert spider_cli(empty, "won", "PADARIA TAQUARAL").exit_code == 0
    again = spider_cli(empty, "ingest", str(padarias), "--map", "corporate_number=Inscricao",
                       "--map", "address=Rua")
    assert again.exit_code == 0, again.output
    assert "0 added, 3 updated" in again.output and "gone from the file" not in again.output
    conn = sqlite3.connect(empty)
    assert conn.execute("select address from records where name = 'PADARIA TAQUARAL'").fetchone() == (
        "HEITOR PENTEADO 1581",)
    listed = spider_cli(empty, "won", "--list").output
    assert "PADARIA TAQUARAL" in listed.upper() and "gone from every source" not in listed


SHOPS = ["Corner Bakery,High Street,12,LS1 4AA,Leeds,Bakery",
         "Corner Bakery,High Street,21,LS1 4AB,Leeds,Bakery",
         "Green Cafe,Park Lane,5,LS2 7AA,Leeds,Cafe",
         "Blue Cafe,Park Lane,7,LS2 7AB,Leeds,Cafe"]


def test_a_bare_no_column_after_the_street_is_its_house_number(empty, tmp_path):
    """A hand-made list writes the number in a column of its own after the street: it is
    part of the address (two shops of one name at 12 and 21 High Street are two), and no id
    (it had been taken as the rows' key and the shops merged)."""
    shops = write(tmp_path / "shops.csv", "Name,Street,No,Postcode,City,Category", SHOPS)
    result = spider_cli(empty, "ingest", str(shops))
    assert result.exit_code == 0 and "'No'" not in result.output, result.output
    conn = sqlite3.connect(empty)
    assert conn.execute("select address, coalesce(source_id, '') from records order by id").fetchall() == [
        ("12 High Street", ""), ("21 High Street", ""), ("5 Park Lane", ""), ("7 Park Lane", "")]
    assert conn.execute("select count(*) from companies where name = 'Corner Bakery'").fetchone() == (2,)
    # A street written as the country writes it: the number after a German street.
    werkstatt = write(tmp_path / "werkstatt.csv", "Firma,Straße,Nr.,Ort",
                      ["Autohaus Berger,Hauptstraße,12a,Bonn", "Kfz Meier,Lindenweg,3,Bonn"])
    assert spider_cli(empty, "ingest", str(werkstatt)).exit_code == 0
    assert conn.execute("select address from records where name = 'Autohaus Berger'").fetchone() == (
        "Hauptstraße 12a",)
    # A "No" column first in the row is the list's own number, as before.
    numbered = write(tmp_path / "members.csv", "No,Name,Street,City",
                     ["907,Harbor Dental,Bay Road,Leeds", "915,Bay Dental,Bay Road,Leeds"])
    assert spider_cli(empty, "ingest", str(numbered)).exit_code == 0
    assert conn.execute("select source_id, address from records where name = 'Bay Dental'").fetchone() == (
        "915", "Bay Road")


def test_a_list_once_keyed_by_its_house_numbers_keeps_its_won_client(empty, tmp_path, monkeypatch):
    """A database built when the "No" column was taken as the key: read again, its rows are
    known by their content, and the same rows (their words in other shapes) carry over."""
    import spider.ingest

    shops = write(tmp_path / "shops.csv", "Name,Street,No,Postcode,City,Category", SHOPS)
    with monkeypatch.context() as old:
        old.setattr(spider.ingest, "_house_number_column", lambda *args: None)
        assert spider_cli(empty, "ingest", str(shops)).exit_code == 0
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from records where source_id = '5'").fetchone() == (1,)
    assert spider_cli(empty, "won", "Green Cafe").exit_code == 0
    again = spider_cli(empty, "ingest", str(shops))
    assert "0 added, 4 updated" in again.output, again.output
    assert conn.execute("select count(*), count(distinct address) from records").fetchone() == (4, 4)
    listed = spider_cli(empty, "won", "--list").output
    assert "Green Cafe" in listed and "gone from every source" not in listed


def test_a_row_counter_is_not_an_id():
    rows = [{"No": str(i), "name": f"Company {i}"} for i in range(1, 40)]
    assert key_column(["No", "name"], {"name": "name"}, rows) is None
    codes = [{"No": str(900 + 7 * i), "name": f"Company {i}"} for i in range(1, 40)]
    assert key_column(["No", "name"], {"name": "name"}, codes) == "No"
    repeated = [{"code": "X1", "name": "A"}, {"code": "X1", "name": "B"}]
    assert key_column(["code", "name"], {"name": "name"}, repeated) is None


def test_identical_rows_are_told_apart_in_order():
    identities = Identities()
    row = {"name": "Blue Cafe", "city": "Leeds", "source_row": "3"}
    assert identities(dict(row)) != identities(dict(row))


def test_map_source_id_names_the_id_column(empty, tmp_path):
    listing = write(tmp_path / "list.csv", "ref,name", ["zz9,Alpha Hotel", "qq4,Beta Hotel"])
    spider_cli(empty, "ingest", str(listing), "--map", "source_id=ref")
    write(listing, "ref,name", ["qq4,Beta Hotel Annex", "zz9,Alpha Hotel"])
    result = spider_cli(empty, "ingest", str(listing), "--map", "source_id=ref")
    assert "0 added, 1 updated, 1 unchanged" in result.output


def test_a_company_keeps_its_id_when_its_first_record_goes(empty, tmp_path):
    first = write(tmp_path / "a.csv", "name,phone", ["Harbor Dental Clinic,+1 212 555 0101"])
    second = write(tmp_path / "b.csv", "name,phone", ["Harbor Dental Clinic LLC,+1 212 555 0101"])
    spider_cli(empty, "ingest", str(first))
    spider_cli(empty, "ingest", str(second))
    company = company_named(empty, "Harbor Dental Clinic")
    assert company == company_named(empty, "Harbor Dental Clinic LLC")
    write(first, "name,phone", ["Other Clinic,+1 212 555 0999"])
    spider_cli(empty, "ingest", str(first))
    assert company_named(empty, "Harbor Dental Clinic LLC") == company


def test_a_database_keyed_by_row_numbers_is_rekeyed_with_its_decisions(seeded_path, tmp_path):
    """A database from before record identity: keys were hash(source, row number)."""
    from conftest import copy_db

    from spider.identity import record_key
    from spider.pipeline import ensure_built

    db = copy_db(seeded_path, tmp_path / "old.db")
    fresh = dict(db.execute("select id, record_key from records").fetchall())
    db.execute("update records set record_key = 'old:' || id")
    old_keys = {rid: record_key(source, str(row)) for rid, source, row in
                db.execute("select id, source, source_row from records")}
    db.conn.executemany("update records set record_key = ? where id = ?",
                        [(k, rid) for rid, k in old_keys.items()])
    db.execute("insert into decisions (kind, record_key_a, record_key_b, note) values "
               "('merge', ?, ?, 'kept')", [old_keys[1], old_keys[2]])
    db.execute("update meta set value = '2' where key = 'schema_version'")
    db.execute("pragma user_version = 0")
    db.conn.close()
    db = open_db(tmp_path / "old.db")
    assert get_meta(db, "needs_rekey") == "1"
    messages: list[str] = []
    ensure_built(db, Settings(), echo=messages.append)
    assert any("keyed by their identity" in m for m in messages)
    assert dict(db.execute("select id, record_key from records").fetchall()) == fresh
    assert db.execute("select record_key_a, record_key_b from decisions").fetchone() == (
        fresh[1], fresh[2])
    (a,), (b,) = db.execute("select company_id from record_links where record_id in (1, 2)")
    assert a == b  # the merge still holds


def test_merge_and_split_in_place_equal_a_full_rebuild(seeded_path, tmp_path):
    from conftest import copy_db

    db = copy_db(seeded_path, tmp_path / "a.db")
    change = merge_companies(db, 1, 2)
    apply_change(db, Settings(), change)
    change = split_company(db, 1, [2])
    apply_change(db, Settings(), change)
    merge_companies_again = merge_companies(db, 3, 4)
    apply_change(db, Settings(), merge_companies_again)
    tables = {"record_links": "record_id, company_id", "companies": "*",
              "company_names": "company_id, name, key"}
    in_place = {t: db.execute(f"select {cols} from {t} order by 1, 2").fetchall()
                for t, cols in tables.items()}
    signals = set(db.execute("select company_id, signal from company_signals").fetchall())
    rebuild(db, Settings())
    for name, rows in in_place.items():
        cols = tables[name]
        assert db.execute(f"select {cols} from {name} order by 1, 2").fetchall() == rows, name
    rebuilt = set(db.execute("select company_id, signal from company_signals").fetchall())
    assert len(signals ^ rebuilt) <= 4  # description terms may pick another word on a tie


def test_a_second_writer_waits_and_says_for_what(seeded_path, tmp_path):
    from conftest import copy_db

    path = tmp_path / "busy.db"
    copy_db(seeded_path, path).conn.close()
    holder = WriterLock(path, "spider ingest big.csv")
    holder.acquire()
    env = {**os.environ, "PYTHONPATH": str(Path(spider.__file__).parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "spider", "--db", str(path), "merge", "1", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            if time.monotonic() > deadline - 25:  # it has had 5 s to reach the lock
                break
        assert proc.poll() is None, "the second writer went ahead"
        holder.release()
        out, err = proc.communicate(timeout=60)
    finally:
        holder.release()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "waiting for `spider ingest big.csv`" in err
    assert "are one company now" in out


def test_an_interrupted_command_is_said_and_its_graph_rebuilt(private_db_path):
    """What a killed ingest leaves: its note in the lock file, records newer than the graph."""
    WriterLock(private_db_path, "").path.write_text(
        '{"command": "spider ingest big.csv", "pid": 1}', encoding="utf-8")
    db = open_db(private_db_path)
    records_changed(db)
    db.conn.close()
    result = CliRunner().invoke(main, ["--db", str(private_db_path), "expand", "Toyota Motor",
                                       "-n", "1"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "the last `spider ingest big.csv` was interrupted" in result.stderr
    assert "The graph is older than its records" in result.stderr
    assert WriterLock(private_db_path, "").holder() is None


def test_an_ingest_interrupted_half_way_leaves_nothing(tmp_path):
    db = open_db(tmp_path / "s.db")
    path = write(tmp_path / "big.csv", "name,city",
                 [f"Company number {i},Tokyo" for i in range(120_000)])
    calls = []

    def interrupt(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 3:  # two megabytes in: thousands of rows already saved
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_file(db, path, progress=interrupt)
    assert db.execute("select count(*) from records").fetchone()[0] == 0
    assert db.execute("select count(*) from sources").fetchone()[0] == 0


def test_a_read_only_database_answers_and_refuses_writes(private_db_path, monkeypatch):
    import spider.db

    monkeypatch.setattr(spider.db, "writable", lambda path: False)
    listed = CliRunner().invoke(main, ["--db", str(private_db_path), "won", "--list"])
    assert listed.exit_code == 0
    answer = CliRunner().invoke(main, ["--db", str(private_db_path), "expand", "Toyota Motor",
                                       "-n", "2", "--format", "json"])
    assert answer.exit_code == 0 and "not kept in the run history" in answer.output
    refused = CliRunner().invoke(main, ["--db", str(private_db_path), "won", "Aman Tokyo"])
    assert refused.exit_code == 1 and "read-only" in refused.output
    assert "Traceback" not in refused.output


def test_another_list_with_the_same_small_ids_is_not_the_next_export(empty, tmp_path):
    """Two trade-show exhibitor lists number their rows 101, 102, 103 under one header: the
    second is another list of other companies, not the first one's next export. Its rows
    must not take the first list's records, nor the won client among them."""
    header = "Exhibitor ID,Company,Phone,City,Category"
    spring = write(tmp_path / "expo-spring.csv", header,
                   ["101,Harbor Dental,(617) 555-0101,Boston,Dentist",
                    "102,Back Bay Smiles,(617) 555-0133,Boston,Dentist",
                    "103,Beacon Hill Dental,(617) 555-0144,Boston,Dentist"])
    assert spider_cli(empty, "ingest", str(spring)).exit_code == 0
    assert spider_cli(empty, "won", "Beacon Hill Dental").exit_code == 0
    autumn = write(tmp_path / "expo-autumn.csv", header,
                   ["101,Lakeview Orthodontics,(312) 555-0190,Chicago,Dentist",
                    "102,Wicker Park Dental,(312) 555-0191,Chicago,Dentist",
                    "103,Loop Family Dentistry,(312) 555-0192,Chicago,Dentist"])
    result = spider_cli(empty, "ingest", str(autumn))
    assert result.exit_code == 0, result.output
    assert "next export" not in result.output and "3 added" in result.output
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from records where status = 'active'").fetchone()[0] == 6
    assert "Beacon Hill Dental" in spider_cli(empty, "won", "--list").output


def test_a_crm_duplicate_account_keeps_its_company_number(empty, tmp_path):
    """Two accounts of one firm at one address (a CRM duplicate) share its Company Number:
    the number still says who they are, and nobody is told the firm has establishments."""
    header = "Account ID,Account Name,Company Number,Billing Street,Billing City,Phone"
    accounts = write(tmp_path / "accounts.csv", header,
                     ["0015e01,Harbor Dental Ltd,08123456,12 Atlantic Ave,Boston,(617) 555-0101",
                      "0015e02,Harbor Dental,08123456,12 Atlantic Ave,Boston,(617) 555-0199",
                      "0015e03,Back Bay Smiles,07222333,220 Newbury St,Boston,(617) 555-0133",
                      "0015e04,Beacon Hill Dental,06111222,40 Charles St,Boston,(617) 555-0144"])
    result = spider_cli(empty, "ingest", str(accounts))
    assert result.exit_code == 0, result.output
    assert "repeats across rows" not in result.output
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from records where corporate_number is not null"
                        ).fetchone() == (4,)
    assert company_named(empty, "Harbor Dental Ltd") == company_named(empty, "Harbor Dental")


def test_the_next_export_without_a_column_the_first_was_mapped_by_still_reads(empty, tmp_path):
    """The first export was read with --map category=Specialty; the next one has no
    Specialty column (the CRM's field was renamed): it is read without that choice, said in
    a note, not refused."""
    first = write(tmp_path / "accounts-w48.csv", ACCOUNTS.replace("Industry", "Specialty"), EXPORT)
    assert spider_cli(empty, "ingest", str(first), "--map", "category=Specialty").exit_code == 0
    assert spider_cli(empty, "won", "Beacon Hill Dental").exit_code == 0
    second = write(tmp_path / "accounts-w49.csv", ACCOUNTS, EXPORT)
    result = spider_cli(empty, "ingest", str(second))
    assert result.exit_code == 0, result.output
    assert "next export of accounts-w48.csv" in result.output
    assert "--map category=Specialty" in result.output and "not used" in result.output
    assert "0 added" in result.output
    assert "Beacon Hill Dental" in spider_cli(empty, "won", "--list").output
    conn = sqlite3.connect(empty)
    assert conn.execute("select distinct industry_label from records").fetchall() == [("Dentist",)]


def test_a_list_given_an_id_column_keeps_two_branches_whose_numbers_are_anagrams(empty, tmp_path):
    """The list is exported again with a Store ID and the street and number in one Address:
    its two shops at 12 and 21 High Street are two rows, each keeping its record."""
    shops = write(tmp_path / "shops.csv", "Name,Street,No,Town",
                  ["Corner Bakery,High Street,12,Leeds",
                   "Corner Bakery,High Street,21,Leeds",
                   "Kirkgate Bakery,Kirkgate,5,Leeds"])
    assert spider_cli(empty, "ingest", str(shops)).exit_code == 0
    conn = sqlite3.connect(empty)
    twelve = conn.execute("select id from records where extra like '%12%'").fetchone()[0]
    write(shops, "Store ID,Name,Address,Town",
          ["S-1,Corner Bakery,High Street 12,Leeds",
           "S-2,Corner Bakery,High Street 21,Leeds",
           "S-3,Kirkgate Bakery,Kirkgate 5,Leeds"])
    result = spider_cli(empty, "ingest", str(shops))
    assert result.exit_code == 0, result.output
    assert "0 added, 3 updated" in result.output and "gone from the file" not in result.output
    assert conn.execute("select address from records where id = ?", [twelve]).fetchone() == (
        "High Street 12",)


def test_a_row_renamed_with_a_new_phone_keeps_its_calls_by_its_company_number(empty, tmp_path):
    """The CIF column keys no row (one school is listed twice under it), so rows are known
    by what they say: renamed, with a new phone, the row is still its CIF's, and the
    callback logged on it stays on it (it had become a new company, the callback stranded)."""
    header = "Nombre;Dirección;Código Postal;Municipio;Teléfono;Actividad;CIF"
    rows = ["Autoescuela Chamberí;C/ Santa Engracia 45;28010;Madrid;914 47 88 12;Autoescuela;B28234567",
            "Autoescuela Getafe Centro;C/ Madrid 30;28901;Getafe;916 95 12 12;Autoescuela;B28789012",
            "Autoescuela Nervión;Avda. Eduardo Dato 40;41005;Sevilla;954 57 66 77;Autoescuela;B41234567",
            "Autoescuela Nervion;Avenida Eduardo Dato, 40;41005;Sevilla;954576677;Autoescuela;B41234567"]
    listing = write(tmp_path / "autoescuelas.csv", header, rows)
    assert spider_cli(empty, "ingest", str(listing), "--set", "country=ES").exit_code == 0
    assert spider_cli(empty, "log", "Autoescuela Getafe Centro", "gatekeeper-message").exit_code == 0
    company = company_named(empty, "Autoescuela Getafe Centro")
    rows[1] = "Autoescuela Getafe;C/ Madrid 30;28901;Getafe;916 95 12 00;Autoescuela;B28789012"
    write(listing, header, rows)
    again = spider_cli(empty, "ingest", str(listing))
    assert "0 added, 1 updated" in again.output, again.output
    assert company_named(empty, "Autoescuela Getafe") == company
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from records where status = 'stale'").fetchone() == (0,)


def test_a_shop_renamed_under_its_sign_keeps_its_callback_where_its_town_is_spelt_anew(empty, tmp_path):
    """A bakery directory's next month: one shop's sign is new (Le Fournil d'Oberkampf is
    Maison Oberkampf), same phone and door, and its town is written another way ("Paris 11e",
    then "PARIS 11E ARRONDISSEMENT"; its postcode 75011 both times). It is the same row: the
    "not before March" a rep logged stays on it (it had gone stale, the new row a prospect)."""
    header = "Enseigne;Adresse;Code postal;Commune;Téléphone;Code NAF"
    rows = ["Le Fournil d'Oberkampf;112 rue Oberkampf;75011;Paris 11e;01 44 83 49 81;10.71C",
            "Boulangerie Utopie;20 rue Jean-Pierre Timbaud;75011;Paris 11e;09 82 50 74 48;10.71C",
            "Ten Belles Bread;17-19 rue Bréguet;75011;Paris 11e;01 42 40 90 78;10.71C"]
    listing = write(tmp_path / "annuaire.csv", header, rows)
    assert spider_cli(empty, "ingest", str(listing)).exit_code == 0
    said = spider_cli(empty, "log", "Le Fournil d'Oberkampf", "not-now", "--callback", "2027-03-01 10:00")
    assert said.exit_code == 0, said.output
    company = company_named(empty, "Le Fournil d'Oberkampf")
    rows[0] = "Maison Oberkampf;112 rue Oberkampf;75011;PARIS 11E ARRONDISSEMENT;01 44 83 49 81;10.71C"
    write(listing, header, rows)
    again = spider_cli(empty, "ingest", str(listing))
    assert "0 added, 1 updated" in again.output, again.output
    assert company_named(empty, "Maison Oberkampf") == company
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from records where status = 'stale'").fetchone() == (0,)


def test_a_duplicate_row_dropped_while_the_group_opens_a_site_leaves_the_exclusion_in_place(
        empty, tmp_path):
    """A dealer association's next export drops a site's second row (the group's Augsburg site
    had been listed twice, Mueller/Strasse and Müller/Straße, one company) and adds the
    group's new site under the group's one website. The dropped row's website is still given
    by its twin, so it names no row: the row is gone, not moved to the new site, and the
    customer exclusion stays on the Augsburg site (it had followed the row to the new site,
    and the customer came back on the call list)."""
    header = "Firma,Straße,PLZ,Ort,Bundesland,Telefon,Web"
    rows = ["Autohaus Mueller,Haunstetter Strasse 150,86161,Augsburg,BY,+49 (0)821 85274850,"
            "http://autohaus-mueller.de",
            "Autohaus Meyer,Gewerbestraße 5,86316,Friedberg,Bayern,0821 556677,www.autohaus-meyer.de",
            "Autohaus Müller,Münchner Straße 20,86316,Friedberg,Bayern,0821 50170720,"
            "www.autohaus-mueller.de",
            "Autohaus Müller,Haunstetter Straße 150,86161,Augsburg,Bayern,0821 8527485-0,"
            "www.autohaus-mueller.de"]
    listing = write(tmp_path / "autohaeuser.csv", header, rows)
    assert spider_cli(empty, "ingest", str(listing)).exit_code == 0
    conn = sqlite3.connect(empty)
    augsburg = company_named(empty, "Autohaus Mueller")
    assert conn.execute("select count(distinct l.company_id) from records r join record_links l "
                        "on l.record_id = r.id where r.address like 'Haunstetter Str%'"
                        ).fetchone() == (1,)
    excluded = spider_cli(empty, "exclude", "add", f"#{augsburg}", "--kind", "customer")
    assert excluded.exit_code == 0, excluded.output
    write(listing, header, rows[1:] + [
        "Autohaus Müller,Donauwörther Straße 200,86154,Augsburg,Bayern,0821 4191-0,"
        "www.autohaus-mueller.de"])
    again = spider_cli(empty, "ingest", str(listing))
    assert again.exit_code == 0, again.output
    assert "1 added" in again.output and "1 gone from the file" in again.output, again.output
    excluded_at = {row[0] for row in conn.execute(
        "select r.address from exclusions e join record_links x on x.record_id = e.record_id "
        "join record_links l on l.company_id = x.company_id join records r on r.id = "
        "l.record_id where r.status = 'active'")}
    assert excluded_at == {"Haunstetter Straße 150"}
    listed = spider_cli(empty, "expand", "Autohaus Meyer", "-n", "10", "--format", "json")
    prospects = json.loads(listed.output[listed.output.index("{"):])["prospects"]
    addresses = {prospect["address"] for prospect in prospects}
    assert any("Donauwörther" in a for a in addresses), addresses
    assert not any("Haunstetter" in a for a in addresses), addresses
