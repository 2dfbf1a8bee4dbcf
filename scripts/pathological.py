"""Run `quality.check` on every bad input of issue 2 item 7, at full size, and time each.

Prints one line per input: name, size, status, reasons, flags and seconds; exits 1 when any input
raises or takes longer than the budget (5 s). Inputs are generated in memory, the 1 GB gzip bomb
in streaming fashion. Usage: python scripts/pathological.py [--only NAME] [--budget SECONDS]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import brotli  # noqa: E402

import quality  # noqa: E402
from quality import model  # noqa: E402
from quality.errors import ModelError  # noqa: E402
from quality.records import BlockReport, Label, Verdict, uniform_scores  # noqa: E402

MB = 1_000_000
PAGE = (
    b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Harbour ferry returns</title></head>"
    b"<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>Harbour ferry "
    b"returns after repairs</h1>"
    + b"<p>The harbour ferry carried its first passengers in three months on Monday morning, after "
    b"engineers replaced the worn drive shaft and repainted the hull. Commuters said the crossing "
    b"saved them forty minutes compared with the bus around the bay.</p>"
    * 6
    + b"</article><footer>Copyright 2024 The Bay Gazette. All rights reserved.</footer>"
    b"</body></html>"
)


def bomb(kind: str, size: int = 1_000 * MB) -> bytes:
    """`size` zero bytes compressed chunk by chunk, never held whole in memory."""
    chunk = bytes(MB)
    if kind == "brotli":
        comp = brotli.Compressor(quality=1)
        return b"".join(comp.process(chunk) for _ in range(size // MB)) + comp.finish()
    wbits = 31 if kind == "gzip" else 15
    comp = zlib.compressobj(1, zlib.DEFLATED, wbits)
    return b"".join(comp.compress(chunk) for _ in range(size // MB)) + comp.flush()


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("page.html", PAGE)
    return buf.getvalue()


def cases() -> Iterator[tuple[str, Callable[[], bytes | str]]]:
    rng = random.Random(7)
    yield "empty", lambda: b""
    yield "whitespace_only", lambda: b" \n\t\r\n " * 1000
    yield "bom_only", lambda: b"\xef\xbb\xbf"
    yield (
        "pdf",
        lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 100,
    )
    yield "png", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(100_000)
    yield "jpeg", lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF" + rng.randbytes(100_000)
    yield "zip", zip_bytes
    yield (
        "json",
        lambda: json.dumps(
            {"items": [{"html": "<p>x</p>", "n": i} for i in range(10_000)]}
        ).encode(),
    )
    yield (
        "javascript",
        lambda: b"(function(){'use strict';var a=document.createElement('div');})();\n" * 2000,
    )
    yield "random_bytes_1mb", lambda: rng.randbytes(MB)
    yield "gzip_page", lambda: gzip.compress(PAGE)
    yield "zlib_page", lambda: zlib.compress(PAGE)
    yield "brotli_page", lambda: brotli.compress(PAGE)
    yield "gzip_bomb_1gb", lambda: bomb("gzip")
    yield "zlib_bomb_1gb", lambda: bomb("zlib")
    yield "brotli_bomb_1gb", lambda: bomb("brotli")
    yield (
        "page_over_cap_25mb",
        lambda: PAGE[:-14] + b"<p>more text</p>" * (25 * MB // 16) + b"</body></html>",
    )
    yield (
        "page_over_cap_25mb_long_paragraphs",
        lambda: (
            PAGE[:-14]
            + (b"<p>" + b"more words " * 500 + b"</p>") * (25 * MB // 5507)
            + b"</body></html>"
        ),
    )
    yield "utf16_without_bom", lambda: PAGE.decode().replace("utf-8", "utf-16").encode("utf-16-le")
    yield (
        "nesting_100k",
        lambda: b"<div>" * 100_000 + b"<p>Deep text survives.</p>" + b"</div>" * 100_000,
    )
    yield "nesting_100k_mixed", lambda: b"<div><span><b>" * 33_334 + b"<p>Deep text survives.</p>"
    yield (
        "attribute_20mb",
        lambda: b'<p title="' + b"x" * (20 * MB) + b'">Text after a huge attribute.</p>' + PAGE,
    )
    yield (
        "data_uri_20mb",
        lambda: b'<img src="data:image/png;base64,' + b"QUJD" * (5 * MB) + b'">' + PAGE,
    )
    yield "attribute_20mb_unquoted", lambda: b"<p title=" + b"x" * (20 * MB) + b">Text.</p>" + PAGE
    yield (
        "attributes_100k",
        lambda: b"<p " + b" ".join(b"a%d=1" % i for i in range(100_000)) + b">Text.</p>" + PAGE,
    )
    yield (
        "attributes_100k_quoted_gt",
        lambda: b"<p " + b" ".join(b'a%d=">"' % i for i in range(100_000)) + b">Text.</p>",
    )
    yield (
        "nul_and_controls",
        lambda: PAGE.replace(b"ferry", b"fe\x00rry\x01").replace(b"bay", b"b\x0bay"),
    )
    yield (
        "meta_charset_lies_utf8_as_latin1",
        lambda: PAGE.replace(b"utf-8", b"iso-8859-1").replace(
            b"bay", "bay caf\u00e9 na\u00efve".encode()
        ),
    )
    yield (
        "meta_charset_lies_latin1_as_utf8",
        lambda: PAGE.replace(b"bay", "bay caf\u00e9 na\u00efve".encode("cp1252") * 20),
    )
    yield "truncated_mid_tag", lambda: PAGE[: len(PAGE) // 2] + b'<a href="/next'
    yield "truncated_mid_comment", lambda: PAGE[: len(PAGE) // 2] + b"<!-- cut"
    yield (
        "frameset_shell",
        lambda: (
            b"<html><frameset cols='50%,50%'><frame src='a.html'><frame src='b.html'>"
            b"</frameset></html>"
        ),
    )
    yield (
        "meta_refresh_shell",
        lambda: (
            b"<html><head><meta http-equiv='refresh' content='0; url=/home'></head>"
            b"<body></body></html>"
        ),
    )
    yield (
        "script_only_shell",
        lambda: (
            b"<html><head><script src='/app.js'></script></head><body><div id='root'></div>"
            b"<script>boot()</script></body></html>"
        ),
    )
    # Shapes aimed at the regular expressions of the tag guard and the late <meta> scan.
    yield "lt_flood_5mb", lambda: b"<a" * (5 * MB // 2)
    yield "quote_flood_5mb", lambda: b'<a x="' + b'<a y="' * (5 * MB // 6)
    yield "eq_quote_flood_5mb", lambda: b"<p " + b'="' * (5 * MB // 2)
    yield "comment_open_flood_5mb", lambda: b"<!--" * (5 * MB // 4)
    yield "meta_flood_charset_5mb", lambda: b"<meta charset " * (5 * MB // 14)
    yield "str_input_with_surrogates", lambda: PAGE.decode() + "\ud800 lone surrogate"


def _all_article(blocks, **_):
    """A stand-in classifier for machines without a trained model: every block is article."""
    reports = tuple(
        BlockReport(block=b, label=Label.ARTICLE, scores=uniform_scores(Label.ARTICLE))
        for b in blocks
    )
    return Verdict(blocks=reports, label=Label.ARTICLE, scores=uniform_scores(Label.ARTICLE))


def run(html: bytes | str) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
    r = quality.check(html)
    return r.status.value, r.reasons, r.flags, f"{r.label.value}, {len(r.blocks)} blocks"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="run the inputs whose name contains this")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds allowed per input")
    args = parser.parse_args(argv)
    failed = 0
    try:
        model.load_model()
    except ModelError:
        print("no trained block model here: a stand-in labels every block article")
        model.classify = _all_article
    print(f"{'input':34} {'bytes':>12} {'status':9} {'seconds':>8}  reasons / flags")
    for name, make in cases():
        if args.only and args.only not in name:
            continue
        html = make()
        t0 = time.perf_counter()
        try:
            status, reasons, flags, label = run(html)
        except Exception as exc:  # the point of the script is to show any crash
            status, reasons, flags, label = "CRASH", (type(exc).__name__,), (str(exc)[:80],), ""
        seconds = time.perf_counter() - t0
        slow = seconds > args.budget
        failed += slow or status == "CRASH"
        print(
            f"{name:34} {len(html):>12,} {status:9} {seconds:8.3f}  "
            f"{','.join(reasons) or '-'} / {','.join(flags) or '-'} [{label}]"
            f"{'  OVER BUDGET' if slow else ''}"
        )
        del html
    print(f"{failed} input(s) crashed or went over {args.budget} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
