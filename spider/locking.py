"""One writer at a time: an advisory lock on a file beside the database, held for a whole command.

SQLite lets one transaction write at a time, but a command writes in several (the records,
then the rebuild), and a rebuild can run for minutes: a second writer would fail on a busy
database half-way, or interleave with the first. So every command that writes holds this lock
from start to end; a second one waits, saying which command holds the database. Readers never
take it: each rebuild commits in one transaction, so a reader sees the graph before or after,
never half of it.

The lock file records who holds it; it is emptied on a clean release, so finding it filled
when the lock is free means the last writer was interrupted (and SQLite rolled back its
unfinished transaction).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def lock_path(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".lock")


class WriterLock:
    """The database's writer lock, for one command (`command` says which, for the waiters)."""

    def __init__(self, db_path: str | Path, command: str) -> None:
        self.path = lock_path(db_path)
        self.command = command
        self._handle: IO[str] | None = None
        self.interrupted: dict[str, Any] | None = None  # the last holder, if it never released

    @property
    def held(self) -> bool:
        return self._handle is not None

    def holder(self) -> dict[str, Any] | None:
        """Who holds (or last held without releasing) the lock, as it wrote itself down."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        try:
            return json.loads(text) if text else None
        except json.JSONDecodeError:
            return None

    def busy(self) -> bool:
        """Whether another process holds the lock now."""
        if self._handle is not None or not self.path.exists():
            return False
        try:
            with open(self.path, "a+", encoding="utf-8") as handle:
                if _try_lock(handle):
                    _unlock(handle)
                    return False
                return True
        except OSError:
            return False

    def acquire(self, *, on_wait: Callable[[str], None] | None = None, poll: float = 0.2,
                timeout: float | None = None) -> None:
        """Take the lock, waiting for the holder to finish (told once through `on_wait`)."""
        if self._handle is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        started, told = time.monotonic(), False
        while not _try_lock(handle):
            if not told and on_wait is not None:
                on_wait(self._waiting_message())
                told = True
            if timeout is not None and time.monotonic() - started > timeout:
                handle.close()
                raise TimeoutError(self._waiting_message())
            time.sleep(poll)
        handle.seek(0)
        previous = handle.read().strip()
        if previous:
            try:
                self.interrupted = json.loads(previous)
            except json.JSONDecodeError:
                self.interrupted = {"command": "an earlier command"}
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"command": self.command, "pid": os.getpid(),
                                 "since": time.strftime("%H:%M:%S")}))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let the next writer in; an empty file says this command finished cleanly."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        handle.seek(0)
        handle.truncate()
        handle.flush()
        _unlock(handle)
        handle.close()

    def _waiting_message(self) -> str:
        holder = self.holder() or {}
        who = f"`{holder.get('command') or 'another spider command'}`"
        if holder.get("pid"):
            who += f" (pid {holder['pid']}, since {holder.get('since', '?')})"
        return f"waiting for {who} to finish writing to the database ..."

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
