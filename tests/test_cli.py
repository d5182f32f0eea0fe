"""The command line end to end: run the real commands, then look in the database and the files."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from spider.cli import main


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test touches the user's data dir or writes into the checkout."""
    monkeypatch.setenv("SPIDER_DB", str(tmp_path / "default.db"))
    monkeypatch.delenv("SPIDER_SEEDS", raising=False)
    monkeypatch.chdir(tmp_path)


def spider(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def query(path, sql: str, params=()):
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def assert_one_line_error(result, *expected: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    # One message line; a name that matches nothing may list its closest candidates below.
    assert lines[0].startswith("Error: ")
    assert all(line.startswith("  #") for line in lines[1:]), lines
    for text in expected:
        assert text in lines[0]
    assert result.stdout == ""
    return lines[0]


def test_init_builds_from_seeds_then_leaves_the_database_alone(tmp_path):
    path = tmp_path / "fresh.db"
    result = spider("--db", str(path), "init")
    assert result.exit_code == 0, result.output
    assert str(path) in result.stderr and "Built" in result.stderr
    records = query(path, "select count(*) from records")[0][0]
    assert records > 5000
    assert query(path, "select count(*) from company_signals")[0][0] > 10000
    again = spider("--db", str(path), "init")
    assert again.exit_code == 0 and "already holds records" in again.output
    assert query(path, "select count(*) from records")[0][0] == records


def test_init_empty_stays_empty_and_expand_fails_cleanly(tmp_path):
    path = tmp_path / "team.db"
    result = spider("--db", str(path), "init", "--empty")
    assert result.exit_code == 0 and "Empty database ready" in result.output
    stats = spider("--db", str(path), "graph", "stats", "--json")
    assert stats.exit_code == 0 and json.loads(stats.stdout)["records"] == 0
    assert_one_line_error(spider("--db", str(path), "expand", "Tokyo five-star hotel"))
    assert query(path, "select count(*) from records") == [(0,)]


def test_ingest_into_an_empty_database(tmp_path):
    path = tmp_path / "team.db"
    spider("--db", str(path), "init", "--empty")
    result = spider(
        "--db",
        str(path),
        "ingest",
        str(FIXTURES / "members.csv"),
        str(FIXTURES / "hotels_cp932.csv"),
    )
    assert result.exit_code == 0, result.output
    assert "members.csv: 5 rows read, 3 added, 0 updated, 0 unchanged, 2 skipped" in result.stdout
    assert "skipped row 3: row 3 has 7 fields, the header has 6" in result.stdout
    assert "skipped row 4: no name in any name column" in result.stdout
    assert "hotels_cp932.csv: 3 rows read, 3 added" in result.stdout and "(cp932)" in result.stdout
    names = {n for (n,) in query(path, "select name from records")}
    assert {"Hotel Okura Tokyo", "株式会社帝国ホテル", "株式会社山の上ホテル"} <= names
    assert query(path, "select count(*) from records") == [(6,)]
    assert query(path, "select count(*) from record_links") == [(6,)]  # resolved into companies
    assert query(path, "select count(*) from companies")[0][0] >= 4
    assert query(path, "select value from meta where key = 'seeded'") == []  # never auto-seeded
    assert "demo seeds" not in result.stdout
    again = spider("--db", str(path), "ingest", str(FIXTURES / "members.csv"))
    assert "3 rows read" not in again.stdout and ", 0 added, 0 updated, 3 unchanged" in again.stdout
    assert query(path, "select count(*) from records") == [(6,)]


def test_ingest_with_map_and_set(tmp_path):
    path = tmp_path / "team.db"
    spider("--db", str(path), "init", "--empty")
    directory = tmp_path / "directory.csv"
    directory.write_text(
        "Property,Ward,Main line\nHotel Ryumeikan Tokyo,Chiyoda,03-3251-1135\n", encoding="utf-8"
    )
    result = spider(
        "--db",
        str(path),
        "ingest",
        str(directory),
        "--map",
        "name=Property",
        "--map",
        "city=Ward",
        "--map",
        "phone=Main line",
        "--set",
        "country=JP",
    )
    assert result.exit_code == 0, result.output
    assert query(path, "select name, city, phone, country from records") == [
        ("Hotel Ryumeikan Tokyo", "Chiyoda", "03-3251-1135", "JP")
    ]
    mapping = json.loads(query(path, "select mapping from sources")[0][0])
    assert mapping == {"name": "Property", "city": "Ward", "phone": "Main line"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ingest", "no-such-file.csv"], ["no-such-file.csv", "no such file"]),
        (["ingest", "MEMBERS", "--map", "nickname=Company Name"], ["'nickname' is not a field"]),
        (
            ["ingest", "MEMBERS", "--map", "name=Nonexistent"],
            ["members.csv", "no column 'Nonexistent'"],
        ),
        (["ingest", "MEMBERS", "--map", "name"], ["--map 'name'", "field=column"]),
        (["expand", "zzzqx qqqv"], ["matches no company and no segment word"]),
        (["won", "Zzyzx Qwerty Holdings"], ["is not in the database"]),
        (["won"], ["give a client NAME"]),
        (
            ["expand", "Tokyo hotel", "--templates", "no-such-openers.toml"],
            ["no such templates file"],
        ),
        (["expand", "Tokyo hotel", "-o", "calls.csv", "--format", "json"],
         ["names a CSV file but --format is json"]),
        (["expand", "Tokyo hotel", "-o", "calls.xlsx"], ["workbooks are not written"]),
    ],
)
def test_user_mistakes_are_one_line_errors(private_db_path, args, expected):
    args = [str(FIXTURES / "members.csv") if a == "MEMBERS" else a for a in args]
    before = query(private_db_path, "select count(*) from records")
    assert_one_line_error(spider("--db", str(private_db_path), *args), *expected)
    assert query(private_db_path, "select count(*) from records") == before


def test_a_foreign_file_as_database_is_a_one_line_error(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 50, encoding="utf-8")
    assert_one_line_error(spider("--db", str(bogus), "graph", "stats"), "notes.db")


def test_an_ambiguous_name_lists_the_candidates(tmp_path):
    path = tmp_path / "small.db"
    spider("--db", str(path), "init", "--empty")
    spider("--db", str(path), "ingest", str(FIXTURES / "ambiguous.csv"))
    result = spider("--db", str(path), "expand", "Sakura Corporation")
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Error: 'Sakura Corporation' is the name of 2 companies")
    assert len(lines) == 3 and all("Sakura Corporation" in line for line in lines[1:])
    assert any("hotel" in line for line in lines[1:]) and any("steel" in line for line in lines[1:])


def test_expand_to_csv_writes_the_file_and_the_run(private_db_path, tmp_path):
    out = tmp_path / "lists" / "tokyo.csv"
    result = spider(
        "--db",
        str(private_db_path),
        "expand",
        "Tokyo five-star hotel",
        "--format",
        "csv",
        "-o",
        str(out),
        "--limit",
        "15",
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote 15 prospects to {out}" in result.stderr
    assert "Segment: " in result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 15 and rows[0]["priority"] == "A"
    assert all(r["reasons"] and r["opening_line"] and r["ask_for"] for r in rows)
    settings = json.loads(out.with_name(out.name + ".settings.json").read_text(encoding="utf-8"))
    run_id = settings["run_id"]
    assert query(private_db_path, "select query from runs where id = ?", [run_id]) == [
        ("Tokyo five-star hotel",)
    ]
    saved = query(
        private_db_path,
        "select p.rank, p.priority, p.opening_line, p.company_id from prospects p "
        "where p.run_id = ? order by p.rank",
        [run_id],
    )
    assert [(str(r), pr, line) for r, pr, line, _ in saved] == [
        (row["rank"], row["priority"], row["opening_line"]) for row in rows
    ]
    # Every listed company is a five-star or luxury hotel in Tokyo, by the database's own signals.
    for *_, cid in saved:
        signals = {
            s
            for (s,) in query(
                private_db_path, "select signal from company_signals where company_id = ?", [cid]
            )
        }
        assert signals & {"tier:five-star", "tier:luxury"} and "category:hotel" in signals
        assert not signals & {"tier:business", "tier:budget", "tier:capsule"}


def test_expand_json_parses(private_db_path):
    result = spider(
        "--db", str(private_db_path), "expand", "Toyota Motor", "--format", "json", "-n", "5"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["kind"] == "company" and len(doc["prospects"]) == 5
    assert all(p["reasons"] and p["opening_line"] for p in doc["prospects"])
    assert "Lookalikes of " in result.stderr
    saved = query(
        private_db_path, "select count(*) from prospects where run_id = ?", [doc["run_id"]]
    )
    assert saved == [(5,)]


def test_expand_reports_words_it_ignored(private_db_path):
    result = spider(
        "--db", str(private_db_path), "expand", "Tokyo five-star hotel zzzqx", "-n", "3"
    )
    assert result.exit_code == 0
    assert "Not understood, ignored: 'zzzqx'" in result.stderr
    assert result.stdout.count("[A]") + result.stdout.count("[B]") >= 1


def test_won_then_list_then_expand_cites_the_reference(private_db_path):
    result = spider(
        "--db",
        str(private_db_path),
        "won",
        "Aman Tokyo",
        "--referenceable",
        "--story",
        "+18% corporate bookings",
    )
    assert result.exit_code == 0, result.output
    assert "Won client recorded: Aman Tokyo" in result.stdout and "may be named" in result.stdout
    rows = query(private_db_path, "select name, referenceable, story from won_clients")
    assert rows == [("Aman Tokyo", 1, "+18% corporate bookings")]
    listed = spider("--db", str(private_db_path), "won", "--list")
    assert listed.exit_code == 0
    assert "Aman Tokyo (named) — +18% corporate bookings" in listed.stdout
    doc = json.loads(
        spider(
            "--db",
            str(private_db_path),
            "expand",
            "Palace Hotel Tokyo",
            "--format",
            "json",
            "-n",
            "10",
        ).stdout
    )
    cited = [p for p in doc["prospects"] if p["angle"] == "named_reference"]
    assert cited and all("Aman Tokyo" in p["opening_line"] for p in cited)
    assert "Aman Tokyo" not in {p["name"] for p in doc["prospects"]}


def test_won_from_a_crm_export(private_db_path):
    result = spider("--db", str(private_db_path), "won", "--from", str(FIXTURES / "crm_won.csv"))
    assert result.exit_code == 0, result.output
    assert "2 won clients recorded" in result.stdout
    rows = query(private_db_path, "select name, referenceable from won_clients order by name")
    assert rows == [("Hotel Chinzanso Tokyo", 0), ("Mandarin Oriental, Tokyo", 1)]


def test_expand_in_japanese(private_db_path):
    result = spider(
        "--db",
        str(private_db_path),
        "expand",
        "東京 5つ星ホテル",
        "--lang",
        "ja",
        "--format",
        "json",
        "-n",
        "3",
    )
    doc = json.loads(result.stdout)
    assert all("様" in p["opening_line"] for p in doc["prospects"])


def test_graph_stats_prints_the_size(private_db_path):
    result = spider("--db", str(private_db_path), "graph", "stats")
    assert result.exit_code == 0, result.output
    companies = query(private_db_path, "select count(*) from companies")[0][0]
    signals = query(private_db_path, "select count(*) from signals")[0][0]
    links = query(private_db_path, "select count(*) from company_signals")[0][0]
    records = query(private_db_path, "select count(*) from records")[0][0]
    assert result.stdout.splitlines()[0] == (
        f"{companies} companies, {signals} signals, {links} company-signal links ({records} records)"
    )
    assert "signals by kind: " in result.stdout and "largest connected component" in result.stdout


def test_spider_db_environment_variable_is_used(private_db_path, monkeypatch):
    monkeypatch.setenv("SPIDER_DB", str(private_db_path))
    result = spider("won", "Aman Tokyo")
    assert result.exit_code == 0 and "anonymous (not to be named)" in result.stdout
    assert query(private_db_path, "select name, referenceable from won_clients") == [
        ("Aman Tokyo", 0)
    ]


def test_help_carries_runnable_examples():
    for command in ("init", "ingest", "expand", "won"):
        result = spider(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output and "spider " in result.output


def test_settings_file_mistakes(tmp_path, private_db_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spider.toml").write_text('[spider]\nlanguag = "ja"\n', encoding="utf-8")
    result = spider("--db", str(private_db_path), "graph", "stats")
    assert result.exit_code == 0
    assert "unknown setting 'languag' is ignored" in result.stderr
    (tmp_path / "spider.toml").write_text("[spider]\nlimit = -3\n", encoding="utf-8")
    assert_one_line_error(
        spider("--db", str(private_db_path), "graph", "stats"), "cannot be negative"
    )


def test_the_settings_beside_an_export_reproduce_it(tmp_path, private_db_path):
    out = tmp_path / "calls.csv"
    result = spider(
        "--db", str(private_db_path), "expand", "Toyota Motor", "-n", "7", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    beside = json.loads(out.with_name("calls.csv.settings.json").read_text(encoding="utf-8"))
    assert beside["query"] == "Toyota Motor" and beside["settings"]["limit"] == 7


def test_output_file_ending_chooses_the_format(private_db_path, tmp_path):
    result = spider("--db", str(private_db_path), "expand", "Palace Hotel Tokyo",
                    "-o", str(tmp_path / "calls.csv"), "-n", "3")
    assert result.exit_code == 0
    text = (tmp_path / "calls.csv").read_text(encoding="utf-8-sig")
    assert text.startswith("rank,company,")  # CSV, not the terminal table
    spider("--db", str(private_db_path), "expand", "Palace Hotel Tokyo",
           "-o", str(tmp_path / "calls.json"), "-n", "3")
    assert json.loads((tmp_path / "calls.json").read_text(encoding="utf-8"))["prospects"]
    again = spider("--db", str(private_db_path), "expand", "Palace Hotel Tokyo",
                   "-o", str(tmp_path / "calls.csv"), "-n", "3")
    assert "replacing the file that was there" in again.stderr


def test_a_rerun_query_never_overwrites_its_earlier_list(private_db_path, tmp_path):
    for _ in range(2):
        assert spider("--db", str(private_db_path), "expand", "Toyota Motor", "--format", "csv",
                      "-n", "2").exit_code == 0
    written = sorted(p.name for p in (tmp_path / "output").glob("*.csv"))
    assert written == ["toyota-motor-2.csv", "toyota-motor.csv"]


def test_control_characters_never_reach_the_database_or_the_list(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"name,city\nNul\x00 Hotel\x07,Tokyo\nPlain Inn,Tokyo\n")
    db = tmp_path / "nul.db"
    spider("--db", str(db), "init", "--empty")
    assert spider("--db", str(db), "ingest", str(path)).exit_code == 0
    names = [n for (n,) in query(db, "select name from records")]
    assert names == ["Nul Hotel", "Plain Inn"]


def test_an_unmapped_column_gets_a_hint(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("Hotel,Name (JP),Notes\nSakura Hotel,さくらホテル,x\n", encoding="utf-8")
    db = tmp_path / "m.db"
    spider("--db", str(db), "init", "--empty")
    result = spider("--db", str(db), "ingest", str(path))
    assert result.exit_code == 0
    assert "--map name_local='Name (JP)'" in result.stdout


def test_ingest_help_lists_the_fields_map_takes():
    text = spider("ingest", "--help").stdout
    for fld in ("name", "name_local", "corporate_number", "postal_code", "source_id"):
        assert fld in text


def test_a_large_file_shows_rows_read_time_left_and_each_stage(tmp_path):
    """Off a terminal, reading says how far it is (share, megabytes, rows, time left) in plain
    lines, and the rebuild names each stage as it starts."""
    import io

    from spider.cli.output import ReadProgress
    from spider.db import open_db
    from spider.ingest import ingest_file

    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "city", "phone", "description"])
        for i in range(24_000):
            writer.writerow([f"R{i}", f"Company {i:05d} Logistics", "Boise", f"208-555-{i:04d}",
                             "Independent freight and warehousing for the Treasure Valley."])
    out = io.StringIO()
    progress = ReadProgress("big.csv", path.stat().st_size, stream=out, min_bytes=1)
    db = open_db(tmp_path / "s.db")
    report = ingest_file(db, path, progress=progress)
    progress.close()
    lines = out.getvalue().splitlines()
    assert report.kept == 24_000
    assert len(lines) >= 5, lines
    assert lines[0].startswith("reading big.csv: 1") and " rows)" in lines[0]
    assert "s left" in lines[0]
    assert lines[-1].startswith("reading big.csv: 100%") and "24,000 rows" in lines[-1]

    result = CliRunner().invoke(main, ["--db", str(tmp_path / "t.db"), "init", "--empty"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "t.db"), "ingest", str(path)])
    assert result.exit_code == 0, result.output
    for stage in ("preparing records", "blocking", "scoring", "clustering", "writing companies",
                  "linking signals", "indexing names"):
        assert f"  {stage}" in result.output, stage


def test_the_database_option_may_follow_the_command(private_db_path):
    # people type `spider expand "x" --db f.db`; --db and --config are read wherever they are
    result = spider("expand", "Tokyo five-star hotel", "-n", "1", "--db", str(private_db_path))
    assert result.exit_code == 0 and "1. [" in result.output
    assert spider("records", f"--db={private_db_path}").exit_code == 0


def test_ingest_into_the_demo_database_says_the_seeds_are_there(private_db_path, tmp_path):
    # (a user's list had been answered beside the demo's S&P 500 firms, with nothing saying so)
    result = spider("--db", str(private_db_path), "ingest", str(FIXTURES / "members.csv"))
    assert result.exit_code == 0, result.output
    assert "also holds the shipped demo seeds" in result.stdout and "init --empty" in result.stdout
