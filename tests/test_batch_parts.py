"""Batch pieces without worker processes: resume keys, site counting, partitions, the reader on any bytes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from quality.batch import output, sources, sites
from quality.batch.distributed import partitions
from quality.batch.runner import make_line
from quality.batch.sources import Record, Source

from test_batch_warc import make_test_warc


def test_resume_keys_survive_a_torn_last_line(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text(
        json.dumps({"id": "a"}) + "\n" + json.dumps({"id": "b"}) + "\n" + '{"id": "c", "st'
    )
    done = output.load_done(str(path))
    assert "a" in done and "b" in done and "c" not in done and len(done) == 2
    assert path.read_text().endswith('"b"}\n')  # the torn line is gone, so appending is clean


def test_writer_appends_whole_lines(tmp_path):
    path = str(tmp_path / "o.jsonl")
    with output.Writer(path, append=False) as w:
        w.write({"id": "x", "text": "caf\u00e9\nline"})
    with output.Writer(path, append=True) as w:
        w.write({"id": "y"})
    assert [json.loads(x)["id"] for x in open(path, encoding="utf-8")] == ["x", "y"]


def test_site_template_needs_enough_pages_and_share():
    counts = sites.SiteCounts()
    for i in range(10):
        counts.add([1, 100 + i] + ([2] if i < 3 else []) + ([3] if i < 2 else []))
    # key 1 on 10/10 pages, key 2 on 3/10 (= 30 %), key 3 on 2/10, the rest on one page each
    assert counts.template() == frozenset({1, 2})
    small = sites.SiteCounts()
    for _ in range(sites.MIN_SITE_PAGES - 1):
        small.add([1])
    assert small.template() == frozenset()


def test_site_pass_finds_the_shared_navigation(tmp_path):
    from quality.blocks import text_key
    from quality.batch.workers import Options

    site = tmp_path / "site"
    site.mkdir()
    nav = "Home | World | Sport | Contact the newsroom"
    for i in range(6):
        (site / f"{i}.html").write_text(
            f"<html><body><div class=nav>{nav}</div><h1>Story {i}</h1>"
            f"<p>Unique paragraph number {i} of this site.</p></body></html>"
        )
    recs = sources.read(sources.expand([str(site)]), sources.ReadTotals())
    counted = sites.count_sites(recs, 1, Options(timeout=30))
    found = sites.templates(counted)
    assert list(found) == [str(site)]
    assert text_key(nav) in found[str(site)]
    assert text_key("Unique paragraph number 0 of this site.") not in found[str(site)]


def test_partitions_cut_big_warcs_and_group_small_files(tmp_path):
    big = tmp_path / "big.warc"
    big.write_bytes(b"x" * 2500)
    small = []
    for i in range(5):
        p = tmp_path / f"{i}.html"
        p.write_bytes(b"y" * 400)
        small.append(Source(str(p), "html"))
    parts = partitions([Source(str(big), "warc"), *small], 1000)
    assert [(s.start, s.end) for [s] in parts[:3]] == [(0, 1000), (1000, 2000), (2000, 2500)]
    assert [len(g) for g in parts[3:]] == [3, 2]


def test_read_flags_make_a_scored_line_degraded():
    rec = Record(
        "w@5", {"source": "warc", "file": "w", "offset": 5}, flags=("warc_record_truncated",)
    )
    line = make_line(
        rec, {"status": "ok", "label": "article", "flags": ["charset_mismatch"], "url": None}
    )
    assert line["status"] == "degraded" and line["flags"] == [
        "warc_record_truncated",
        "charset_mismatch",
    ]
    assert line["id"] == "w@5" and line["offset"] == 5


_RECORD = make_test_warc.warc_record(
    1, "response", "http://a.example/", make_test_warc.http_response(b"<p>hello</p>")
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.just(_RECORD),
            st.binary(max_size=80),
            st.integers(1, len(_RECORD) - 1).map(lambda n: _RECORD[:n]),
            st.just(b"WARC/1.0\r\nContent-Length: 99999\r\n\r\n"),
        ),
        max_size=8,
    )
)
def test_reader_never_fails_and_never_repeats_a_record(tmp_path_factory, segments):
    path = tmp_path_factory.mktemp("h") / "x.warc"
    data = b"".join(segments)
    path.write_bytes(data)
    totals = sources.ReadTotals()
    recs = list(sources.read_warc(Source(str(path), "warc"), totals))
    keys = [r.key for r in recs]
    assert len(keys) == len(set(keys))
    assert all(0 <= r.identity["offset"] < max(len(data), 1) for r in recs)
    whole = data.count(_RECORD[:-4])  # a record is whole without its trailing separator
    assert sum(1 for r in recs if r.html == b"<p>hello</p>" and not r.flags) <= whole
    assert len(recs) >= (1 if whole else 0)


def test_plain_archive_behind_two_gzip_like_bytes_keeps_its_record(tmp_path):
    # found by the test above: b"\x1f\x8b" and then a whole plain record once read as gzip, with no
    # member to find, and gave nothing back
    path = tmp_path / "x.warc"
    path.write_bytes(b"\x1f\x8b" + _RECORD)
    totals = sources.ReadTotals()
    recs = list(sources.read_warc(Source(str(path), "warc"), totals))
    assert [(r.html, r.flags) for r in recs] == [(b"<p>hello</p>", ())]
    assert recs[0].identity["offset"] == 2


_MEMBER = __import__("gzip").compress(_RECORD, mtime=0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.just(_MEMBER),
            st.binary(max_size=60),
            st.integers(1, len(_MEMBER) - 1).map(lambda n: _MEMBER[:n]),
        ),
        max_size=8,
    )
)
def test_gzip_reader_never_fails_and_finds_every_whole_member(tmp_path_factory, segments):
    path = tmp_path_factory.mktemp("g") / "x.warc.gz"
    data = _MEMBER + b"".join(segments)  # starts with a member, so the file is read as gzip
    path.write_bytes(data)
    recs = list(sources.read_warc(Source(str(path), "warc"), sources.ReadTotals()))
    keys = [r.key for r in recs]
    assert len(keys) == len(set(keys))
    good = sum(1 for r in recs if r.html == b"<p>hello</p>" and not r.flags)
    assert 1 <= good <= data.count(_MEMBER)
    assert good == data.count(_MEMBER) or any(s != _MEMBER for s in segments)


def test_worker_warm_up_page_loads_every_model_check_uses():
    """Each worker checks WARM_UP_PAGE before its first record, so that no record's deadline pays
    for loading a model: the page must make `check` load the spin and clickbait models too."""
    import quality
    from quality.batch.workers import WARM_UP_PAGE
    from quality.signals._models import load_model

    load_model.cache_clear()
    report = quality.check(WARM_UP_PAGE)
    assert report.label.value == "article"
    assert load_model.cache_info().currsize == 2  # spin and clickbait
