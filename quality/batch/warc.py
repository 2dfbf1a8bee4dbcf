"""A WARC reader that survives broken archives: lying lengths, junk, truncation, corrupt gzip.

Framing is ours, parsing is warcio's. We find each record's bounds ourselves, check that a record's
Content-Length lands on the next `WARC/1.` header (or the end of the file), and when it does not we
resync on the next header instead of trusting the length; a lying length then costs one record, not
every record after it. Each framed record, its length repaired, is handed to warcio for the WARC and
HTTP headers. `.warc.gz` files are read member by member (the usual one record per gzip member), so
junk between members and a corrupt member are skipped to the next gzip magic.

A byte range (`start`, `end`) selects the records whose header begins inside it, so a large file can
be split into partitions that together read every record exactly once.
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

log = logging.getLogger(__name__)

HEADER_MAGIC = b"WARC/1."
GZIP_MAGIC = b"\x1f\x8b\x08"
MAX_HEADER_BYTES = 64 * 1024  # WARC header blocks are a few hundred bytes; more means no header
# larger records are skipped with an error line, to bound memory
MAX_RECORD_BYTES = 64 * 1024 * 1024
SCAN_CHUNK = 1024 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
# a version line followed by a header field: specific enough to resync on anywhere, even after junk
# that does not end in a newline
_HEADER_RE = re.compile(rb"(WARC/1\.\d\r?\n[A-Za-z0-9-]+:)")
_LENGTH_RE = re.compile(rb"^content-length:[^\r\n]*\r?\n", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Fault:
    """Something wrong in an archive at a byte offset, with what it cost."""

    offset: int
    reason: str  # warc_junk_skipped, warc_gzip_corrupt, warc_header_unterminated, ...
    length: int = 0
    inner: int = 0  # which record of its gzip member, for faults that cost a record


@dataclass(frozen=True, slots=True)
class Frame:
    """One record's header block and content, with the repairs its framing needed."""

    offset: int  # of the record (plain file) or of its gzip member (.warc.gz)
    inner: int  # position of the record inside its gzip member, 0 for plain files
    header: bytes  # the header block, without the blank line that ends it
    content: bytes
    repairs: tuple[str, ...] = ()  # warc_content_length_wrong, warc_record_truncated


@dataclass(frozen=True, slots=True)
class HttpRecord:
    """A response record's HTTP payload, still encoded as it was on the wire."""

    offset: int
    inner: int
    record_id: str | None
    url: str | None
    content_type: str
    charset: str | None
    content_encoding: str | None
    chunked: bool
    body: bytes
    repairs: tuple[str, ...] = ()


@dataclass(slots=True)
class FileTotals:
    """Per-archive counts: what was read, repaired, lost, and where."""

    html_records: int = 0
    other_records: int = 0  # request, warcinfo, metadata, non-HTML responses
    repaired: int = 0
    errors: int = 0
    junk_bytes: int = 0
    faults: list[Fault] = field(default_factory=list)

    MAX_LISTED = 1000  # faults kept with their offsets; the counts go on past it

    def add_fault(self, fault: Fault) -> None:
        if fault.reason == "warc_junk_skipped":
            self.junk_bytes += fault.length
        if len(self.faults) < self.MAX_LISTED:
            self.faults.append(fault)

    def to_dict(self) -> dict:
        return {
            "html_records": self.html_records,
            "other_records": self.other_records,
            "repaired": self.repaired,
            "errors": self.errors,
            "junk_bytes": self.junk_bytes,
            "faults": [
                {"offset": f.offset, "reason": f.reason, "length": f.length} for f in self.faults
            ],
        }


def is_gzip(path: str) -> bool:
    """True when the file starts with the gzip magic, whatever its name says.

    All three bytes: the gzip framer looks for members by them, so a plain archive behind two stray
    bytes that look like gzip's would otherwise be searched for members and lose every record.
    """
    with open(path, "rb") as f:
        return f.read(len(GZIP_MAGIC)) == GZIP_MAGIC


def iter_frames(path: str, start: int = 0, end: int | None = None) -> Iterator[Frame | Fault]:
    """Frame the records whose header (or gzip member) begins in [start, end) of one file."""
    with open(path, "rb") as f:
        size = f.seek(0, io.SEEK_END)
        stop = size if end is None else min(end, size)
        if is_gzip(path):
            yield from _gzip_frames(f, start, stop, size)
        else:
            yield from _plain_frames(f, start, stop, size, base=0, inner=False)


