"""The tolerant WARC reader and the HTTP body decoder, on archives built here with planted faults."""

from __future__ import annotations

import gzip
import importlib.util
import sys
import zlib
from pathlib import Path

import brotli
import pytest

from quality.batch import payload, sources

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "make_test_warc", ROOT / "scripts" / "make_test_warc.py"
)
make_test_warc = importlib.util.module_from_spec(_spec)
sys.modules["make_test_warc"] = make_test_warc
_spec.loader.exec_module(make_test_warc)

PAGES = [
    (
        f"http://site.example/{i}.html",
        (
            f"<html><head><title>Page {i}</title></head><body><h1>Story {i}</h1>"
            + "".join(
                f"<p>Paragraph {j} of story {i} says something worth reading today.</p>"
                for j in range(60)
            )
            + "</body></html>"
        ).encode(),
    )
    for i in range(12)
]


def read_all(path: str, start: int = 0, end: int | None = None):
    totals = sources.ReadTotals()
    recs = list(sources.read_warc(sources.Source(path, "warc", start, end), totals))
    return recs, totals.of(path)


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "gz"])
def archive(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("warc")
    return make_test_warc.build(out, PAGES, gz=request.param)


def test_every_record_comes_out_once_with_planted_faults_accounted(archive):
    recs, totals = read_all(archive["path"])
    expected = {r["offset"]: r for r in archive["records"]}
    got = {r.identity["offset"]: r for r in recs}
    assert len(recs) == len(expected) == len(got)
    assert set(got) == set(expected)
    for offset, exp in expected.items():
        rec = got[offset]
        if exp["expect"] == "error":
            assert rec.error == exp["reason"]
        else:
            assert rec.error is None and rec.html
            assert rec.identity["record_id"] == exp["id"]
        if exp["expect"] == "repaired":
            assert exp["repair"] in rec.flags
        if exp["expect"] == "scored":
            assert rec.flags == ()
    junk = [f for f in archive["faults"] if f["fault"] == "junk"][0]
    assert totals.junk_bytes > 0
    assert any(
        f.reason == "warc_junk_skipped" and f.offset == junk["offset"] for f in totals.faults
    )
    assert totals.errors == 2  # the unterminated header and the non-HTTP payload
    assert totals.other_records == 1 + 2 + 1  # warcinfo, two requests, the PNG


def test_lying_lengths_recover_the_whole_page(archive):
    recs, _ = read_all(archive["path"])
    repaired = [r for r in recs if "warc_content_length_wrong" in r.flags]
    assert len(repaired) == 2
    page = PAGES[0][1]
    for rec in repaired:
        assert rec.html.endswith(page)  # the full body, neither cut nor run into the next record


def test_byte_ranges_partition_the_records_exactly(archive):
    whole = [r.key for r in read_all(archive["path"])[0]]
    size = Path(archive["path"]).stat().st_size
    for parts in (2, 3, 7):
        cuts = [size * i // parts for i in range(parts + 1)]
        keys = []
        for a, b in zip(cuts, cuts[1:]):
            keys += [r.key for r in read_all(archive["path"], a, b)[0]]
        assert keys == whole


def test_record_with_no_separator_at_eof_is_read(tmp_path):
    rec = make_test_warc.warc_record(
        1, "response", "http://a.example/", make_test_warc.http_response(b"<p>x</p>")
    )
    path = tmp_path / "a.warc"
    path.write_bytes(rec[:-4])
    recs, totals = read_all(str(path))
    assert [r.html for r in recs] == [b"<p>x</p>"]
    assert recs[0].flags == () and totals.faults == []


def test_garbage_file_gives_no_records_and_one_junk_fault(tmp_path):
    path = tmp_path / "junk.warc"
    path.write_bytes(b"not a warc at all\n" * 100)
    recs, totals = read_all(str(path))
    assert recs == []
    assert [f.reason for f in totals.faults] == ["warc_junk_skipped"]


def test_corrupt_gzip_member_costs_one_record(tmp_path):
    good = [
        gzip.compress(
            make_test_warc.warc_record(
                i, "response", f"http://a.example/{i}", make_test_warc.http_response(PAGES[i][1])
            ),
            mtime=0,
        )
        for i in range(3)
    ]
    broken = bytearray(good[1])
    broken[len(broken) // 2 : len(broken) // 2 + 20] = b"\xff" * 20
    path = tmp_path / "c.warc.gz"
    path.write_bytes(good[0] + bytes(broken) + good[2])
    recs, totals = read_all(str(path))
    assert [r.identity["offset"] for r in recs if r.error is None][0] == 0
    assert recs[-1].identity["offset"] == len(good[0]) + len(broken) and recs[-1].error is None
    assert any(f.reason == "warc_gzip_corrupt" and f.offset == len(good[0]) for f in totals.faults)


@pytest.mark.parametrize(
    "coding,encode",
    [
        ("gzip", lambda b: gzip.compress(b, mtime=0)),
        ("br", brotli.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
    ],
)
def test_content_codings_are_undone(coding, encode):
    page = PAGES[3][1]
    assert payload.decode_body(encode(page), coding, False) == (page, ())


def test_cut_brotli_keeps_what_decoded():
    import hashlib

    page = (
        b"<html><body>"
        + b"".join(
            b"<p>%s</p>" % hashlib.sha256(b"%d" % i).hexdigest().encode() for i in range(2000)
        )
        + b"</body></html>"
    )
    body, flags = payload.decode_body(brotli.compress(page)[:-200], "br", False)
    assert flags == ("http_decompress_failed",)
    assert page.startswith(body) and len(body) > len(page) // 2


def test_malformed_chunks_keep_the_text():
    body, ok = payload.dechunk(b"5\r\nhello\r\nzz\r\n world")
    assert not ok and body == b"hellozz\r\n world"
    assert payload.dechunk(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n") == (b"hello world", True)
    assert payload.decode_body(b"<p>not chunked</p>", None, True) == (
        b"<p>not chunked</p>",
        ("http_chunked_malformed",),
    )


def test_mislabelled_gzip_body_is_used_as_is():
    assert payload.decode_body(b"<p>plain</p>", "gzip", False) == (
        b"<p>plain</p>",
        ("http_decompress_failed",),
    )


def test_charset_comes_from_the_http_header(tmp_path):
    body = "<p>caf\u00e9</p>".encode("latin-1")
    rec = make_test_warc.warc_record(
        1,
        "response",
        "http://a.example/",
        make_test_warc.http_response(body, ctype="text/html; charset=ISO-8859-1"),
    )
    path = tmp_path / "cs.warc"
    path.write_bytes(rec)
    (got,), _ = read_all(str(path))
    assert got.encoding == "ISO-8859-1" and got.html == body and got.url == "http://a.example/"
