"""Whatever the web serves, made safe to parse, or skipped with a reason.

`prepare` runs before the parser: it decompresses gzip, zlib and brotli bodies under a size cap,
sniffs non-HTML from the leading bytes, decodes, caps the size, removes control characters, and cuts
the attributes that would make libxml2 slow (it compares every attribute of a tag with every other,
so one tag with 100,000 attributes costs minutes). Every step is linear in the input.

`reasons` say why the status is not OK (why skipped, or what was cut or repaired); `flags` list
every fact noticed about the input, the degrading ones included.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import zlib
from dataclasses import dataclass

from .decode import decode_explained, utf16_without_bom
from .records import Encoding, Status

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 20_000_000  # larger pages are cut and flagged `truncated_input`
RAW_CAP_FACTOR = 5  # input past 5 x max_bytes is cut before decoding, the rest after the tag guard
MAX_DECOMPRESSED_BYTES = 100_000_000  # a body that inflates past this is a decompression bomb
MAX_ATTRIBUTES = 1_000  # per tag; libxml2 takes ~2 ms at 1,000 and ~0.27 s at 20,000 (quadratic)
MAX_ATTRIBUTE_CHARS = 100_000  # a longer value is emptied: no page text lives in attributes
MAX_DATA_URI_CHARS = 1_000  # inline data: URIs are cut to their header past this
SNIFF_BYTES = 4_096  # how much of the start decides "not HTML"
MAX_CONTROL_SHARE = 0.05  # more C0 control bytes than this in the sniffed start means binary
MIN_BINARY_CONTROLS = 8  # ...and more than this many, so a short page with a stray NUL is kept
MAX_COMPRESSION_LAYERS = 3
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Limits:
    """Size caps applied before parsing."""

    max_bytes: int = MAX_PAGE_BYTES
    max_decompressed_bytes: int = MAX_DECOMPRESSED_BYTES
    max_attributes: int = MAX_ATTRIBUTES
    max_attribute_chars: int = MAX_ATTRIBUTE_CHARS
    max_data_uri_chars: int = MAX_DATA_URI_CHARS


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Prepared:
    """Text ready for the parser (None when skipped), how it was decoded, and what was done."""

    text: str | None
    encoding: Encoding | None
    status: Status
    flags: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


def prepare(
    html: str | bytes, *, encoding: str | None = None, limits: Limits | None = None
) -> Prepared:
    """Decompress, sniff, decode, cap and clean a page for the parser; never raises on bad data."""
    if not isinstance(html, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"html must be str or bytes, not {type(html).__name__}")
    if encoding is not None and not isinstance(encoding, str):
        raise TypeError(f"encoding must be str or None, not {type(encoding).__name__}")
    limits = limits or DEFAULT_LIMITS
    flags: list[str] = []
    reasons: list[str] = []
    if isinstance(html, str):
        return _prepare_text(html, Encoding("unicode", "text"), flags, reasons, limits)

    data = bytes(html)
    data, skip = _decompress(data, limits, flags)
    if skip:
        return _skipped(skip, flags)
    skip = sniff_bytes(data)
    if skip:
        return _skipped(skip, flags)
    # The byte cap is looser than the text cap: a giant attribute is cut out after decoding, and
    # the text after it must survive.
    if len(data) > RAW_CAP_FACTOR * limits.max_bytes:
        data = data[: RAW_CAP_FACTOR * limits.max_bytes]
        _degrade("truncated_input", flags, reasons)
    decoded = decode_explained(data, encoding)
    flags.extend(decoded.flags)
    if "charset_mismatch" in decoded.flags:
        reasons.append("charset_mismatch")
    if decoded.bad_chars * 100 > len(decoded.text):  # over 1 % of the text is U+FFFD
        _degrade("undecodable_bytes", flags, reasons)
    elif decoded.bad_chars:
        flags.append("bytes_replaced")
    return _prepare_text(decoded.text, decoded.encoding, flags, reasons, limits)


def _prepare_text(
    text: str, enc: Encoding, flags: list[str], reasons: list[str], limits: Limits
) -> Prepared:
    if text.startswith("\ufeff"):
        text = text[1:]
        if not text:
            flags.append("bom_only")
    if not text:
        return _skipped("empty_input", flags, enc)
    if text.isspace():
        return _skipped("whitespace_only", flags, enc)
    if enc.source == "text":
        skip = sniff_text(text)
        if skip:
            return _skipped(skip, flags, enc)
    elif _looks_binary_text(text):
        return _skipped("binary_input", flags, enc)
    if len(text) > RAW_CAP_FACTOR * limits.max_bytes:
        text = text[: RAW_CAP_FACTOR * limits.max_bytes]
        _degrade("truncated_input", flags, reasons)

    try:
        # Encoding is C-speed and fails on a lone surrogate, which lxml cannot take.
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATE.sub("\ufffd", text)
        _degrade("surrogates_replaced", flags, reasons)
        encoded = text.encode("utf-8")
    if len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded):
        text = _CONTROL_CHARS.sub("", text)
        _degrade("control_chars_removed", flags, reasons)
    if text.startswith("<?xml"):
        # lxml refuses text that opens with an XML declaration naming an encoding; the bytes are
        # decoded already, so the declaration says nothing any more.
        end = text.find(">")
        text = text[end + 1 :] if end > 0 else text[5:]
    text = _guard_tags(text, limits, flags, reasons)
    if len(text) > limits.max_bytes:
        text = text[: limits.max_bytes]
        _degrade("truncated_input", flags, reasons)
    if _ends_inside_markup(text):
        _degrade("truncated_document", flags, reasons)
    status = Status.DEGRADED if reasons else Status.OK
    return Prepared(text, enc, status, tuple(flags), tuple(reasons))


def _degrade(code: str, flags: list[str], reasons: list[str]) -> None:
    if code not in reasons:
        reasons.append(code)
    if code not in flags:
        flags.append(code)


def _skipped(reason: str, flags: list[str], enc: Encoding | None = None) -> Prepared:
    return Prepared(None, enc, Status.SKIPPED, tuple(flags), (reason,))


# --- decompression ------------------------------------------------------------------------------


def _decompress(data: bytes, limits: Limits, flags: list[str]) -> tuple[bytes, str | None]:
    """The body with up to MAX_COMPRESSION_LAYERS layers of gzip/zlib/brotli undone."""
    for _ in range(MAX_COMPRESSION_LAYERS):
        kind = compression_of(data)
        if kind is None:
            return data, None
        inflated = _inflate(data, kind, limits.max_decompressed_bytes)
        if inflated is None:
            if kind == "brotli":  # only a guess from the bytes: leave them as they are
                return data, None
            flags.append(f"corrupt_{kind}")
            return data, "corrupt_compressed_input"
        if inflated is _BOMB:
            flags.append(f"decompressed_{kind}")
            return b"", "decompression_bomb"
        flags.append(f"decompressed_{kind}")
        data = inflated
    return data, None


def compression_of(data: bytes) -> str | None:
    """gzip, zlib or brotli when the leading bytes say so, else None."""
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if (
        len(data) >= 2
        and data[0] & 0x0F == 8
        and data[0] >> 4 <= 7
        and (data[0] << 8 | data[1]) % 31 == 0
    ):
        return "zlib"
    if data and not _looks_textual(data[:64]):
        return "brotli"  # brotli has no magic number: try it only on bytes that are not text
    return None


_BOMB = object()


def _inflate(data: bytes, kind: str, cap: int):
    """Decompressed bytes, _BOMB past `cap`, or None when the stream is not valid."""
    if kind == "brotli":
        return _inflate_brotli(data, cap)
    out = bytearray()
    rest = data
    try:
        while rest:  # a gzip body may hold several members back to back
            inflater = zlib.decompressobj(31 if kind == "gzip" else 15)
            chunk = inflater.decompress(rest, cap + 1 - len(out))
            while True:
                out += chunk
                if len(out) > cap:
                    return _BOMB
                if not inflater.unconsumed_tail:
                    break
                chunk = inflater.decompress(inflater.unconsumed_tail, cap + 1 - len(out))
            out += inflater.flush(cap + 1 - len(out)) if not inflater.eof else b""
            if len(out) > cap:
                return _BOMB
            if not inflater.eof:
                break  # truncated stream: keep what inflated
            rest = inflater.unused_data if kind == "gzip" else b""
            if rest[:2] != b"\x1f\x8b":
                break
    except zlib.error:
        return bytes(out) if out else None
    return bytes(out)


def _inflate_brotli(data: bytes, cap: int):
    try:
        import brotli
    except ImportError:
        return None
    inflater = brotli.Decompressor()
    out = bytearray()
    try:
        out += inflater.process(data, output_buffer_limit=_CHUNK)
        while not inflater.is_finished():  # drain the pending output a bounded chunk at a time
            if len(out) > cap:
                return _BOMB
            chunk = inflater.process(b"", output_buffer_limit=_CHUNK)
            if not chunk:
                break
            out += chunk
    except brotli.error:
        return None
    except TypeError:  # brotli < 1.2 has no output limit: decompressing could not be capped
        log.warning("brotli >= 1.2 is needed to decompress brotli bodies safely")
        return None
    if len(out) > cap:
        return _BOMB
    if not inflater.is_finished() or not out:
        return None
    return bytes(out)


# --- sniffing ------------------------------------------------------------------------------------

_MAGIC = (
    (b"%PDF-", "not_html_pdf"),
    (b"\x89PNG\r\n\x1a\n", "not_html_png"),
    (b"\xff\xd8\xff", "not_html_jpeg"),
    (b"GIF87a", "not_html_gif"),
    (b"GIF89a", "not_html_gif"),
    (b"PK\x03\x04", "not_html_zip"),
    (b"PK\x05\x06", "not_html_zip"),
    (b"\x00\x00\x01\x00", "not_html_ico"),
    (b"OggS", "not_html_ogg"),
    (b"ID3", "not_html_mp3"),
    (b"\x7fELF", "not_html_executable"),
    (b"MZ", "not_html_executable"),
    (b"7z\xbc\xaf\x27\x1c", "not_html_7z"),
    (b"Rar!\x1a\x07", "not_html_rar"),
    (b"wOFF", "not_html_font"),
    (b"wOF2", "not_html_font"),
)
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_HTML_TAG = re.compile(
    r"<(?:!doctype|html|head|body|meta|title|div|p|a|span|table|script|link|br|!--|h[1-6]|ul|li)[\s>/]",
    re.IGNORECASE,
)
_JS_START = re.compile(
    r"(?:/\*|//|\(function|!function|function\s*[\w$(]|(?:var|let|const)\s+[\w$\[{]|"
    r"[\"']use strict[\"']|import\s*[\w{*\"']|export\s+|window\.|document\.|self\.|\(self|"
    r"\"use client\"|webpackJsonp|define\(|require\()"
)
_JSON_START = re.compile(r"(?:\{\s*(?:\"|\})|\[\s*(?:[\[{\"\d\-\]]|true|false|null))")
_JSON_OBJECTS = re.compile(r"(?:\{\s*\"|\[\s*[\[{\"])")


def sniff_bytes(data: bytes) -> str | None:
    """A skip reason when the leading bytes are not an HTML page, else None."""
    head = data[:SNIFF_BYTES]
    for magic, reason in _MAGIC:
        if head.startswith(magic):
            return reason
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return "not_html_riff"
    if head[4:8] == b"ftyp":
        return "not_html_video"
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None  # a BOM: text, whatever the bytes after it look like
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if _too_many_controls(controls, len(head)) and not utf16_without_bom(head):
        return "binary_input"
    # The ASCII-compatible reading of the start is enough for the structural checks.
    return sniff_text(head.decode("latin-1"), whole=data)


def sniff_text(text: str, whole: str | bytes | None = None) -> str | None:
    """A skip reason when the start of decoded text is JSON, JavaScript or a PDF, else None."""
    head = text[:SNIFF_BYTES].lstrip("\ufeff\t\n\x0c\r ")
    if head.startswith("%PDF-"):
        return "not_html_pdf"
    if not head or head[0] == "<":
        return None
    if _JSON_START.match(head) and _is_json(text if whole is None else whole):
        return "not_html_json"
    if _JSON_OBJECTS.match(head) and "<" not in head:  # JSON cut short: objects, and no markup
        return "not_html_json"
    if _HTML_TAG.search(head):
        return None
    if _JS_START.match(head):
        return "not_html_javascript"
    return None


def _is_json(text: str | bytes) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return False
    return True


def _too_many_controls(controls: int, length: int) -> bool:
    # A few stray NULs in a page are damage to repair; a control byte in every twenty is binary.
    return controls > MIN_BINARY_CONTROLS and controls > MAX_CONTROL_SHARE * length


def _looks_textual(head: bytes) -> bool:
    if head[:1] in (b"<", b"\xef", b"\xfe", b"\xff"):
        return True
    printable = len(head.translate(None, _CONTROL_BYTES))
    return head.isascii() and printable == len(head)


def _looks_binary_text(text: str) -> bool:
    """Decoded text whose start is mostly control characters: random or binary bytes."""
    head = text[:SNIFF_BYTES].encode("utf-8", "surrogatepass")
    return _too_many_controls(len(head) - len(head.translate(None, _CONTROL_BYTES)), len(head))


# --- cleaning ------------------------------------------------------------------------------------

# NUL and the C0 controls other than tab, line feed, form feed and carriage return, and DEL.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _ends_inside_markup(text: str) -> bool:
    """The text stops inside a tag or a comment: a download cut short."""
    tail = text[-2000:]
    lt, gt = tail.rfind("<"), tail.rfind(">")
    if lt > gt and lt + 1 < len(tail) and (tail[lt + 1].isalpha() or tail[lt + 1] in "/!"):
        return True
    return text.rfind("<!--") > text.rfind("-->")


# A whole tag as a tokenizer sees it: quotes open only after '='. Every alternative starts with a
# different character and the pattern always succeeds, so it never backtracks; the possessive
# quantifiers say so to the engine, which then keeps no backtracking state (a sixth faster). The
# loop is unrolled: a run of plain characters never follows another, so each '=' part is tried
# only at an '=' and the runs between are read outside the alternation (another ~13 % off the
# scan, the same spans: tests/test_speed_invariants.py).
_WHOLE_TAG_SOURCE = r"<[A-Za-z][^>\"'=]*+(?:(?:=\s*+\"[^\"]*+\"|=\s*+'[^']*+'|=)[^>\"'=]*+)*+>?"
# Possessive quantifiers came in Python 3.11; 3.10 gets the same pattern with plain ones, which
# matches the same spans (it never backtracks), only a little slower.
_WHOLE_TAG = re.compile(
    _WHOLE_TAG_SOURCE if sys.version_info >= (3, 11) else _WHOLE_TAG_SOURCE.replace("*+", "*")
)


# The rest of a tag; as in a tokenizer, a quote opens a value only after '='.
_REST_OF_TAG = re.compile(r"(?:[^>\"'=]+|=\s*\"[^\"]*\"?|=\s*'[^']*'?|[=\"'])*")
_TAG_AT = re.compile(r"<[A-Za-z][^\s/>\"']*")
_ATTRIBUTE = re.compile(
    r"[\s/]*(?:([^\s/>\"'=][^\s/>=]*|[\"'][^\s/>=]*)(?:\s*=\s*(\"[^\"]*\"?|'[^']*'?|[^\s>]*))?)?"
)


def _guard_tags(text: str, limits: Limits, flags: list[str], reasons: list[str]) -> str:
    """The text with huge attribute values emptied and tags cut to `max_attributes`."""
    units = min(2 * limits.max_attributes, limits.max_data_uri_chars, limits.max_attribute_chars)
    # One C-speed pass over the tags; only the long ones (rare) reach Python code. Measured on every
    # 5th dataset page, the pass takes 0.16 ms at the median (0.43 ms at p90).
    units = max(units, 16)
    pieces: list[str] = []
    done = 0
    for m in _WHOLE_TAG.finditer(text):
        if m.end() - m.start() < units or m.start() < done:  # short, or inside a rewritten tag
            continue
        new_tag, end = _rewrite_tag(text, m.start(), limits, flags, reasons)
        if new_tag is not None:
            pieces.append(text[done : m.start()])
            pieces.append(new_tag)
            done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _rewrite_tag(
    text: str, start: int, limits: Limits, flags: list[str], reasons: list[str]
) -> tuple[str | None, int]:
    """The tag at `start` rebuilt within the limits (None if unchanged) and where it ends."""
    head = _TAG_AT.match(text, start)
    if head is None:
        return None, start + 1
    out = [head.group()]
    pos = head.end()
    seen: set[str] = set()
    tokens = 0  # attributes read, repeats included: a flood of one repeated name is cut too
    changed = False
    n = len(text)
    while pos < n and text[pos] != ">":
        m = _ATTRIBUTE.match(text, pos)
        if m.end() == pos:  # a character no attribute can start with
            pos += 1
            continue
        pos = m.end()
        name, value = m.group(1), m.group(2)
        if name is None:
            continue
        key = name.lower()
        tokens += 1
        if key in seen and tokens <= limits.max_attributes:
            changed = True
            continue
        if len(seen) >= limits.max_attributes or tokens > limits.max_attributes:
            _degrade("too_many_attributes", flags, reasons)
            changed = True
            pos = _REST_OF_TAG.match(text, pos).end()  # drop the rest at C speed
            break
        seen.add(key)
        if value is None:
            out.append(" " + name)
            continue
        quoted = value[:1] in ("'", '"')
        raw = (
            value[1:-1]
            if quoted and len(value) > 1 and value[-1] == value[0]
            else value.strip("\"'")
        )
        if len(raw) > limits.max_attribute_chars:
            _degrade("huge_attribute_stripped", flags, reasons)
            raw, changed = "", True
        elif len(raw) > limits.max_data_uri_chars and raw[:5].lower() == "data:":
            if "data_uri_shortened" not in flags:
                flags.append("data_uri_shortened")
            raw, changed = raw[: raw.find(",") + 1 if "," in raw[:200] else 5], True
        out.append(f' {name}="{raw.replace(chr(34), "&quot;")}"')
    end = min(pos + 1, n)
    if not changed:
        return None, end
    return "".join(out) + ">", end