def _read_at(f: BinaryIO, pos: int, n: int) -> bytes:
    f.seek(pos)
    return f.read(n)


def _find(f: BinaryIO, pattern: bytes, pos: int, limit: int) -> int:
    """Offset of the next `pattern` at or after pos and before limit, or -1."""
    overlap = len(pattern) - 1
    while pos < limit:
        chunk = _read_at(f, pos, min(SCAN_CHUNK, limit - pos) + overlap)
        hit = chunk.find(pattern)
        if hit >= 0 and pos + hit < limit:
            return pos + hit
        if len(chunk) <= overlap:
            return -1
        pos += len(chunk) - overlap
    return -1


def _next_header(f: BinaryIO, pos: int, limit: int) -> int:
    """Offset of the next WARC header at or after pos and before limit, or -1."""
    overlap = 128  # longer than the pattern can match, so a header across two chunks is found
    while pos < limit:
        chunk = _read_at(f, pos, min(SCAN_CHUNK, limit - pos) + overlap)
        m = _HEADER_RE.search(chunk)
        if m:
            hit = pos + m.start(1)
            return hit if hit < limit else -1
        if len(chunk) <= overlap:
            return -1
        pos += len(chunk) - overlap
    return -1


def _content_length(header: bytes) -> int | None:
    for line in header.split(b"\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                n = int(value.strip())
            except ValueError:
                return None
            return n if n >= 0 else None
    return None


def _strip_separator(content: bytes) -> bytes:
    for sep in (b"\r\n\r\n", b"\n\n", b"\r\n", b"\n"):
        if content.endswith(sep):
            return content[: -len(sep)]
    return content


def _plain_frames(
    f: BinaryIO, start: int, stop: int, size: int, *, base: int, inner: bool
) -> Iterator[Frame | Fault]:
    """Frame uncompressed records; offsets are file offsets, or `base` inside a gzip member."""
    pos = _next_header(f, start, size) if start > 0 else start
    index = 0
    while 0 <= pos < stop:
        here = base if inner else pos
        if _read_at(f, pos, len(HEADER_MAGIC)) != HEADER_MAGIC:
            nxt = _next_header(f, pos, size)
            gap = _read_at(f, pos, (nxt if nxt >= 0 else size) - pos)
            junk = gap.lstrip(b"\x00\r\n\t ")
            if junk.strip(b"\x00\r\n\t "):  # blank lines between records are not junk
                yield Fault(
                    base if inner else pos + len(gap) - len(junk), "warc_junk_skipped", len(junk)
                )
            pos = nxt
            continue
        block = _read_at(f, pos, MAX_HEADER_BYTES)
        cut, sep = block.find(b"\r\n\r\n"), 4
        if cut < 0:
            cut, sep = block.find(b"\n\n"), 2
        if cut < 0:
            yield Fault(here, "warc_header_unterminated", inner=index if inner else 0)
            index += 1
            pos = _next_header(f, pos + 1, size)
            continue
        inner_header = _HEADER_RE.search(block, 1, cut)
        if (
            inner_header
        ):  # a header cut short and followed by the next record's: lose only the first
            yield Fault(here, "warc_header_unterminated", inner=index if inner else 0)
            index += 1
            pos += inner_header.start(1)
            continue
        header, body = block[:cut], pos + cut + sep
        length = _content_length(header)
        if length is not None and length > MAX_RECORD_BYTES:
            yield Fault(here, "warc_record_too_large", length, inner=index if inner else 0)
            pos = _next_header(f, body + length, size)
            index += 1
            continue
        content = _read_at(f, body, length) if length is not None else b""
        if length is not None and _length_holds(f, content, body + length, size):
            nxt, repairs = body + length, ()
        else:
            nxt = _next_header(f, body, size)
            end = nxt if nxt >= 0 else size
            content = _strip_separator(_read_at(f, body, min(end - body, MAX_RECORD_BYTES)))
            truncated = nxt < 0 and (length is None or body + length > size)
            repairs = ("warc_record_truncated" if truncated else "warc_content_length_wrong",)
        yield Frame(here, index if inner else 0, header, content, repairs)
        index += 1
        pos = nxt


def _length_holds(f: BinaryIO, content: bytes, end: int, size: int) -> bool:
    """True when a record's claimed content holds no other header and ends at its separator."""
    if end > size or (HEADER_MAGIC in content and _HEADER_RE.search(content)):
        return False
    tail = _read_at(f, end, 4)
    return tail == b"\r\n\r\n" or not tail.strip()


def _gzip_frames(f: BinaryIO, start: int, stop: int, size: int) -> Iterator[Frame | Fault]:
    """Frame the records of each gzip member that begins in [start, stop)."""
    pos = start
    if start > 0 or _read_at(f, 0, 3) != GZIP_MAGIC:
        pos = _find(f, GZIP_MAGIC, start, size)
    while 0 <= pos < stop:
        data, used, ok = _inflate_member(f, pos, size)
        if data is None:  # not a member after all: a false magic in junk, or corrupt from the start
            yield Fault(pos, "warc_gzip_corrupt")
            pos = _find(f, GZIP_MAGIC, pos + 1, size)
            continue
        for item in _plain_frames(io.BytesIO(data), 0, len(data), len(data), base=pos, inner=True):
            if isinstance(item, Frame):
                if ok and item.repairs == ("warc_record_truncated",):
                    # the member is whole, so the record was not cut: its length was wrong
                    item = Frame(
                        item.offset,
                        item.inner,
                        item.header,
                        item.content,
                        ("warc_content_length_wrong",),
                    )
                elif (
                    not ok and not item.repairs
                ):  # whole as far as it goes, but its member is broken
                    item = Frame(
                        item.offset,
                        item.inner,
                        item.header,
                        item.content,
                        ("warc_gzip_member_broken",),
                    )
            yield item
        if not ok:
            yield Fault(pos, "warc_gzip_corrupt" if used < size - pos else "warc_gzip_truncated")
            pos = _find(f, GZIP_MAGIC, pos + 1, size)
            continue
        nxt = pos + used
        if nxt >= size:
            return
        if _read_at(f, nxt, 3) != GZIP_MAGIC:
            found = _find(f, GZIP_MAGIC, nxt, size)
            gap = (found if found >= 0 else size) - nxt
            if _read_at(f, nxt, gap).strip(b"\x00\r\n\t "):
                yield Fault(nxt, "warc_junk_skipped", gap)
            nxt = found
        pos = nxt


def _inflate_member(f: BinaryIO, pos: int, size: int) -> tuple[bytes | None, int, bool]:
    """Inflate the gzip member at pos: (data or None, compressed bytes used, complete)."""
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    out = bytearray()
    used = 0
    f.seek(pos)
    while not d.eof:
        chunk = f.read(64 * 1024)
        if not chunk:
            return (bytes(out) if out else None), used, False
        try:
            out += d.decompress(chunk)
        except zlib.error:
            return (bytes(out) if out else None), used, False
        used += len(chunk) - len(d.unused_data)
        if len(out) > MAX_RECORD_BYTES:
            return None, used, False
    return bytes(out), used, True


def parse_frame(frame: Frame) -> HttpRecord | None:
    """The HTML response in a frame, None for other records; ValueError if unreadable."""
    from warcio.archiveiterator import ArchiveIterator

    fixed = _LENGTH_RE.sub(b"", frame.header + b"\r\n")
    raw = fixed + b"Content-Length: %d\r\n\r\n" % len(frame.content) + frame.content + b"\r\n\r\n"
    try:
        records = ArchiveIterator(io.BytesIO(raw), ensure_http_headers=False, check_digests=False)
        record = next(iter(records))
        if record.rec_type != "response":
            return None
        if record.http_headers is None:
            return None
        if not (record.http_headers.protocol or "").upper().startswith("HTTP/"):
            raise ValueError("payload is not an HTTP response")
        content_type = record.http_headers.get_header("Content-Type") or ""
        media = content_type.split(";")[0].strip().lower()
        if media and media not in HTML_TYPES:
            return None
        body = record.raw_stream.read()
    except StopIteration:
        raise ValueError("no record in frame") from None
    except Exception as exc:  # warcio raises a variety of types on bad headers
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    transfer = (record.http_headers.get_header("Transfer-Encoding") or "").lower()
    coding = (record.http_headers.get_header("Content-Encoding") or "").strip().lower() or None
    return HttpRecord(
        offset=frame.offset,
        inner=frame.inner,
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        url=record.rec_headers.get_header("WARC-Target-URI"),
        content_type=content_type,
        charset=_charset(content_type),
        content_encoding=None if coding == "identity" else coding,
        chunked="chunked" in transfer,
        body=body,
        repairs=frame.repairs,
    )


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None
