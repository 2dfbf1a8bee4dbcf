"""prepare(): what reaches the parser, and the codes saying what was done to get there."""

import gzip
import zlib

import brotli
import pytest

from quality.inputs import Limits, Prepared, prepare
from quality.records import Status

PAGE = b"<html><head><title>T</title></head><body><p>The ferry runs again.</p></body></html>"


def test_wrong_types_raise_type_error_at_once():
    for bad in (None, 12, ["<p>x</p>"], {"html": ""}):
        with pytest.raises(TypeError):
            prepare(bad)
    with pytest.raises(TypeError):
        prepare(PAGE, encoding=b"utf-8")


def test_a_plain_page_passes_untouched():
    p = prepare(PAGE)
    assert isinstance(p, Prepared)
    assert (p.text, p.status, p.reasons, p.flags) == (PAGE.decode(), Status.OK, (), ())


def test_str_input_is_used_as_it_is():
    p = prepare("<p>déjà vu</p>")
    assert p.text == "<p>déjà vu</p>"
    assert p.encoding.source == "text"


@pytest.mark.parametrize(
    "html, reason",
    [
        (b"", "empty_input"),
        ("", "empty_input"),
        (b"\xef\xbb\xbf", "empty_input"),
        ("\ufeff", "empty_input"),
        (b" \r\n\t ", "whitespace_only"),
        ("\n\n", "whitespace_only"),
    ],
)
def test_nothing_to_read_is_skipped(html, reason):
    p = prepare(html)
    assert (p.status, p.reasons, p.text) == (Status.SKIPPED, (reason,), None)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"%PDF-1.4\n1 0 obj", "not_html_pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_html_png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "not_html_jpeg"),
        (b"GIF89a\x01\x00", "not_html_gif"),
        (b"PK\x03\x04\x14\x00", "not_html_zip"),
        (b'{"title": "<b>not a page</b>", "n": 1}', "not_html_json"),
        (b"  [1, 2, 3]", "not_html_json"),
        (b"(function(){ var x = 1; })();", "not_html_javascript"),
        (b"'use strict';\nconst a = require('a');", "not_html_javascript"),
        (bytes(range(256)) * 40, "binary_input"),
    ],
)
def test_non_html_is_sniffed_from_the_bytes(data, reason):
    p = prepare(data)
    assert (p.status, p.reasons) == (Status.SKIPPED, (reason,))


@pytest.mark.parametrize(
    "pack, kind",
    [
        (gzip.compress, "gzip"),
        (zlib.compress, "zlib"),
        (brotli.compress, "brotli"),
        (lambda b: gzip.compress(gzip.compress(b)), "gzip"),
    ],
)
def test_compressed_bodies_are_inflated(pack, kind):
    p = prepare(pack(PAGE))
    assert p.text == PAGE.decode()
    assert f"decompressed_{kind}" in p.flags
    assert p.status is Status.OK


def test_a_body_inflating_past_the_cap_is_a_bomb():
    bomb = gzip.compress(bytes(2_000_000))
    p = prepare(bomb, limits=Limits(max_decompressed_bytes=1_000_000))
    assert (p.status, p.reasons) == (Status.SKIPPED, ("decompression_bomb",))


def test_a_brotli_bomb_is_stopped_at_the_cap():
    bomb = brotli.compress(bytes(5_000_000))
    p = prepare(bomb, limits=Limits(max_decompressed_bytes=1_000_000))
    assert (p.status, p.reasons) == (Status.SKIPPED, ("decompression_bomb",))


