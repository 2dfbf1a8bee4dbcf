"""Bytes to text in a browser's order, never failing, saying how the encoding was chosen.

The order is the WHATWG one: a byte order mark, then the charset the caller passes (from an HTTP
header), then the `<meta>` prescan of the first 1024 bytes, then detection, then a default. Two
departures, both because a text tool loses more than a browser from a wrong label: bytes that are
valid UTF-8 with non-ASCII characters are read as UTF-8 whatever a legacy label says (a lying
`<meta charset>` or a server's default ISO-8859-1 header is the common case on the web), and a UTF-8
label on bytes that are mostly not UTF-8 falls through to detection. Both leave the flag
`charset_mismatch`. Labels of the "replacement" encoding (ISO-2022-KR, HZ...) are ignored rather
than turning the page into one U+FFFD.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

from .records import Encoding

log = logging.getLogger(__name__)

PRESCAN_BYTES = 1024  # the WHATWG prescan looks no further
LATE_META_BYTES = 65_536  # a parser obeys a <meta> found later too; look this far for one
DETECT_SAMPLE_BYTES = 16_384  # charset-normalizer reads this much, from the first non-ASCII byte
MIN_DETECT_BYTES = 16  # fewer non-ASCII bytes than this are read as windows-1252 without detection
TIE_CHAOS = 0.03  # detector "chaos" scores closer than this count as a tie
MAX_BAD_SHARE = 0.1  # a UTF-8 label stands while under a tenth of the non-ASCII bytes are invalid

# WHATWG Encoding Standard label table, written as name -> labels; names lower-cased.
_LABELS: dict[str, str] = {
    "utf-8": "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    "ibm866": "866 cp866 csibm866 ibm866",
    "iso-8859-2": "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 "
    "iso_8859-2:1987 l2 latin2",
    "iso-8859-3": "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 "
    "iso_8859-3:1988 l3 latin3",
    "iso-8859-4": "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 "
    "iso_8859-4:1988 l4 latin4",
    "iso-8859-5": "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 "
    "iso_8859-5 iso_8859-5:1988",
    "iso-8859-6": "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 "
    "iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    "iso-8859-7": "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 "
    "iso8859-7 iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    "iso-8859-8": "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 "
    "iso8859-8 iso88598 iso_8859-8 iso_8859-8:1988 visual",
    "iso-8859-8-i": "csiso88598i iso-8859-8-i logical",
    "iso-8859-10": "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    "iso-8859-13": "iso-8859-13 iso8859-13 iso885913",
    "iso-8859-14": "iso-8859-14 iso8859-14 iso885914",
    "iso-8859-15": "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    "iso-8859-16": "iso-8859-16",
    "koi8-r": "cskoi8r koi koi8 koi8-r koi8_r",
    "koi8-u": "koi8-ru koi8-u",
    "macintosh": "csmacintosh mac macintosh x-mac-roman",
    "windows-874": "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    "windows-1250": "cp1250 windows-1250 x-cp1250",
    "windows-1251": "cp1251 windows-1251 x-cp1251",
    "windows-1252": "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 "
    "iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    "windows-1253": "cp1253 windows-1253 x-cp1253",
    "windows-1254": "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 "
    "iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254",
    "windows-1255": "cp1255 windows-1255 x-cp1255",
    "windows-1256": "cp1256 windows-1256 x-cp1256",
    "windows-1257": "cp1257 windows-1257 x-cp1257",
    "windows-1258": "cp1258 windows-1258 x-cp1258",
    "x-mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "gbk": "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk",
    "gb18030": "gb18030",
    "big5": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "euc-jp": "cseucpkdfmtjapanese euc-jp x-euc-jp",
    "iso-2022-jp": "csiso2022jp iso-2022-jp",
    "shift_jis": "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    "euc-kr": "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 "
    "ksc5601 ksc_5601 windows-949",
    "utf-16be": "unicodefffe utf-16be",
    "utf-16le": "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
    "x-user-defined": "x-user-defined",
}
LABEL_TO_NAME: dict[str, str] = {
    label: name for name, labels in _LABELS.items() for label in labels.split()
}

# The Python codec that decodes each WHATWG encoding (the WHATWG decoders are the supersets).
_CODECS: dict[str, str] = {
    "utf-8": "utf-8",
    "ibm866": "cp866",
    "iso-8859-8-i": "iso8859_8",
    "koi8-r": "koi8_r",
    "koi8-u": "koi8_u",
    "macintosh": "mac_roman",
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac_cyrillic",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "euc-jp": "euc_jp",
    "iso-2022-jp": "iso2022_jp",
    "shift_jis": "cp932",
    "euc-kr": "cp949",
    "utf-16be": "utf-16-be",
    "utf-16le": "utf-16-le",
    "x-user-defined": "cp1252",
    **{f"iso-8859-{n}": f"iso8859_{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    **{f"windows-125{n}": f"cp125{n}" for n in range(9)},
}

# Python codec names (as codecs.lookup spells them) back to WHATWG names, for detector output.
_FROM_PYTHON: dict[str, str] = {codecs.lookup(c).name: n for n, c in _CODECS.items()}
_FROM_PYTHON.update(
    {
        "ascii": "windows-1252",
        "latin-1": "windows-1252",
        "iso8859-1": "windows-1252",
        "gbk": "gbk",
        "gb2312": "gbk",
        "big5": "big5",
        "shift_jis": "shift_jis",
        "euc_kr": "euc-kr",
        "iso8859-9": "windows-1254",
        "iso8859-11": "windows-874",
        "tis-620": "windows-874",
        "cp874": "windows-874",
        "x-user-defined": "windows-1252",
        "utf-8": "utf-8",
        "utf-16-le": "utf-16le",
        "utf-16-be": "utf-16be",
    }
)

# Detection picks among the encodings a browser knows (never, say, cp1006 for one accented byte).
_DETECTABLE = sorted({codecs.lookup(c).name for c in _CODECS.values()} - {"utf-16-be", "utf-16-le"})

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xfe\xff", "utf-16be"), (b"\xff\xfe", "utf-16le"))
_ASCII = bytes(range(128))
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_WS = frozenset(b"\t\n\x0c\r ")
_WS_SLASH = frozenset(b"\t\n\x0c\r /")
_WS_GT = frozenset(b"\t\n\x0c\r >")


def _keep_c1(err: UnicodeDecodeError) -> tuple[str, int]:
    # WHATWG windows-1252 maps the five bytes cp1252 leaves undefined to the C1 controls.
    return "".join(chr(b) for b in err.object[err.start : err.end]), err.end


codecs.register_error("quality_c1", _keep_c1)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text, the encoding used and what was noticed on the way."""

    text: str
    encoding: Encoding
    flags: tuple[str, ...] = ()
    bad_chars: int = 0  # U+FFFD inserted for bytes the encoding could not read


