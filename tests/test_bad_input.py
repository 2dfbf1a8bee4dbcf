"""Issue 2 item 7: every bad input gets a definite outcome through `quality.check`.

Sizes here are small enough for a fast suite; scripts/pathological.py runs the same shapes at full
size and times them. Where no trained block model is present, the classifier is replaced by a
stand-in that calls every block article: these tests are about what reaches it, not its labels.
"""

import contextlib
import gzip
import json
import random
import zlib

import brotli
import pytest
from threadpoolctl import threadpool_limits

import quality
from quality import model
from quality.errors import ModelError
from quality.records import BlockReport, Label, Status, Verdict, uniform_scores

STORY = (
    "The harbour ferry carried its first passengers in three months on Monday morning, after "
    "engineers replaced the worn drive shaft and repainted the hull."
)
PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Ferry returns</title></head><body>"
    f"<article><h1>Harbour ferry returns</h1><p>{STORY}</p><p>{STORY}</p></article>"
    "</body></html>"
).encode()


def _all_article(blocks, **_):
    reports = tuple(
        BlockReport(block=b, label=Label.ARTICLE, scores=uniform_scores(Label.ARTICLE))
        for b in blocks
    )
    return Verdict(blocks=reports, label=Label.ARTICLE, scores=uniform_scores(Label.ARTICLE))


def check_with_model_or_stand_in(monkeypatch):
    """`quality.check`, with the stand-in classifier where no trained model loads."""
    try:
        model.load_model()
    except ModelError:
        monkeypatch.setattr(model, "classify", _all_article)
    return quality.check


@contextlib.contextmanager
def one_thread():
    """Native thread pools cut to one thread while the block lives.

    sklearn's HistGradientBoosting predicts a page of a few blocks with OpenMP threads; on a
    machine with more runnable work than cores those threads stall for up to seconds per page.
    """
    with threadpool_limits(1):
        yield


@pytest.fixture
def check(monkeypatch):
    with one_thread():
        yield check_with_model_or_stand_in(monkeypatch)


def texts(report):
    return " ".join(b.block.text for b in report.blocks)


