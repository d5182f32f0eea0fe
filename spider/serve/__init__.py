"""`spider serve`: the web app (spider.serve.app) and its users (spider.serve.users)."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from spider.settings import Settings


def run_server(db_path: str | Path, settings: Settings, *, host: str = "127.0.0.1",
               port: int = 8321, threads: int = 2, workers: int = 1,
               secure_cookies: bool = False) -> None:
    """Serve the app with Waitress until interrupted: WORKERS processes sharing one listening
    socket (where the OS can fork), each with THREADS threads. Searching is Python work held
    by one interpreter lock per process, so processes, not threads, use the machine's cores."""
    from waitress import serve

    from spider.db import open_db
    from spider.serve.app import create_app
    from spider.serve.users import secret_key

    first = open_db(Path(db_path))  # the signing key made once, before the workers fork
    try:
        secret_key(first)
    finally:
        first.conn.close()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    def run(app: Any) -> None:
        serve(app, sockets=[listener], threads=threads, ident="spider",
              clear_untrusted_proxy_headers=True)

    if workers <= 1 or not hasattr(os, "fork") or sys.platform == "win32":
        run(create_app(db_path, settings, secure_cookies=secure_cookies))
        return
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own app, its own connections
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                run(create_app(db_path, settings, secure_cookies=secure_cookies))
            finally:
                os._exit(0)
        children.append(pid)
    listener.close()
    try:
        for pid in children:
            os.waitpid(pid, 0)
    except KeyboardInterrupt:
        pass
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