def encoding_name(label: str | bytes | None) -> str | None:
    """The WHATWG encoding a label names, or None for an unknown or replacement label."""
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("latin-1")
    return LABEL_TO_NAME.get(label.strip("\t\n\x0c\r ").lower())


def decode(
    data: bytes, declared: str | None = None, *, browser: bool = False
) -> tuple[str, Encoding]:
    """Page bytes as text and the encoding that read them; never raises.

    With ``browser=True`` a label is followed even where the bytes contradict it, as a browser does.
    """
    result = decode_explained(data, declared, browser=browser)
    return result.text, result.encoding


def decode_explained(data: bytes, declared: str | None = None, *, browser: bool = False) -> Decoded:
    """Like `decode`, with the flags and the count of replaced bytes."""
    data = bytes(data)
    for bom, name in _BOMS:
        if data.startswith(bom):
            text, bad = _decode_as(data[len(bom) :], name)
            return Decoded(text, Encoding(name, "bom"), (), bad)

    name = _declared_name(declared)
    source = "declared"
    if name is None:
        name, source = prescan(data[:PRESCAN_BYTES]) or late_meta(data), "meta"
    if name is None:
        return _undeclared(data, ())

    if browser:
        text, bad = _decode_as(data, name)
        return Decoded(text, Encoding(name, source), (), bad)
    if name == "utf-8":
        return _labelled_utf8(data, source)
    if not data.isascii() and name not in ("utf-16be", "utf-16le"):
        utf8 = _strict_utf8(data)
        if utf8 is not None:
            return Decoded(utf8, Encoding("utf-8", "detected"), ("charset_mismatch",))
    text, bad = _decode_as(data, name)
    return Decoded(text, Encoding(name, source), (), bad)


