"""Undo an HTTP body's transfer and content codings, tolerating broken ones; runs in the worker.

Decompression happens in the worker process, not the reader, so a decompression bomb meets the
worker's memory limit and output cap instead of the parent.
"""

from __future__ import annotations

import zlib

# decoded bodies are cut here and flagged `http_body_cut_at_limit`
MAX_BODY_BYTES = 32 * 1024 * 1024
_PIECE = 16 * 1024  # compressed bytes fed at a time, so the cap is checked as output grows


def decode_body(
    body: bytes, content_encoding: str | None, chunked: bool
) -> tuple[bytes, tuple[str, ...]]:
    """The page bytes from an HTTP body, with flags for what was broken or cut."""
    flags: list[str] = []
    if chunked:
        body, ok = dechunk(body)
        if not ok:
            flags.append("http_chunked_malformed")
    codings = [c.strip() for c in (content_encoding or "").lower().split(",") if c.strip()]
    for coding in reversed(codings):  # the last coding applied is the first to undo
        if coding in ("identity", ""):
            continue
        decoded, ok, cut = _decompress(body, coding)
        if cut:
            flags.append("http_body_cut_at_limit")
        if not ok:
            flags.append("http_decompress_failed")
            if not decoded:  # nothing came out: a mislabelled body is more often plain than not
                break
        body = decoded
    if len(body) > MAX_BODY_BYTES:
        body = body[:MAX_BODY_BYTES]
        flags.append("http_body_cut_at_limit")
    return body, tuple(dict.fromkeys(flags))


def dechunk(body: bytes) -> tuple[bytes, bool]:
    """De-chunk a body; on a malformed size line keep what was decoded and append the rest as is."""
    out = bytearray()
    pos = 0
    while pos < len(body):
        eol = body.find(b"\n", pos)
        if eol < 0:
            break
        size_text = body[pos:eol].split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            break
        if size == 0:
            return bytes(out), True
        start = eol + 1
        out += body[start : start + size]
        pos = start + size
        if body[pos : pos + 2] == b"\r\n":
            pos += 2
        elif body[pos : pos + 1] == b"\n":
            pos += 1
    # no final zero chunk: malformed or cut; the rest of the body is kept as it is
    if not out:
        return body, False
    out += body[pos:]
    return bytes(out), False


def _decompress(data: bytes, coding: str) -> tuple[bytes, bool, bool]:
    """(output, complete, cut at the cap) for one content coding."""
    if coding in ("gzip", "x-gzip"):
        return _inflate(data, zlib.MAX_WBITS | 32)
    if coding == "deflate":
        out, ok, cut = _inflate(data, zlib.MAX_WBITS)
        if not ok and not out:  # servers often send raw deflate without the zlib header
            return _inflate(data, -zlib.MAX_WBITS)
        return out, ok, cut
    if coding == "br":
        return _unbrotli(data)
    return b"", False, False


def _inflate(data: bytes, wbits: int) -> tuple[bytes, bool, bool]:
    d = zlib.decompressobj(wbits)
    out = bytearray()
    try:
        for i in range(0, len(data), _PIECE):
            out += d.decompress(data[i : i + _PIECE], MAX_BODY_BYTES + 1 - len(out))
            if len(out) > MAX_BODY_BYTES:
                return bytes(out[:MAX_BODY_BYTES]), True, True
            if d.eof:
                break
    except zlib.error:
        return bytes(out), False, False
    return bytes(out), d.eof, False


def _unbrotli(data: bytes) -> tuple[bytes, bool, bool]:
    import brotli

    d = brotli.Decompressor()
    out = bytearray()
    try:
        for i in range(0, len(data), _PIECE):
            out += d.process(data[i : i + _PIECE])
            if len(out) > MAX_BODY_BYTES:
                return bytes(out[:MAX_BODY_BYTES]), True, True
    except brotli.error:
        return bytes(out), False, False
    return bytes(out), d.is_finished(), False
