"""Input records from files, directories, WARC archives, JSONL dumps and standard input.

Every record carries a stable key (what `--resume` matches on) and its identity for the output line.
A record that cannot be read still comes out, with `error` set, so it gets its own output line.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import urlsplit

from . import warc

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
WARC_SUFFIXES = (".warc", ".warc.gz")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
KINDS = ("auto", "html", "warc", "jsonl")
MAX_FILE_BYTES = 64 * 1024 * 1024  # larger files are read cut to this and flagged


@dataclass(slots=True)
class Record:
    """One page to score, or the reason it cannot be."""

    key: str  # unique in a run: path, path@offset, path:line
    identity: dict  # source, path or file, offset, record_id, line: copied to the output line
    html: bytes | str | None = None
    url: str | None = None
    encoding: str | None = None  # charset from the HTTP header
    content_encoding: str | None = None  # still to undo in the worker: gzip, br, deflate
    chunked: bool = False  # still to de-chunk in the worker
    flags: tuple[str, ...] = ()  # facts found while reading: warc_content_length_wrong, ...
    error: str | None = None  # reason code when there is nothing to score
    detail: str = ""

    @property
    def site(self) -> str:
        """The host the page came from, else its folder: what site templates are counted over."""
        if self.url:
            host = urlsplit(self.url).hostname
            if host:
                return host.lower()
        path = self.identity.get("path") or self.identity.get("file") or ""
        return os.path.dirname(path)


@dataclass(slots=True)
class Source:
    """One input to read: a path (or - for stdin) and what kind of input it is."""

    path: str
    kind: str  # html, warc, jsonl
    start: int = 0  # byte range of a WARC partition
    end: int | None = None


@dataclass(slots=True)
class ReadTotals:
    """Per-file totals of what the readers met, for the summary."""

    files: dict[str, warc.FileTotals] = field(default_factory=dict)

    def of(self, path: str) -> warc.FileTotals:
        return self.files.setdefault(path, warc.FileTotals())


def kind_of(path: str) -> str | None:
    """The input kind a file name says, or None when it is not one we read."""
    name = path.lower()
    if name.endswith(".gz"):
        name_nogz = name[:-3]
    else:
        name_nogz = name
    if name_nogz.endswith(".warc"):
        return "warc"
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name_nogz.endswith(HTML_SUFFIXES):
        return "html"
    return None


def expand(inputs: Iterable[str], kind: str = "auto") -> Iterator[Source]:
    """The sources named by paths: directories walked recursively in sorted order."""
    for path in inputs:
        if path == "-":
            yield Source("-", "html" if kind == "auto" else kind)
        elif os.path.isdir(path):
            for full in walk(path):
                found = kind_of(full)
                if found is not None:
                    yield Source(full, found)
        else:
            found = kind_of(path) if kind == "auto" else kind
            yield Source(path, found or "html")


def walk(top: str) -> Iterator[str]:
    """Files under top in sorted path order, depth first; symlinked folders are not followed."""
    stack = [top]
    while stack:
        path = stack.pop()
        if os.path.isdir(path) and (path == top or not os.path.islink(path)):
            # pushed in reverse, so the smallest name comes off the stack first
            stack.extend(
                os.path.join(path, name) for name in sorted(os.listdir(path), reverse=True)
            )
        elif os.path.isfile(path):
            yield path


def read(
    sources: Iterable[Source],
    totals: ReadTotals,
    *,
    html_field: str = "html",
    url_field: str = "url",
) -> Iterator[Record]:
    """Every record of every source, in order."""
    for src in sources:
        if src.kind == "warc":
            yield from read_warc(src, totals)
        elif src.kind == "jsonl":
            yield from read_jsonl(src, html_field=html_field, url_field=url_field)
        else:
            yield read_html(src)


def read_html(src: Source) -> Record:
    """A file (or stdin) holding one page, gunzipped when its name or bytes say so."""
    if src.path == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        rec = Record("-", {"source": "stdin"})
    else:
        rec = Record(src.path, {"source": "file", "path": src.path})
        try:
            with open(src.path, "rb") as f:
                data = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            rec.error, rec.detail = "read_failed", str(exc)
            return rec
    if data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip(data)
        except (OSError, EOFError) as exc:
            rec.error, rec.detail = "gzip_corrupt", str(exc)
            return rec
    if len(data) > MAX_FILE_BYTES:
        data = data[:MAX_FILE_BYTES]
        rec.flags = ("input_cut_at_limit",)
    rec.html = data
    return rec


def _gunzip(data: bytes) -> bytes:
    with gzip.GzipFile(fileobj=_BytesReader(data)) as g:
        return g.read(MAX_FILE_BYTES + 1)


class _BytesReader:
    """A minimal file object over bytes (io.BytesIO would copy them)."""

    def __init__(self, data: bytes) -> None:
        self._view, self._pos = memoryview(data), 0

    def read(self, n: int = -1) -> bytes:
        end = len(self._view) if n is None or n < 0 else self._pos + n
        out = bytes(self._view[self._pos : end])
        self._pos += len(out)
        return out


def read_jsonl(src: Source, *, html_field: str, url_field: str) -> Iterator[Record]:
    """One record per line holding a JSON object with the page's HTML under `html_field`."""
    with _open_binary(src.path) as stream:
        for number, raw in enumerate(stream, start=1):
            line = raw.decode("utf-8", "replace")
            if not line.strip():
                continue
            rec = Record(
                f"{src.path}:{number}", {"source": "jsonl", "path": src.path, "line": number}
            )
            try:
                obj = json.loads(line)
            except ValueError as exc:
                rec.error, rec.detail = "jsonl_line_not_json", str(exc)[:200]
                yield rec
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get(html_field), str):
                rec.error, rec.detail = (
                    "jsonl_html_field_missing",
                    f"no string field {html_field!r}",
                )
                yield rec
                continue
            url = obj.get(url_field)
            rec.html, rec.url = obj[html_field], url if isinstance(url, str) else None
            yield rec


