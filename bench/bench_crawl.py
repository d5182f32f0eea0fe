"""Crawler and extractor figures: extraction speed on the real FDIC page, crawl and re-crawl
throughput against a generated directory on 127.0.0.1, and memory under a 50 MB response.

    python bench/bench_crawl.py [--pages 200]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from spider.crawl.crawler import ingest_directory
from spider.crawl.extract import extract_page
from spider.crawl.recipes import load_recipe
from spider.db import open_db
from spider.settings import Settings

FDIC = (
    Path(__file__).parent.parent / "tests" / "fixtures" / "crawl" / "fdic_failed_banklist_2014.html"
)


def bench_extract() -> None:
    body = FDIC.read_bytes()
    for label, recipe in (
        ("auto (table detection)", None),
        ("recipe fdic_failed_banks", load_recipe("fdic_failed_banks")),
    ):
        runs, started = 3, time.perf_counter()
        for _ in range(runs):
            page = extract_page(body, "http://127.0.0.1/banklist.html", recipe=recipe)
        per = (time.perf_counter() - started) / runs
        print(
            f"FDIC page, {label}: {len(page.records)} records in {per:.2f} s ({len(page.records) / per:,.0f} records/s)"
        )


def serve(pages: int, items: int) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/big":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    for _ in range(800):
                        self.wfile.write(b"x" * 65536)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            if not self.path.startswith("/dir/list"):
                self.send_response(404)
                self.end_headers()
                return
            n = int(self.path.rsplit("=", 1)[1])
            etag = f'"p{n}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            rows = "".join(
                f"<tr><td>Company {n}-{i}</td><td>Tokyo</td><td>03-0000-{i:04d}</td></tr>"
                for i in range(items)
            )
            nxt = f'<a rel="next" href="/dir/list?page={n + 1}">Next</a>' if n < pages else ""
            body = (
                f"<html><head><title>Members page {n}</title></head><body><h1>Members</h1><table>"
                f"<tr><th>Company</th><th>City</th><th>Phone</th></tr>{rows}</table>{nxt}</body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def bench_crawl(pages: int, items: int) -> None:
    server, base = serve(pages, items)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        settings = Settings(delay=0.0, max_pages=pages + 1)
        for label in ("first crawl", "re-crawl (conditional)"):
            started = time.perf_counter()
            report = ingest_directory(db, base + "/dir/list?page=1", settings)
            took = time.perf_counter() - started
            print(
                f"{label}: {report.pages} pages, {report.records} records in {took:.2f} s "
                f"({report.pages / took:.0f} pages/s; {report.downloaded} downloaded, {report.not_modified} 304)"
            )
        tracemalloc.start()
        started = time.perf_counter()
        report = ingest_directory(db, base + "/big", Settings(delay=0.0, max_bytes=1_000_000))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"50 MB response with max_bytes 1 MB: {report.skipped[0][1]}; peak memory "
            f"{peak / 1e6:.1f} MB; {time.perf_counter() - started:.2f} s"
        )
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--items", type=int, default=25)
    args = parser.parse_args()
    bench_extract()
    bench_crawl(args.pages, args.items)


if __name__ == "__main__":
    main()
