"""An exclusive file lock (``fcntl.flock``) so that only one process builds or repairs the index at once.

The kernel releases a ``flock`` when its holder exits, however it exits (``kill -9`` included), so a
crashed build never leaves a lock behind. The file also records the holder's pid for messages.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

DEFAULT_WAIT = 600.0  # seconds a second build waits for the first one


class IndexBusy(RuntimeError):
    """Another process holds the lock and we were told not to wait (or waited long enough)."""


class FileLock:
    """``with FileLock(path, wait, notice):`` holds an exclusive lock on ``path``.

    ``wait`` is how many seconds to wait for another holder (0: fail at once); ``notice`` is called
    once with a human-readable message when we have to wait.
    """

    def __init__(self, path: Path, wait: float = DEFAULT_WAIT, notice: Callable[[str], None] | None = None,
                 what: str = "build"):
        self.path, self.wait, self.notice, self.what = path, wait, notice, what
        self._fd: int | None = None

    def holder(self) -> str:
        """What the lock file says about its holder (pid and start time), for messages."""
        try:
            text = self.path.read_text(encoding="utf-8").split()
        except OSError:
            return ""
        if len(text) >= 2 and text[0].isdigit():
            return f"pid {text[0]}, started {time.strftime('%H:%M:%S', time.localtime(float(text[1])))}"
        return ""

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(self.wait, 0.0)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self.holder()
                who = f" ({holder})" if holder else ""
                if time.monotonic() >= deadline:
                    os.close(fd)
                    waited = f" after waiting {self.wait:.0f} s" if self.wait > 0 else ""
                    raise IndexBusy(f"another index {self.what} is running{who}{waited}; "
                                    f"try again when it has finished") from None
                if not told and self.notice is not None:
                    self.notice(f"another index {self.what} is running{who}, waiting "
                                f"(up to {_minutes(self.wait)})…")
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {time.time():.0f}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