def _declared_name(declared: object) -> str | None:
    """The encoding a caller's label names; a whole Content-Type value is accepted too."""
    if not isinstance(declared, (str, bytes)):
        return None
    raw = declared.encode("latin-1", "replace") if isinstance(declared, str) else declared
    return encoding_name(raw) or _charset_from_content(raw.lower())


def _labelled_utf8(data: bytes, source: str) -> Decoded:
    utf8 = _strict_utf8(data)
    if utf8 is not None:
        return Decoded(utf8, Encoding("utf-8", source))
    text, bad = _decode_as(data, "utf-8")
    high = len(data.translate(None, _ASCII))  # bytes >= 0x80
    if bad <= MAX_BAD_SHARE * high:
        return Decoded(text, Encoding("utf-8", source), (), bad)
    guess = _detect(data)
    if guess is None or guess[0] == "utf-8":
        return Decoded(text, Encoding("utf-8", source), (), bad)
    name, confidence = guess
    text, bad = _decode_as(data, name)
    return Decoded(text, Encoding(name, "detected", confidence), ("charset_mismatch",), bad)


def utf16_without_bom(data: bytes) -> str | None:
    """utf-16le or utf-16be when NUL fills every other byte of the start, as in Latin UTF-16."""
    head = data[:1024]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16be"
    return None


def _undeclared(data: bytes, flags: tuple[str, ...]) -> Decoded:
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        text, bad = _decode_as(data, utf16)
        return Decoded(text, Encoding(utf16, "detected", 0.9), flags, bad)
    if data.isascii():
        if b"\x1b$" in data or b"\x1b(" in data:
            # ISO-2022-JP is all 7-bit: its escape sequences are the only sign of it.
            text, bad = _decode_as(data, "iso-2022-jp")
            return Decoded(text, Encoding("iso-2022-jp", "detected", 0.9), flags, bad)
        # A browser reads an unlabelled ASCII page as windows-1252; the text is the same as UTF-8.
        return Decoded(data.decode("ascii"), Encoding("windows-1252", "default"), flags)
    utf8 = _strict_utf8(data)
    if utf8 is not None:
        return Decoded(utf8, Encoding("utf-8", "detected"), flags)
    guess = _detect(data)
    if guess is None:
        text, bad = _decode_as(data, "utf-8")
        return Decoded(text, Encoding("utf-8", "default", 0.0), flags, bad)
    name, confidence = guess
    text, bad = _decode_as(data, name)
    return Decoded(text, Encoding(name, "detected", confidence), flags, bad)


def _strict_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_as(data: bytes, name: str) -> tuple[str, int]:
    """Text and the number of U+FFFD added for bytes `name` cannot read."""
    codec = _CODECS.get(name, name)
    errors = "quality_c1" if name in ("windows-1252", "x-user-defined") else "replace"
    try:
        return data.decode(codec), 0
    except UnicodeDecodeError:
        pass
    except LookupError:
        codec = "utf-8"
    text = data.decode(codec, errors)
    genuine = data.count(b"\xef\xbf\xbd") if codec == "utf-8" else 0
    return text, max(text.count("\ufffd") - genuine, 0)


