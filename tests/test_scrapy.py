"""The Scrapy middleware: reports in meta, unwanted pages dropped, other responses untouched, and a
real crawl that reads the report in its spider."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

scrapy = pytest.importorskip("scrapy", reason="scrapy is in the test extra: pip install '.[test]'")

from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

from quality.scrapy import QualityMiddleware

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "data" / "examples" / "harbour-ferry.html"
LINKS_ONLY = (
    b"<html><body><ul>"
    + b"".join(b'<li><a href="/%d">Section %d</a></li>' % (i, i) for i in range(30))
    + b"</ul></body></html>"
)
URL = "https://news.example/a"


def middleware(**settings) -> QualityMiddleware:
    return QualityMiddleware.from_crawler(get_crawler(settings_dict=settings))


def html_response(body: bytes, content_type: bytes = b"text/html; charset=utf-8") -> HtmlResponse:
    return HtmlResponse(
        URL, body=body, headers={"Content-Type": content_type}, request=Request(URL)
    )


def test_report_goes_into_meta_and_stats():
    mw = middleware()
    response = html_response(ARTICLE.read_bytes())
    assert mw.process_response(response.request, response) is response
    report = response.meta["quality"]
    assert report.label.value == "article"
    assert report.url == URL
    assert "Harbour city launches electric ferry service" in report.text
    assert mw.stats.get_value("quality/label/article") == 1
    assert mw.stats.get_value("quality/status/ok") == 1


def test_pages_with_other_labels_are_dropped_when_asked():
    mw = middleware(QUALITY_KEEP=["article"])
    article = html_response(ARTICLE.read_bytes())
    assert mw.process_response(article.request, article) is article
    links = html_response(LINKS_ONLY)
    with pytest.raises(IgnoreRequest, match="boilerplate"):
        mw.process_response(links.request, links)
    assert links.meta["quality"].label.value == "boilerplate"  # the errback can still read why
    assert mw.stats.get_value("quality/dropped/boilerplate") == 1
    assert mw.stats.get_value("quality/dropped/article") is None


def test_declared_charset_is_used():
    body = "<html><body><p>Café au lait, crème brûlée et pâtisserie fine.</p></body></html>"
    response = html_response(body.encode("cp1252"), b"text/html; charset=windows-1252")
    middleware().process_response(response.request, response)
    report = response.meta["quality"]
    assert report.encoding.source == "declared"
    assert "Café au lait, crème brûlée" in report.blocks[0].block.text


def test_responses_that_are_not_html_pass_untouched():
    mw = middleware(QUALITY_KEEP=["article"])
    png = Response(URL, body=b"\x89PNG\r\n\x1a\n", headers={"Content-Type": b"image/png"})
    png.request = Request(URL)
    as_json = TextResponse(
        URL, body=b'{"a": 1}', headers={"Content-Type": b"application/json"}, request=Request(URL)
    )
    for response in (png, as_json):
        assert mw.process_response(response.request, response) is response
        assert "quality" not in response.request.meta
    assert mw.stats.get_value("quality/label/boilerplate") is None


def test_unknown_label_in_settings_is_a_clear_error():
    with pytest.raises(ValueError, match="QUALITY_KEEP has articles"):
        middleware(QUALITY_KEEP=["articles"])


SPIDER = """
import scrapy


class Pages(scrapy.Spider):
    name = "pages"
    custom_settings = {
        "DOWNLOADER_MIDDLEWARES": {"quality.scrapy.QualityMiddleware": 120},
        "QUALITY_KEEP": ["article"],
        "LOG_LEVEL": "WARNING",
        # no listening ports in a test run
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
    }

    async def start(self):  # Scrapy 2.13 and later
        for request in self.start_requests():
            yield request

    def start_requests(self):  # earlier Scrapy
        for url in URLS:
            yield scrapy.Request(url, errback=self.dropped)

    def parse(self, response):
        report = response.meta["quality"]
        yield {"url": response.url, "label": report.label.value, "kept": True}

    def dropped(self, failure):
        report = failure.request.meta["quality"]
        yield {"url": failure.request.url, "label": report.label.value, "kept": False}
"""


def test_a_real_crawl_reads_the_report_and_drops_the_rest(tmp_path):
    links = tmp_path / "links.html"
    links.write_bytes(LINKS_ONLY)
    urls = [ARTICLE.as_uri(), links.as_uri()]
    spider = tmp_path / "spider.py"
    spider.write_text(f"URLS = {urls!r}\n" + SPIDER)
    out = tmp_path / "items.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", str(spider), "-o", f"{out}:jsonl"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    items = sorted((json.loads(line) for line in out.read_text().splitlines()), key=str)
    assert sorted(items, key=lambda i: i["url"]) == sorted(
        [
            {"url": ARTICLE.as_uri(), "label": "article", "kept": True},
            {"url": links.as_uri(), "label": "boilerplate", "kept": False},
        ],
        key=lambda i: i["url"],
    )
