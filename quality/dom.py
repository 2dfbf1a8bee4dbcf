"""The only module that knows the HTML parser.

lxml (libxml2) parses a median news page in about a millisecond. libxml2 stops building the tree
past a nesting depth (256 levels, 2048 with ``huge_tree``) and drops the rest of the document with
only an entry in the error log, so `parse` reads that log and, when it fires, parses again from a
flattened copy of the markup in which only the tags that never nest deeply are kept.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lxml import etree

_local = threading.local()

# Tags kept when deep markup is flattened: they close themselves when repeated, so they cannot nest
# deeply, and they carry the page's title, paragraphs, headings and links.
_FLAT_KEEP = frozenset(
    "html head body title p h1 h2 h3 h4 h5 h6 a br script style noscript template li".split()
)
_FLAT_BLOCK = frozenset(
    "div section article main aside nav header footer ul ol table tr td th form blockquote "
    "dl dt dd pre figure figcaption center fieldset".split()
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})([^>]{0,4000})>")


@dataclass(frozen=True, slots=True)
class Parsed:
    root: etree._Element | None
    flags: tuple[str, ...] = ()


def _parser() -> etree.HTMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        # No id hash table: nothing looks elements up by id, and filling it is 6 % of a parse.
        parser = etree.HTMLParser(
            huge_tree=True,
            remove_comments=True,
            remove_pis=True,
            no_network=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def _flatten(text: str) -> str:
    """Markup with every deeply nestable tag removed or turned into a line break."""

    def keep(m: re.Match) -> str:
        name = m.group(2).lower()
        if name in _FLAT_KEEP:
            return m.group(0)
        return "<br>" if name in _FLAT_BLOCK else " "

    return _TAG.sub(keep, text)


def _too_deep(parser: etree.HTMLParser) -> bool:
    return any("Excessive depth" in e.message for e in parser.error_log)


def parse(text: str) -> Parsed:
    """Parse markup into an element tree, flattening it where libxml2 would drop deep content."""
    parser = _parser()
    try:
        root = etree.fromstring(text, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is not None and _too_deep(parser):
        try:
            root = etree.fromstring(_flatten(text), parser)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            root = None
        return Parsed(root, ("nesting_flattened",))
    return Parsed(root)


def title_of(root: etree._Element) -> str:
    """The text of the page's first <title>, whitespace folded."""
    # libxml2 puts a page's title in head; the document-order search is the fallback that walks
    # the whole tree (0.1 ms a page), so it runs only when head has none.
    el = root.find("head/title")
    if el is None:
        el = next(root.iter("title"), None)
    return "" if el is None else " ".join((el.text or "").split())


def walk(root: etree._Element):
    """Start and end events over the tree, without recursion; `skip` prunes the current subtree."""
    return etree.iterwalk(root, events=("start", "end"))


def shell_reasons(root: etree._Element) -> tuple[str, ...]:
    """Why a page with no visible text is a shell: frames, a meta refresh, or only scripts."""
    reasons = []
    if next(root.iter("frameset", "frame"), None) is not None:
        reasons.append("frameset_shell")
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "refresh":
            reasons.append("meta_refresh_shell")
            break
    if not reasons and next(root.iter("script"), None) is not None:
        reasons.append("script_only_shell")
    return tuple(reasons)