def test_a_cut_gzip_stream_keeps_what_inflated():
    packed = gzip.compress(PAGE * 50)
    p = prepare(packed[: len(packed) // 2])
    assert p.text and p.text.startswith("<html><head>")


def test_pages_over_the_cap_are_cut_and_flagged():
    p = prepare(PAGE * 100, limits=Limits(max_bytes=1000))
    assert len(p.text) == 1000
    assert p.status is Status.DEGRADED
    assert "truncated_input" in p.reasons and "truncated_input" in p.flags


def test_nul_and_control_characters_are_removed():
    p = prepare(b"<p>fer\x00ry\x01 runs\x0b again\x7f</p>\t\n")
    assert p.text == "<p>ferry runs again</p>\t\n"
    assert p.status is Status.DEGRADED and "control_chars_removed" in p.reasons


def test_lone_surrogates_in_str_input_are_replaced():
    p = prepare("<p>a\ud800b</p>")
    assert p.text == "<p>a\ufffdb</p>"
    assert "surrogates_replaced" in p.reasons


def test_a_huge_attribute_is_emptied_and_the_text_after_it_kept():
    html = b'<p title="' + b"x" * 5000 + b'" class=lead>Kept text.</p>'
    p = prepare(html, limits=Limits(max_attribute_chars=1000))
    assert p.text == '<p title="" class="lead">Kept text.</p>'
    assert "huge_attribute_stripped" in p.reasons


def test_a_long_data_uri_is_cut_to_its_header_without_degrading():
    html = b'<img alt="x" src="data:image/png;base64,' + b"QUJD" * 1000 + b'"><p>Text.</p>'
    p = prepare(html)
    assert p.text == '<img alt="x" src="data:image/png;base64,"><p>Text.</p>'
    assert "data_uri_shortened" in p.flags and p.status is Status.OK


def test_a_tag_with_too_many_attributes_keeps_the_first_ones():
    attrs = " ".join(f"a{i}=1" for i in range(50))
    p = prepare(f"<p {attrs}>Text.</p>".encode(), limits=Limits(max_attributes=10))
    kept = " ".join(f'a{i}="1"' for i in range(10))
    assert p.text == f"<p {kept}>Text.</p>"
    assert "too_many_attributes" in p.reasons


def test_quoted_angle_brackets_do_not_hide_a_crowded_tag():
    attrs = " ".join(f'a{i}=">"' for i in range(50))
    p = prepare(f"<p {attrs}>Text.</p>".encode(), limits=Limits(max_attributes=10))
    assert p.text.endswith(">Text.</p>")
    assert p.text.count("=") == 10
    assert "too_many_attributes" in p.reasons


def test_ordinary_long_tags_are_left_alone():
    html = '<img srcset="' + ", ".join(f"/img/{i}.jpg {i}w" for i in range(150)) + '"><p>x</p>'
    p = prepare(html)
    assert p.text == html and p.status is Status.OK


@pytest.mark.parametrize("tail", ['<a href="/next', "<!-- cut off", "</di"])
def test_a_document_cut_inside_markup_is_flagged(tail):
    p = prepare(PAGE[:-14] + tail.encode())
    assert p.status is Status.DEGRADED and "truncated_document" in p.reasons


def test_a_missing_closing_html_tag_is_not_truncation():
    p = prepare(b"<p>Ends without closing tags")
    assert p.status is Status.OK


def test_a_lying_meta_is_overridden_and_said():
    p = prepare("<meta charset=iso-8859-1><p>café</p>".encode())
    assert "café" in p.text
    assert p.encoding.name == "utf-8" and "charset_mismatch" in p.reasons


def test_the_declared_encoding_is_passed_to_decoding():
    p = prepare("<p>Привет</p>".encode("koi8-r"), encoding="koi8-r")
    assert p.text == "<p>Привет</p>"
    assert (p.encoding.name, p.encoding.source) == ("koi8-r", "declared")


def test_a_leading_xml_declaration_is_dropped_for_lxml():
    p = prepare(b'<?xml version="1.0" encoding="utf-8"?>\n<html><body><p>x</p></body></html>')
    assert p.text == "\n<html><body><p>x</p></body></html>"
    assert p.status is Status.OK


def test_a_stray_quote_in_a_crowded_tag_is_rewritten_once():
    attrs = " ".join(f"a{i}=1" for i in range(30))
    html = f'<p {attrs} b=x"y {attrs}>Text.</p><p>After.</p>'
    p = prepare(html, limits=Limits(max_attributes=5))
    assert p.text.count("Text.") == 1 and p.text.endswith("Text.</p><p>After.</p>")
    assert p.text.count("=") == 5


def test_plain_text_that_opens_with_a_bracket_is_not_json():
    p = prepare(b"[1] Introduction\n\nThe ferry runs again after three months.")
    assert p.status is Status.OK


def test_utf16_without_a_bom_is_read_not_skipped_as_binary():
    p = prepare("<html><body><p>The ferry runs again.</p></body></html>".encode("utf-16-le"))
    assert p.status is Status.OK
    assert p.text == "<html><body><p>The ferry runs again.</p></body></html>"
