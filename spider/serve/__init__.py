"""`spider serve`: the web app (spider.serve.app) and its users (spider.serve.users)."""

from __future__ import annotations

from pathlib import Path

from spider.settings import Settings


def run_server(db_path: str | Path, settings: Settings, *, host: str = "127.0.0.1",
               port: int = 8321, threads: int = 8) -> None:
    """Serve the app with Waitress until interrupted."""
    from waitress import serve

    from spider.serve.app import create_app

    serve(create_app(db_path, settings), host=host, port=port, threads=threads,
          ident="spider", clear_untrusted_proxy_headers=True)
