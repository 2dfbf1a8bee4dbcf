"""Decoding in a browser's order: BOM, declared label, <meta> prescan, detection, default."""

import pytest

from quality.decode import decode, decode_explained, encoding_name, prescan


@pytest.mark.parametrize(
    "label, name",
    [
        ("latin1", "windows-1252"),
        ("ISO-8859-1", "windows-1252"),
        ("ascii", "windows-1252"),
        ("us-ascii", "windows-1252"),
        ("x-sjis", "shift_jis"),
        (" UTF8\t", "utf-8"),
        ("gb2312", "gbk"),
        ("iso8859-2", "iso-8859-2"),
        ("ks_c_5601-1987", "euc-kr"),
        ("utf-16", "utf-16le"),
        ("tis-620", "windows-874"),
    ],
)
def test_labels_follow_the_whatwg_table(label, name):
    assert encoding_name(label) == name


@pytest.mark.parametrize("label", ["iso-2022-kr", "hz-gb-2312", "no-such-charset", "", "utf-7"])
def test_unknown_and_replacement_labels_name_nothing(label):
    assert encoding_name(label) is None


@pytest.mark.parametrize(
    "data, name, text",
    [
        (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "utf-8", "<p>café</p>"),
        ("\ufeff<p>café</p>".encode("utf-16-le"), "utf-16le", "<p>café</p>"),
        ("\ufeff<p>café</p>".encode("utf-16-be"), "utf-16be", "<p>café</p>"),
    ],
)
def test_a_byte_order_mark_wins_over_every_label(data, name, text):
    got, enc = decode(data + b"<meta charset=koi8-r>", declared="windows-1251")
    assert (enc.name, enc.source) == (name, "bom")
    assert got.startswith(text)


def test_the_declared_charset_comes_before_the_meta():
    data = "<meta charset=iso-8859-2><p>Łódź</p>".encode("windows-1250")
    text, enc = decode(data, declared="windows-1250")
    assert (enc.name, enc.source) == ("windows-1250", "declared")
    assert "Łódź" in text


def test_an_unknown_declared_label_is_ignored_for_the_meta():
    data = "<meta charset=iso-8859-2><p>Łódź</p>".encode("iso-8859-2")
    text, enc = decode(data, declared="no-such-charset")
    assert (enc.name, enc.source) == ("iso-8859-2", "meta")
    assert "Łódź" in text


@pytest.mark.parametrize(
    "head, name",
    [
        (b'<meta charset="euc-jp">', "euc-jp"),
        (b"<meta http-equiv=Content-Type content='text/html; charset=koi8-r'>", "koi8-r"),
        (b"<meta content='text/html; charset=koi8-r' http-equiv='content-type'>", "koi8-r"),
        (b"<meta content='text/html; charset=koi8-r'>", None),  # content without the pragma
        (b"<!-- <meta charset=koi8-r> --><meta charset=big5>", "big5"),
        (b"<meta charset=utf-16le>", "utf-8"),
        (b"<meta charset=x-user-defined>", "windows-1252"),
        (b"<meta charset=koi8-r", None),  # the bytes end inside the tag
        (b'<p title="<meta charset=koi8-r>">', None),
        (b"<metacharset=koi8-r>", None),
    ],
)
def test_the_meta_prescan(head, name):
    assert prescan(head) == name


def test_a_meta_past_the_first_kilobyte_still_counts():
    data = b"<!--" + b"x" * 3000 + b"--><meta charset=koi8-r><p>\xf0\xd2\xc9\xd7\xc5\xd4</p>"
    text, enc = decode(data)
    assert (enc.name, enc.source) == ("koi8-r", "meta")
    assert "Привет" in text


def test_a_legacy_meta_on_utf8_bytes_gives_way_to_utf8():
    data = "<meta charset=iso-8859-1><p>naïve café</p>".encode()
    result = decode_explained(data)
    assert result.encoding.name == "utf-8"
    assert "naïve café" in result.text
    assert "charset_mismatch" in result.flags