def _detect(data: bytes) -> tuple[str, float] | None:
    """The detector's best WHATWG encoding for a sample of the bytes, and its confidence."""
    from charset_normalizer import from_bytes  # loaded only for pages that need it

    if len(data.translate(None, _ASCII)) < MIN_DETECT_BYTES:
        # A handful of non-ASCII bytes is too little to tell code pages apart, and a wrong guess
        # costs at most that many characters: take the browser's default.
        return "windows-1252", 0.5
    sample = _sample(data)
    try:
        matches = list(from_bytes(sample, cp_isolation=_DETECTABLE))
    # the detector is third-party code on hostile bytes: any failure means "no guess"
    except Exception:
        log.debug("charset detection failed", exc_info=True)
        return None
    if not matches:
        return None
    best = matches[0]
    encoding = best.encoding
    # windows-1252 is the web's most common legacy encoding: it takes a near-tie, and the name
    # when another code page gives the very same text (the detector lists it under that one).
    for match in matches:
        if match.chaos > best.chaos + TIE_CHAOS:
            break
        if "cp1252" in (match.encoding, *match.could_be_from_charset):
            best, encoding = match, "cp1252"
            break
    python_name = codecs.lookup(encoding).name
    name = _FROM_PYTHON.get(python_name, python_name)
    return name, round(max(0.0, 1.0 - best.chaos), 3)


def _sample(data: bytes) -> bytes:
    """Up to DETECT_SAMPLE_BYTES taken from where the non-ASCII bytes are, cut at tag edges."""
    if len(data) <= DETECT_SAMPLE_BYTES:
        return data
    high = _HIGH_BYTE.search(data)
    first = high.start() if high else 0
    # '<' and '>' are never the second byte of a CJK pair, so a cut there splits no character.
    start = data.rfind(b">", 0, first) + 1
    end = data.rfind(b"<", start, start + DETECT_SAMPLE_BYTES)
    return data[start : end if end > start else start + DETECT_SAMPLE_BYTES]


class _EndOfInput(Exception):
    """The prescan ran out of bytes: it fails, as the WHATWG algorithm says."""


_FAILURE = "failure"


def prescan(head: bytes) -> str | None:
    """The encoding a `<meta>` in these bytes declares, by the WHATWG prescan; None if none."""
    if b"<meta" not in head.lower():
        return None
    try:
        return _prescan(head)
    except _EndOfInput:
        return None


def _prescan(buf: bytes) -> str | None:
    lower = buf.lower()
    n = len(buf)
    pos = 0
    while pos < n:
        pos = buf.find(b"<", pos)
        if pos < 0:
            return None
        if buf.startswith(b"<!--", pos):
            end = buf.find(b"-->", pos + 2)
            if end < 0:
                return None
            pos = end + 3
            continue
        if lower.startswith(b"<meta", pos) and pos + 5 < n and buf[pos + 5] in _WS_SLASH:
            name, pos = _meta(buf, pos + 6)
            if name is not None:
                return name
        elif pos + 1 < n and (
            _is_letter(buf[pos + 1])
            or (buf[pos + 1] == 0x2F and pos + 2 < n and _is_letter(buf[pos + 2]))
        ):
            while pos < n and buf[pos] not in _WS_GT:
                pos += 1
            while True:
                attr, pos = _attribute(buf, pos)
                if attr is None:
                    break
        elif buf.startswith((b"<!", b"</", b"<?"), pos):
            pos = buf.find(b">", pos + 2)
            if pos < 0:
                return None
        pos += 1
    return None


# Where a parser meets a late <meta>: outside comments, raw-text elements and other tags' values.
_LATE_OPENER = re.compile(
    rb"<!--|<(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript)[\t\n\x0c\r />]"
    rb"|<(meta)[\t\n\x0c\r /]|<[A-Za-z]",
    re.IGNORECASE,
)
# A tag to its end; quotes hide '>' as in a tokenizer. Alternatives start with different characters
# and the pattern always succeeds, so it never backtracks.
_TAG_REST = re.compile(rb"(?:[^>\"']+|\"[^\"]*\"|'[^']*')*>?")


def late_meta(data: bytes) -> str | None:
    """A charset <meta> past the prescan window, where a browser's parser would still obey it."""
    window = data[:LATE_META_BYTES]
    lower = window.lower()
    if b"charset" not in lower:
        return None
    pos = 0
    while True:
        m = _LATE_OPENER.search(window, pos)
        if m is None:
            return None
        if m.group().startswith(b"<!--"):
            end = window.find(b"-->", m.start() + 2)
            if end < 0:
                return None  # an unclosed comment runs to the end
            pos = end + 3
            continue
        tag_end = _TAG_REST.match(window, m.end()).end()
        if m.group(1):
            end = lower.find(b"</" + m.group(1).lower(), tag_end)
            if end < 0:
                return None
            pos = end + 2
            continue
        if m.group(2) and b"charset" in lower[m.end() : tag_end]:
            try:
                name, _ = _meta(window, m.end())
            except _EndOfInput:
                return None
            if name is not None:
                return name
        pos = max(tag_end, m.end())


