"""How much `spider enrich` finds on company websites against hand-labelled answers.

Serves every site of bench/data/enrich/sites from 127.0.0.1 (one host per site), runs the
whole CLI as a user would (`spider init --empty`, `spider ingest` a list of the companies and
their websites, `spider enrich --company ...`, `spider contacts --json`), and scores what it
kept against bench/data/enrich/answers.json: the switchboard phone, the postal code, the
address, and the people with their role (precision, recall, roles right). Beside it, in the
same script, a baseline a person would write in an afternoon: the home page only, the first
phone number and postal code in its text, and "Title: Name" / "役職 氏名" by a plain regex.

    python bench/bench_enrich.py                 # both splits, per site and in total
    python bench/bench_enrich.py --split heldout # the half never tuned on

The development half is what the rules were written against; report the held-out half.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent / "data" / "enrich"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def spider(db: Path, config: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "spider", "--db", str(db), "--config",
                           str(config), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"spider {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def norm(text: str | None) -> str:
    return re.sub(r"[\s\u3000,、.]", "", unicodedata.normalize("NFKC", text or "")).casefold()


def digits(text: str | None) -> str:
    """A number in national form, so '+81 3-6412-7730' and '03-6412-7730' are one."""
    out = re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))
    if (text or "").strip().startswith("+"):
        for code in ("81", "44", "1"):
            if out.startswith(code):
                out = out[len(code):]
                break
        out = out if len(out) == 10 and code == "1" else "0" + out.lstrip("0")
    if len(out) == 11 and out.startswith("1"):
        out = out[1:]
    return out


def name_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"^(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+|[ \u3000]*(?:様|氏|さん|先生)$", "", text.strip())
    return re.sub(r"[\s.・]", "", text).casefold()


def score_site(answer: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    """Right or wrong per field; people as (right, found, labelled, roles right)."""
    out: dict[str, Any] = {}
    out["phone"] = bool(answer.get("phone")) and digits(found.get("phone")) == digits(answer["phone"])
    want_code = answer.get("postal_code")
    out["postal_code"] = (norm(found.get("postal_code")) == norm(want_code)) if want_code else None
    want_address = answer.get("address")
    got = found.get("address") or ""
    out["address"] = (bool(got) and fuzz.partial_ratio(norm(want_address), norm(got)) >= 90
                      and len(norm(got)) >= 0.6 * len(norm(want_address))) if want_address else None
    labelled = {name_key(p["name"]): p["role"] for p in answer.get("people", [])}
    got_people = {name_key(p["name"]): p["role"] for p in found.get("people", [])}
    right = set(labelled) & set(got_people)
    roles = sum(1 for k in right if norm(labelled[k]) in norm(got_people[k])
                or norm(got_people[k]) in norm(labelled[k]))
    forbidden = {name_key(n) for n in answer.get("not_people", [])}
    out["people"] = (len(right), len(got_people), len(labelled), roles,
                     len(set(got_people) & forbidden))
    return out


# -- the baseline -----------------------------------------------------------------------

_B_PHONE = re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)\s?|\d{2,5}[\s.-])\d{2,4}[\s.-]\d{3,4}")
_B_POSTAL = re.compile(r"〒\s?(\d{3}-\d{4})|\b[A-Z]{2}\s(\d{5})\b|\b([A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2})\b")
_B_PERSON = re.compile(
    r"((?:Director|Manager|President|CEO|Owner|Founder|Partner|Head)[A-Za-z ]{0,30})[:,]\s*"
    r"([A-Z][a-z]+ [A-Z][a-z]+)|([A-Z][a-z]+ [A-Z][a-z]+),\s*((?:Director|Manager|President|"
    r"CEO|Owner|Founder|Partner|Head)[A-Za-z ]{0,30})|"
    r"(代表取締役社長|代表取締役|代表者|社長|部長|支配人|院長|所長)[\s　:：]*([一-龯]{1,4}[\s　]?[一-龯]{1,4})")


def baseline(url: str) -> dict[str, Any]:
    from bs4 import BeautifulSoup

    from spider.crawl.decode import decode_html

    resp = requests.get(url, timeout=10)
    html, _ = decode_html(resp.content, resp.headers.get("Content-Type"))
    text = BeautifulSoup(html, "html.parser").get_text("\n")
    text = unicodedata.normalize("NFKC", text)
    phone = _B_PHONE.search(text)
    code = _B_POSTAL.search(text)
    people = []
    for m in _B_PERSON.finditer(text):
        if m.group(2):
            people.append({"name": m.group(2), "role": m.group(1).strip()})
        elif m.group(3):
            people.append({"name": m.group(3), "role": m.group(4).strip()})
        elif m.group(6):
            people.append({"name": m.group(6), "role": m.group(5)})
    postal = next((g for g in code.groups() if g), "") if code else ""
    address = ""
    if code and code.group(1):
        address = text[code.end():].split("\n")[0].strip()
    return {"phone": phone.group(0) if phone else "", "postal_code": postal,
            "address": address, "people": people}


def show_misses(answer: dict[str, Any], found: dict[str, Any], scored: dict[str, Any]) -> None:
    for key in ("phone", "postal_code", "address"):
        if scored[key] is False:
            print(f"    {key}: wanted {answer.get(key)!r}, kept {found.get(key)!r}")
    labelled = {name_key(p["name"]): p for p in answer.get("people", [])}
    got = {name_key(p["name"]): p for p in found.get("people", [])}
    for key in labelled.keys() - got.keys():
        print(f"    missed {labelled[key]['name']} ({labelled[key]['role']})")
    for key in got.keys() - labelled.keys():
        print(f"    extra  {got[key]['name']} ({got[key]['role']})")
    for key in got.keys() & labelled.keys():
        want, have = norm(labelled[key]["role"]), norm(got[key]["role"])
        if want not in have and have not in want:
            print(f"    role   {got[key]['name']}: wanted {labelled[key]['role']!r}, "
                  f"kept {got[key]['role']!r}")


def totals(scores: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in ("phone", "postal_code", "address"):
        judged = [s[key] for s in scores if s[key] is not None]
        out[key] = sum(judged) / len(judged) if judged else 0.0
    right = sum(s["people"][0] for s in scores)
    found = sum(s["people"][1] for s in scores)
    labelled = sum(s["people"][2] for s in scores)
    out["people_p"] = right / found if found else 0.0
    out["people_r"] = right / labelled if labelled else 0.0
    p, r = out["people_p"], out["people_r"]
    out["people_f1"] = 2 * p * r / (p + r) if p + r else 0.0
    out["roles"] = sum(s["people"][3] for s in scores) / right if right else 0.0
    out["forbidden"] = sum(s["people"][4] for s in scores)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    parser.add_argument("--sites", type=Path, default=ROOT)
    parser.add_argument("--show", action="store_true",
                        help="Also print each site's misses: wrong fields, people missed and extra.")
    args = parser.parse_args()
    answers = json.loads((args.sites / "answers.json").read_text(encoding="utf-8"))
    chosen = {k: v for k, v in answers.items() if args.split in ("all", v["split"])}
    servers, urls = [], {}
    for site in chosen:
        server, url = serve(args.sites / "sites" / site)
        servers.append(server)
        urls[site] = url
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = work / "spider.toml"
        config.write_text("delay = 0\n", encoding="utf-8")
        db = work / "spider.db"
        listing = work / "companies.csv"
        listing.write_text("name,website,country\n" + "".join(
            f"{site},{urls[site]},{answers[site]['country']}\n" for site in chosen),
            encoding="utf-8")
        spider(db, config, "init", "--empty")
        spider(db, config, "ingest", str(listing))
        conn = sqlite3.connect(db)
        ids = dict(conn.execute("select name, id from companies"))
        conn.close()
        company_args = [a for site in chosen for a in ("--company", f"#{ids[site]}")]
        started = time.perf_counter()
        out = spider(db, config, "enrich", *company_args)
        seconds = time.perf_counter() - started
        facts = [json.loads(line) for line in spider(db, config, "contacts", "--json").splitlines()]
    found: dict[str, dict[str, Any]] = {site: {"people": []} for site in chosen}
    for fact in facts:
        mine = found[fact["company"]]
        if fact["kind"] == "person":
            mine["people"].append({"name": fact["value"], "role": fact["role"] or ""})
        else:
            mine.setdefault(fact["kind"], fact["value"])
    base_started = time.perf_counter()
    base = {site: baseline(urls[site]) for site in chosen}
    base_seconds = time.perf_counter() - base_started
    for server in servers:
        server.shutdown()
    print(f"spider enrich on {len(chosen)} sites: {seconds:.2f} s whole process "
          f"({out.strip().splitlines()[0]})")
    print(f"baseline (home page only, first match): {base_seconds:.2f} s\n")
    print(f"{'site':<24} {'split':<8} {'phone':>5} {'postal':>6} {'addr':>5} "
          f"{'people right/found/labelled':>28} {'roles':>5} | baseline phone postal addr people")

    def mark(value: Any) -> str:
        return "-" if value is None else ("ok" if value else "x")

    by_split: dict[str, list[tuple[dict, dict]]] = {}
    for site, answer in chosen.items():
        mine, theirs = score_site(answer, found[site]), score_site(answer, base[site])
        by_split.setdefault(answer["split"], []).append((mine, theirs))
        r, f, lab, roles, bad = mine["people"]
        print(f"{site:<24} {answer['split']:<8} {mark(mine['phone']):>5} "
              f"{mark(mine['postal_code']):>6} {mark(mine['address']):>5} "
              f"{f'{r}/{f}/{lab}' + (f' ({bad} forbidden)' if bad else ''):>28} {roles:>5} | "
              f"{mark(theirs['phone']):>8} {mark(theirs['postal_code']):>6} "
              f"{mark(theirs['address']):>4} {theirs['people'][0]}/{theirs['people'][1]}")
        if args.show:
            show_misses(answer, found[site], mine)
    print()
    for split, pairs in sorted(by_split.items()):
        mine_t, base_t = totals([m for m, _ in pairs]), totals([b for _, b in pairs])
        print(f"{split} ({len(pairs)} sites)        spider   baseline   ratio")
        for key, label in (("phone", "phone right"), ("postal_code", "postal code right"),
                           ("address", "address right"), ("people_p", "people precision"),
                           ("people_r", "people recall"), ("people_f1", "people F1"),
                           ("roles", "roles right (of people right)")):
            ratio = mine_t[key] / base_t[key] if base_t[key] else float("inf")
            print(f"  {label:<30} {mine_t[key]:6.3f}   {base_t[key]:6.3f}   {ratio:5.2f}x")
        print(f"  {'no-contacts kept (not_people)':<30} {mine_t['forbidden']:6.0f}   "
              f"{base_t['forbidden']:6.0f}")
        print()


if __name__ == "__main__":
    main()
