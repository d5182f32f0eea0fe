"""Load on the web app: many users searching and logging calls at once against one database.

Builds a database from the shipped seeds (`spider init`), adds the users (`spider users
add`), starts `spider serve` as its own process (the path a team runs), then lets USERS
threads each log in and, for SECONDS, search a segment or a company, open one of the
prospects' pages and log an outcome for it with a note only that request carries. Afterwards
it reads the call log and counts every logged call the app answered for but did not keep (a
lost write), and every error. Beside it, in the same script, the same work by one user alone:
the ratio says what the crowd costs each of them.

    python bench/bench_serve.py                      # 20 users for a minute
    python bench/bench_serve.py --users 5 --seconds 20
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

QUERIES = ("Tokyo five-star hotel", "Osaka hotel", "business hotel Shinjuku", "ryokan Kyoto",
           "Palace Hotel Tokyo", "Hotel Okura Tokyo", "東京 五つ星ホテル", "luxury hotel Ginza")
OUTCOMES = ("no-answer", "gatekeeper-message", "gatekeeper-refused-transfer", "reached",
            "meeting-booked", "not-now")
PASSWORD = "bench password"


@dataclass
class Tally:
    search: list[float] = field(default_factory=list)
    page: list[float] = field(default_factory=list)
    log: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # every note the app said it logged
    lock: threading.Lock = field(default_factory=threading.Lock)


def spider(db: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "spider", "--db", str(db), *args],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"spider {' '.join(args)}: {done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def user_loop(base: str, name: str, until: float, tally: Tally, seed: int) -> None:
    rnd = random.Random(seed)
    session = requests.Session()
    try:
        page = session.get(base + "/login", timeout=60)
        resp = session.post(base + "/login", data={"name": name, "password": PASSWORD,
                                                   "csrf_token": token(page.text)},
                            allow_redirects=False, timeout=60)
        if resp.status_code != 302:
            raise RuntimeError(f"login answered {resp.status_code}")
    except Exception as exc:  # noqa: BLE001 - counted, the bench goes on
        with tally.lock:
            tally.errors.append(f"{name} login: {exc}")
        return
    done = 0
    while time.monotonic() < until:
        try:
            started = time.perf_counter()
            found = session.get(base + "/", params={"q": rnd.choice(QUERIES)}, timeout=120)
            searched = time.perf_counter() - started
            if found.status_code != 200:
                raise RuntimeError(f"search answered {found.status_code}")
            ids = re.findall(r'name="company_id" value="(\d+)"', found.text)
            if not ids:
                raise RuntimeError("a search found no prospect")
            company = rnd.choice(ids)
            started = time.perf_counter()
            shown = session.get(f"{base}/company/{company}", timeout=120)
            opened = time.perf_counter() - started
            if shown.status_code != 200:
                raise RuntimeError(f"company page answered {shown.status_code}")
            note = f"bench {name} {done}"
            started = time.perf_counter()
            logged = session.post(base + "/log", data={
                "company_id": company, "outcome": rnd.choice(OUTCOMES), "note": note,
                "csrf_token": token(shown.text)}, allow_redirects=False, timeout=120)
            wrote = time.perf_counter() - started
            if logged.status_code != 302:
                raise RuntimeError(f"log answered {logged.status_code}")
            with tally.lock:
                tally.search.append(searched)
                tally.page.append(opened)
                tally.log.append(wrote)
                tally.notes.append(note)
            done += 1
        except Exception as exc:  # noqa: BLE001 - counted, the bench goes on
            with tally.lock:
                tally.errors.append(f"{name}: {exc}")


def run(db: Path, config: Path, users: int, seconds: float, threads: int, workers: int,
        ) -> tuple[Tally, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "spider", "--db", str(db), "--config",
                               str(config), "serve",
                               "--port", str(port), "--threads", str(threads),
                               "--workers", str(workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(base + "/login", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        tally = Tally()
        until = time.monotonic() + seconds
        started = time.perf_counter()
        crowd = [threading.Thread(target=user_loop, args=(base, f"rep{i}", until, tally, i))
                 for i in range(users)]
        for t in crowd:
            t.start()
        for t in crowd:
            t.join()
        return tally, time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)


def kept_notes(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {n for n, in conn.execute("select note from call_log where note like 'bench %'")}
    finally:
        conn.close()


def ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]:.0f}"


def report(label: str, tally: Tally, wall: float, lost: int) -> float:
    rounds = len(tally.log)
    rate = rounds / wall if wall else 0.0
    print(f"{label}: {rounds} rounds (search, page, log) in {wall:.1f} s = {rate:.2f} a second; "
          f"{len(tally.errors)} errors; {lost} lost writes")
    for name, values in (("search", tally.search), ("company page", tally.page),
                         ("log a call", tally.log)):
        mean = f"{1000 * statistics.mean(values):.0f}" if values else "-"
        print(f"  {name:<13} p50 {ms(values, 0.5):>6} ms   p95 {ms(values, 0.95):>6} ms   "
              f"mean {mean:>6} ms")
    for line in tally.errors[:5]:
        print(f"  error: {line}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2, help="spider serve --threads")
    parser.add_argument("--workers", type=int, default=2, help="spider serve --workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "spider.db"
        # A called company leaves the search for recent_call_days: with a crowd calling the
        # same segments, they would run dry within the minute. Here they stay.
        config = Path(tmp) / "spider.toml"
        config.write_text("recent_call_days = 0\n", encoding="utf-8")
        spider(db, "init")
        for i in range(args.users):
            spider(db, "users", "add", f"rep{i}", "--role", "rep", "--password", PASSWORD)
        alone, alone_wall = run(db, config, 1, args.seconds / 3, args.threads, args.workers)
        lost_alone = len(set(alone.notes) - kept_notes(db))
        crowd, crowd_wall = run(db, config, args.users, args.seconds, args.threads, args.workers)
        lost = len(set(crowd.notes) - kept_notes(db))
    print(f"spider serve on the seeds database, {args.workers} processes of {args.threads} "
          f"threads, on this machine ({os.cpu_count()} CPUs)\n")
    one = report("1 user (baseline)", alone, alone_wall, lost_alone)
    many = report(f"{args.users} users at once", crowd, crowd_wall, lost)
    if one:
        p50_one = statistics.median(alone.search) if alone.search else 0
        p50_many = statistics.median(crowd.search) if crowd.search else 0
        print(f"\nthroughput {many / one:.2f}x one user's; a search's p50 "
              f"{p50_many / p50_one if p50_one else 0:.2f}x one user's")


if __name__ == "__main__":
    main()
