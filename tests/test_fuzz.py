"""Properties for every input: any bytes or text in, a report out; decoding never fails."""

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bad_input import check_with_model_or_stand_in, one_thread

from quality.decode import decode, prescan
from quality.inputs import Limits, prepare
from quality.records import PageReport, Status


@pytest.fixture
def check(monkeypatch):
    with one_thread():
        yield check_with_model_or_stand_in(monkeypatch)


FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Pieces of markup, so generated inputs reach the parser and the tag guard, not only the sniffers.
MARKUP = st.sampled_from(
    [
        b"<p>",
        b"</p>",
        b"<div class='a'>",
        b"</div>",
        b"<meta charset=",
        b"utf-8>",
        b"koi8-r",
        b"<!--",
        b"-->",
        b'<a href="',
        b'">',
        b'="',
        b"'",
        b"<script>",
        b"</script>",
        b"\x00",
        b"\xef\xbb\xbf",
        b"\xc3\xa9",
        b"\xe9",
        b"<frameset>",
        b"text ",
        b"\x1f\x8b",
        b"<",
        b">",
        b"{",
        b"%PDF-",
    ]
)
HTMLISH = st.lists(st.one_of(MARKUP, st.binary(max_size=8)), max_size=40).map(b"".join)


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), HTMLISH))
def test_any_bytes_give_a_report(check, data):
    report = check(data)
    assert isinstance(report, PageReport)
    assert report.status in Status
    assert abs(sum(report.scores.values()) - 1.0) < 1e-6
    report.to_dict()


@FUZZ
@given(text=st.text(max_size=500))
def test_any_text_gives_a_report(check, text):
    assert isinstance(check(text), PageReport)


@settings(max_examples=200, deadline=None)
@given(
    data=st.one_of(st.binary(max_size=3000), HTMLISH),
    declared=st.one_of(st.none(), st.text(max_size=12)),
)
def test_decode_is_total_and_deterministic(data, declared):
    first = decode(data, declared)
    assert first == decode(data, declared)
    assert isinstance(first[0], str)
    assert first[1].source in ("bom", "declared", "meta", "detected", "default")


@settings(max_examples=200, deadline=None)
@given(head=HTMLISH)
def test_prescan_names_a_known_encoding_or_nothing(head):
    name = prescan(head[:1024])
    assert name is None or decode(b"", name)[1].name == name


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(st.binary(max_size=2000), HTMLISH))
def test_prepared_text_is_parser_safe(data):
    p = prepare(gzip.compress(data) if data[:1] == b"g" else data, limits=Limits(max_attributes=5))
    assert (p.text is None) == (p.status is Status.SKIPPED)
    if p.text is not None:
        encoded = p.text.encode("utf-8")  # no lone surrogates
        assert not any(b in encoded for b in b"\x00\x01\x08\x0b\x1f\x7f")
        assert p.reasons or p.status is Status.OK