def test_browser_mode_follows_the_lying_meta():
    data = "<meta charset=iso-8859-1><p>café</p>".encode()
    text, enc = decode(data, browser=True)
    assert (enc.name, enc.source) == ("windows-1252", "meta")
    assert "cafÃ©" in text


def test_a_utf8_meta_on_legacy_bytes_falls_through_to_detection():
    body = "Le cœur a ses raisons que la raison ne connaît point. Été, hiver, à bientôt. " * 20
    data = ("<meta charset=utf-8><p>" + body + "</p>").encode("windows-1252")
    result = decode_explained(data)
    assert result.encoding.source == "detected"
    assert "charset_mismatch" in result.flags
    assert "connaît" in result.text and "\ufffd" not in result.text


def test_a_few_bad_bytes_in_utf8_keep_the_label_and_are_counted():
    data = ("<meta charset=utf-8><p>" + "café " * 200 + "</p>").encode() + b"\xff"
    result = decode_explained(data)
    assert (result.encoding.name, result.encoding.source) == ("utf-8", "meta")
    assert result.bad_chars == 1


def test_windows_1252_keeps_its_five_undefined_bytes_as_c1_controls():
    text, enc = decode(b"<p>\x81\x8d\x80</p>", declared="windows-1252")
    assert text == "<p>\x81\x8d\u20ac</p>"


def test_unlabelled_ascii_is_windows_1252_by_default_as_in_a_browser():
    text, enc = decode(b"<p>plain</p>")
    assert (enc.name, enc.source) == ("windows-1252", "default")
    assert text == "<p>plain</p>"


def test_unlabelled_utf8_is_detected():
    text, enc = decode("<p>Grüße aus Köln</p>".encode())
    assert (enc.name, enc.source) == ("utf-8", "detected")
    assert text == "<p>Grüße aus Köln</p>"


def test_unlabelled_gbk_is_detected():
    body = "你好，世界。这是一个用来测试编码检测的句子，里面有足够多的汉字。" * 5
    text, enc = decode(("<p>" + body + "</p>").encode("gbk"))
    assert enc.source == "detected"
    assert enc.name in ("gbk", "gb18030")
    assert body in text


def test_unlabelled_iso_2022_jp_is_recognised_by_its_escapes():
    data = "<p>日本語のテキスト</p>".encode("iso2022_jp")
    text, enc = decode(data)
    assert enc.name == "iso-2022-jp"
    assert "日本語のテキスト" in text


@pytest.mark.parametrize("data", [b"", b"\xff" * 10, bytes(range(256)), b"\xfe\xff\xd8"])
@pytest.mark.parametrize("declared", [None, "utf-8", "bogus", "utf-16be", "iso-2022-jp"])
def test_decode_never_raises(data, declared):
    text, enc = decode(data, declared)
    assert isinstance(text, str) and enc.name


@pytest.mark.parametrize("codec, name", [("utf-16-le", "utf-16le"), ("utf-16-be", "utf-16be")])
def test_utf16_without_a_bom_is_recognised_by_its_nul_bytes(codec, name):
    text, enc = decode("<html><body><p>Grüße, ferry</p></body></html>".encode(codec))
    assert (enc.name, enc.source) == (name, "detected")
    assert text == "<html><body><p>Grüße, ferry</p></body></html>"


@pytest.mark.parametrize(
    "header", ["text/html; charset=KOI8-R", 'text/html;charset="koi8-r"', "koi8-r"]
)
def test_a_whole_content_type_value_is_accepted_as_the_declared_charset(header):
    text, enc = decode("<p>Привет</p>".encode("koi8-r"), declared=header)
    assert (enc.name, enc.source) == ("koi8-r", "declared")
    assert text == "<p>Привет</p>"


def test_a_server_default_latin1_header_on_utf8_bytes_gives_way_to_utf8():
    result = decode_explained("<p>Grüße aus Köln</p>".encode(), declared="ISO-8859-1")
    assert (result.encoding.name, result.encoding.source) == ("utf-8", "detected")
    assert result.text == "<p>Grüße aus Köln</p>"
    assert result.flags == ("charset_mismatch",)
