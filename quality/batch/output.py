"""The JSONL writer: whole lines, flushed as written; and what `--resume` needs from an old file."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys

import numpy as np

log = logging.getLogger(__name__)


def key_hash(key: str) -> int:
    """A 64-bit hash of a record key: resume sets of millions of keys stay small as integers."""
    return int.from_bytes(
        hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little"
    )


class DoneKeys:
    """The keys already in an output file, held as a sorted array of 64-bit hashes."""

    def __init__(self, hashes: list[int] | None = None) -> None:
        self._sorted = np.unique(np.array(hashes or [], dtype=np.uint64))

    def __len__(self) -> int:
        return len(self._sorted)

    def __contains__(self, key: str) -> bool:
        h = np.uint64(key_hash(key))
        i = np.searchsorted(self._sorted, h)
        return bool(i < len(self._sorted) and self._sorted[i] == h)


def load_done(path: str) -> DoneKeys:
    """Keys of the records an earlier run wrote; a torn last line is cut off the file first."""
    if path == "-" or not os.path.exists(path):
        return DoneKeys()
    hashes: list[int] = []
    good_end = 0
    with open(path, "rb") as f:
        for line in f:
            if not line.endswith(b"\n"):
                break  # a line cut by a kill mid-write: dropped, its record runs again
            try:
                key = json.loads(line)["id"]
            except (ValueError, KeyError, TypeError):
                log.warning("%s: unreadable line at byte %d, ignored", path, good_end)
                good_end += len(line)
                continue
            hashes.append(key_hash(key))
            good_end += len(line)
    if good_end < os.path.getsize(path):
        log.warning(
            "%s: dropping a torn last line (%d bytes)", path, os.path.getsize(path) - good_end
        )
        with open(path, "r+b") as f:
            f.truncate(good_end)
    return DoneKeys(hashes)


def _plain(value: object) -> object:
    """JSON for what a scorer may hand back besides plain types: numpy scalars, tuples, sets."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


class Writer:
    """Appends one JSON object per line, each in one write, so a kill never splits two."""

    def __init__(self, path: str, *, append: bool) -> None:
        self.path = path
        if path == "-":
            self._fd, self._own = sys.stdout.fileno(), False
            sys.stdout.flush()
        else:
            flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
            self._fd, self._own = os.open(path, flags, 0o644), True

    def write(self, obj: dict) -> None:
        text = json.dumps(obj, ensure_ascii=False, default=_plain)
        data = memoryview((text + "\n").encode("utf-8", "surrogatepass"))
        while data:
            data = data[os.write(self._fd, data) :]

    def close(self) -> None:
        if self._own:
            os.close(self._fd)
            self._own = False

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