def _open_binary(path: str) -> BinaryIO:
    if path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def read_warc(src: Source, totals: ReadTotals) -> Iterator[Record]:
    """The HTML response records of a WARC (byte range), lost records as error records."""
    tally = totals.of(src.path)
    try:
        frames = warc.iter_frames(src.path, src.start, src.end)
        for item in frames:
            if isinstance(item, warc.Fault):
                tally.add_fault(item)
                if item.reason in LOST_RECORD:
                    tally.errors += 1
                    yield _warc_record(src.path, item.offset, item.inner, error=item.reason)
                continue
            yield from _from_frame(src.path, item, tally)
    except OSError as exc:
        tally.errors += 1
        tally.add_fault(warc.Fault(src.start, "read_failed"))
        yield _warc_record(src.path, src.start, 0, error="read_failed", detail=str(exc))


# faults that cost a record (they get an error line); others (junk) cost no record
LOST_RECORD = {"warc_header_unterminated", "warc_record_too_large", "warc_gzip_corrupt"}


def _from_frame(path: str, frame: warc.Frame, tally: warc.FileTotals) -> Iterator[Record]:
    try:
        http = warc.parse_frame(frame)
    except ValueError as exc:
        tally.errors += 1
        tally.add_fault(warc.Fault(frame.offset, "warc_record_unreadable"))
        yield _warc_record(
            path, frame.offset, frame.inner, error="warc_record_unreadable", detail=str(exc)
        )
        return
    if http is None:
        tally.other_records += 1
        return
    tally.html_records += 1
    if frame.repairs:
        tally.repaired += 1
        for reason in frame.repairs:
            tally.add_fault(warc.Fault(frame.offset, reason))
    rec = _warc_record(path, frame.offset, frame.inner, record_id=http.record_id)
    rec.html, rec.url, rec.encoding = http.body, http.url, http.charset
    rec.content_encoding, rec.chunked, rec.flags = (
        http.content_encoding,
        http.chunked,
        frame.repairs,
    )
    yield rec


def _warc_record(
    path: str,
    offset: int,
    inner: int,
    *,
    record_id: str | None = None,
    error: str | None = None,
    detail: str = "",
) -> Record:
    key = f"{path}@{offset}" + (f"#{inner}" if inner else "")
    identity = {"source": "warc", "file": path, "offset": offset, "record_id": record_id}
    if inner:
        identity["member_record"] = inner
    return Record(key, identity, error=error, detail=detail)
