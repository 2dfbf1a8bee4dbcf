"""A Scrapy downloader middleware: each HTML response is checked before the spider sees it.

Enable it in a project's settings::

    DOWNLOADER_MIDDLEWARES = {"quality.scrapy.QualityMiddleware": 120}
    QUALITY_KEEP = ["article"]  # optional: drop every other page before the spider sees it

The spider then finds the page's `quality.PageReport` in ``response.meta["quality"]``: its label,
scores, reasons and every block (``report.text`` is the article text without low-quality blocks).

At 120, the middleware sees a response after Scrapy's own middlewares have retried, redirected
and decompressed it (their ``process_response`` runs from the highest number down).

Settings:

``QUALITY_KEEP``
    Labels (``article``, ``boilerplate``, ``low_quality``) whose pages go on to the spider. Other
    pages are dropped with ``IgnoreRequest``, which calls the request's errback if it has one. Empty
    (the default): every page goes on, with its report.
``QUALITY_META_KEY``
    The ``request.meta`` key of the report (default ``"quality"``).

Stats: ``quality/label/<label>``, ``quality/status/<status>`` and ``quality/dropped/<label>`` per
page checked. Responses that are not HTML (images, PDF, JSON...) pass untouched and are not checked.
`quality.check` runs in the crawl's own thread: a median 8 ms of CPU a page on the dev pages.
"""

from __future__ import annotations

import logging
import re

import quality

log = logging.getLogger(__name__)

LABELS = ("article", "boilerplate", "low_quality")
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


class QualityMiddleware:
    """Put each HTML response's `quality.check` report in its request's meta; drop unwanted pages."""

    def __init__(self, keep=(), meta_key: str = "quality", stats=None):
        unknown = sorted(set(keep) - set(LABELS))
        if unknown:
            raise ValueError(
                f"QUALITY_KEEP has {', '.join(unknown)}: labels are {', '.join(LABELS)}"
            )
        self.keep = frozenset(keep)
        self.meta_key = meta_key
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            keep=settings.getlist("QUALITY_KEEP"),
            meta_key=settings.get("QUALITY_META_KEY", "quality"),
            stats=crawler.stats,
        )

    def process_response(self, request, response, spider=None):
        if not _is_html(response):
            return response
        report = quality.check(
            response.body, url=response.url, encoding=_declared_charset(response)
        )
        request.meta[self.meta_key] = report
        label = report.label.value
        self._count(f"quality/label/{label}")
        self._count(f"quality/status/{report.status.value}")
        if self.keep and label not in self.keep:
            from scrapy.exceptions import IgnoreRequest

            self._count(f"quality/dropped/{label}")
            log.debug("dropped %s: %s (%s)", response.url, label, ", ".join(report.reasons))
            raise IgnoreRequest(f"quality: {label} ({', '.join(report.reasons)})")
        return response

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def _is_html(response) -> bool:
    from scrapy.http import HtmlResponse

    if isinstance(response, HtmlResponse):
        return True
    content_type = response.headers.get(b"Content-Type") or b""
    return b"html" in content_type.lower()  # application/xhtml+xml is an XmlResponse


def _declared_charset(response) -> str | None:
    """The charset of the Content-Type header, if any: `quality.check` weighs it as a browser does."""
    found = _CHARSET.search(response.headers.get(b"Content-Type") or b"")
    return found.group(1).decode("ascii") if found else None
