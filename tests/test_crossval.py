"""The pieces of train-split cross-validation that need no data: sites, table subsets, replayed labels."""

import numpy as np
import pytest

from quality.corpus import Page
from quality.evaluation import _replay, _table_subset, site_of
from quality.train import Table
from tests.blockfactory import make_page


def page_with(tmp_path, html: bytes, gold: bytes = b"", gold_format: str = "dragnet") -> Page:
    (tmp_path / "p.html").write_bytes(html)
    (tmp_path / "g.txt").write_bytes(gold)
    return Page("set", "1", "train", gold_format, tmp_path / "p.html", tmp_path / "g.txt")


def test_site_from_cleaneval_url_line(tmp_path):
    page = page_with(
        tmp_path, b"<html></html>", b"URL: http://www.Example.org/a/b.html\n<p>Text", "cleaneval"
    )
    assert site_of(page) == "example.org"


def test_site_from_canonical_link_or_none(tmp_path):
    html = (
        b'<html><head><link rel="canonical" href="https://news.example.com/story/1"></head></html>'
    )
    assert site_of(page_with(tmp_path, html)) == "news.example.com"
    assert site_of(page_with(tmp_path, b"<html><p>No link here</p></html>")) is None


def test_table_subset_keeps_the_pages_rows_and_renumbers_them():
    table = Table(
        X=np.arange(10, dtype=float).reshape(5, 2),
        y=np.array([1, 0, 1, 1, 0]),
        l3s_class=np.full(5, -1),
        page=np.array([0, 0, 1, 2, 2]),
        chars=np.ones(5),
        pages=["a", "b", "c"],
        group=np.array([0, 0, 1, 2, 2]),
    )
    sub = _table_subset(table, np.array([0, 2]))
    assert sub.page.tolist() == [0, 0, 1, 1]
    assert sub.pages == ["a", "c"]
    assert sub.X[:, 0].tolist() == [0.0, 2.0, 6.0, 8.0]
    assert sub.y.tolist() == [1, 0, 1, 0]


def test_replayed_labels_come_in_order_and_must_fit_the_page():
    label = _replay([np.array([True, False]), np.array([True])])
    assert label(make_page("a", "b"), "").tolist() == [True, False]
    with pytest.raises(ValueError):
        label(make_page("a", "b"), "")