@pytest.mark.parametrize(
    "html, reason",
    [
        (b"", "empty_input"),
        ("", "empty_input"),
        (b"   \r\n\t  ", "whitespace_only"),
        (b"\xef\xbb\xbf", "empty_input"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>", "not_html_pdf"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "not_html_png"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(100), "not_html_zip"),
        (json.dumps({"items": [{"html": "<p>x</p>"}] * 50}).encode(), "not_html_json"),
        (b"!function(e){var t={};e.exports=t}(window);\n" * 50, "not_html_javascript"),
        (random.Random(1).randbytes(100_000), "binary_input"),
    ],
)
def test_nothing_to_score_is_skipped_with_the_reason(check, html, reason):
    report = check(html)
    assert report.status is Status.SKIPPED
    assert report.reasons[0] == reason
    assert report.blocks == ()


@pytest.mark.parametrize(
    "pack, flag",
    [
        (gzip.compress, "decompressed_gzip"),
        (zlib.compress, "decompressed_zlib"),
        (brotli.compress, "decompressed_brotli"),
    ],
)
def test_compressed_pages_are_read(check, pack, flag):
    report = check(pack(PAGE))
    assert report.status is Status.OK
    assert flag in report.flags
    assert STORY in texts(report)


def test_a_gzip_bomb_is_skipped():
    # 200 MB of zeros in about 200 KB: over the 100 MB default cap.
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = bytes(1_000_000)
    bomb = b"".join(packer.compress(chunk) for _ in range(200)) + packer.flush()
    report = quality.check(bomb)
    assert (report.status, report.reasons) == (Status.SKIPPED, ("decompression_bomb",))


def test_a_page_over_the_size_cap_is_cut_and_flagged(check, monkeypatch):
    from quality import inputs

    monkeypatch.setattr(inputs, "DEFAULT_LIMITS", inputs.Limits(max_bytes=5_000))
    html = PAGE.replace(b"</article>", f"<p>{STORY}</p>".encode() * 200 + b"</article>")
    report = check(html)
    assert report.status is Status.DEGRADED
    assert "truncated_input" in report.flags
    assert STORY in texts(report)


def test_nesting_far_below_the_parser_limit_keeps_its_text(check):
    html = b"<div>" * 100_000 + b"<p>Deep text survives.</p>" + b"</div>" * 100_000
    report = check(html)
    assert "Deep text survives." in texts(report)
    assert report.status is Status.DEGRADED
    assert report.flags  # the parser's depth limit is reported, never silent


@pytest.mark.parametrize("value", [b"x" * 2_000_000, b"data:image/png;base64," + b"QUJD" * 500_000])
def test_a_huge_attribute_costs_nothing_and_loses_no_text(check, value):
    report = check(b'<p title="' + value + b'">Before.</p>' + PAGE)
    assert report.status is Status.DEGRADED
    assert "huge_attribute_stripped" in report.flags
    assert "Before." in texts(report) and STORY in texts(report)


def test_a_data_uri_image_is_shortened_quietly(check):
    report = check(b'<img src="data:image/png;base64,' + b"QUJD" * 10_000 + b'">' + PAGE)
    assert report.status is Status.OK
    assert "data_uri_shortened" in report.flags


def test_a_tag_with_100k_attributes_is_cut_before_parsing(check):
    attrs = b" ".join(b"a%d=1" % i for i in range(100_000))
    report = check(b"<p " + attrs + b">Crowded tag text.</p>" + PAGE)
    assert report.status is Status.DEGRADED
    assert "too_many_attributes" in report.flags
    assert "Crowded tag text." in texts(report)


def test_nul_bytes_and_control_characters_are_removed(check):
    report = check(PAGE.replace(b"ferry carried", b"fe\x00rry\x01 carried\x0b"))
    assert report.status is Status.DEGRADED
    assert "control_chars_removed" in report.flags
    assert "ferry carried" in texts(report)


def test_a_lying_meta_charset_is_overridden(check):
    html = PAGE.replace(b"utf-8", b"iso-8859-1").replace(b"Monday", "Monday (café naïve)".encode())
    report = check(html)
    assert report.encoding.name == "utf-8"
    assert "charset_mismatch" in report.flags
    assert "café naïve" in texts(report)


def test_a_utf8_meta_on_windows_1252_bytes_is_detected(check):
    html = (PAGE.decode().replace("Monday", "Monday, à l'été près, déjà") * 3).encode(
        "windows-1252"
    )
    report = check(html)
    assert report.encoding.source == "detected"
    assert "déjà" in texts(report)


@pytest.mark.parametrize("cut", [b'<a href="/ne', b"<!-- a comment that never", b"<p>Half a sent"])
def test_a_truncated_document_keeps_what_arrived(check, cut):
    html = PAGE.split(b"</article>")[0] + cut
    report = check(html)
    assert STORY in texts(report)
    if cut.startswith(b"<a") or cut.startswith(b"<!--"):
        assert "truncated_document" in report.flags and report.status is Status.DEGRADED
    else:
        assert "Half a sent" in texts(report)


@pytest.mark.parametrize(
    "html, reason",
    [
        (
            b"<html><frameset cols='50%,50%'><frame src='a.html'><frame src='b.html'>"
            b"</frameset></html>",
            "frameset_shell",
        ),
        (
            b"<html><head><meta http-equiv='refresh' content='0; url=/home'></head>"
            b"<body></body></html>",
            "meta_refresh_shell",
        ),
        (
            b"<html><head><script src='/app.js'></script></head>"
            b"<body><div id='root'></div></body></html>",
            "script_only_shell",
        ),
    ],
)
def test_shell_pages_are_skipped_with_the_kind_of_shell(check, html, reason):
    report = check(html)
    assert report.status is Status.SKIPPED
    assert reason in report.reasons


def test_str_input_with_a_lone_surrogate(check):
    report = check(PAGE.decode().replace("Monday", "Monday \ud800"))
    assert report.status is Status.DEGRADED
    assert "surrogates_replaced" in report.flags


def test_an_xhtml_page_with_an_xml_declaration_is_read(check):
    report = check(b'<?xml version="1.0" encoding="utf-8"?>\n' + PAGE)
    assert report.status is Status.OK
    assert STORY in texts(report)