def _meta(buf: bytes, pos: int) -> tuple[str | None, int]:
    seen: set[bytes] = set()
    got_pragma = False
    need_pragma: bool | None = None
    charset: str | None = None
    while True:
        attr, pos = _attribute(buf, pos)
        if attr is None:
            break
        key, value = attr
        if key in seen:
            continue
        seen.add(key)
        if key == b"http-equiv":
            got_pragma = got_pragma or value == b"content-type"
        elif key == b"content":
            found = _charset_from_content(value)
            if found is not None and charset is None:
                charset, need_pragma = found, True
        elif key == b"charset":
            charset, need_pragma = encoding_name(value) or _FAILURE, False
    if need_pragma is None or (need_pragma and not got_pragma):
        return None, pos
    if charset is None or charset == _FAILURE:
        return None, pos
    if charset in ("utf-16be", "utf-16le"):
        return "utf-8", pos
    if charset == "x-user-defined":
        return "windows-1252", pos
    return charset, pos


def _is_letter(b: int) -> bool:
    return 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A


def _lower(b: int) -> int:
    return b + 0x20 if 0x41 <= b <= 0x5A else b


def _attribute(buf: bytes, pos: int) -> tuple[tuple[bytes, bytes] | None, int]:
    """The WHATWG "get an attribute" step: ((name, value) or None, the position after it)."""
    n = len(buf)
    while pos < n and buf[pos] in _WS_SLASH:
        pos += 1
    if pos >= n:
        raise _EndOfInput
    if buf[pos] == 0x3E:
        return None, pos
    name = bytearray()
    value = bytearray()
    while True:  # the attribute's name
        if pos >= n:
            raise _EndOfInput
        b = buf[pos]
        if b == 0x3D and name:
            pos += 1
            break
        if b in _WS:
            while pos < n and buf[pos] in _WS:
                pos += 1
            if pos >= n:
                raise _EndOfInput
            if buf[pos] != 0x3D:
                return (bytes(name), b""), pos
            pos += 1
            break
        if b in (0x2F, 0x3E):
            return (bytes(name), b""), pos
        name.append(_lower(b))
        pos += 1
    while pos < n and buf[pos] in _WS:
        pos += 1
    if pos >= n:
        raise _EndOfInput
    b = buf[pos]
    if b in (0x22, 0x27):  # a quoted value
        end = buf.find(bytes((b,)), pos + 1)
        if end < 0:
            raise _EndOfInput
        return (bytes(name), buf[pos + 1 : end].lower()), end + 1
    if b == 0x3E:
        return (bytes(name), b""), pos
    while True:  # an unquoted value
        if pos >= n:
            raise _EndOfInput
        b = buf[pos]
        if b in _WS_GT:
            return (bytes(name), bytes(value)), pos
        value.append(_lower(b))
        pos += 1


def _charset_from_content(value: bytes) -> str | None:
    """The WHATWG "extract a character encoding from a meta element" step on a content value."""
    n = len(value)
    pos = 0
    while True:
        found = value.find(b"charset", pos)
        if found < 0:
            return None
        pos = found + 7
        while pos < n and value[pos] in _WS:
            pos += 1
        if pos >= n or value[pos] != 0x3D:
            continue
        pos += 1
        while pos < n and value[pos] in _WS:
            pos += 1
        if pos >= n:
            return None
        b = value[pos]
        if b in (0x22, 0x27):
            end = value.find(bytes((b,)), pos + 1)
            return None if end < 0 else encoding_name(value[pos + 1 : end])
        end = pos
        while end < n and value[end] not in _WS and value[end] != 0x3B:
            end += 1
        return encoding_name(value[pos:end])
