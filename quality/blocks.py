"""Segmentation of a parsed page into text blocks.

A block is the text between two block-level boundaries (a paragraph, a heading, a list item, a
table cell...), as jusText and boilerpipe cut pages. The walk is a flat loop over start and end
events with an explicit stack, so a page nested 2,000 levels deep costs no Python recursion.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from .dom import walk
from .records import Block

# Elements whose text is never page text a reader sees.
SKIP = frozenset(
    "script style noscript template head svg math iframe object embed select option datalist "
    "textarea button canvas audio video map".split()
)
BLOCK = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt "
    "fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 header hgroup hr "
    "html legend li main menu nav ol p pre section summary table tbody td tfoot th thead tr ul "
    "noframes label".split()
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Context flags: which open elements put a block "in" a region; ARIA roles count the same.
REGION = {
    "ul": "list", "ol": "list", "dl": "list", "menu": "list", "li": "list",
    "table": "table", "form": "form", "header": "header", "footer": "footer",
    "nav": "nav", "aside": "aside", "main": "main", "article": "main",
}
ROLE_REGION = {
    "navigation": "nav", "banner": "header", "contentinfo": "footer",
    "complementary": "aside", "main": "main", "article": "main", "form": "form",
    "search": "form", "menu": "nav", "menubar": "nav",
}
REGIONS = ("list", "table", "form", "header", "footer", "nav", "aside", "main")
MAX_TOKENS = 24  # class/id words kept per block, innermost last; deeper ones rarely add signal

_WORD = re.compile(r"[a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@lru_cache(maxsize=8192)
def attr_words(value: str) -> tuple[str, ...]:
    """Lower-case words of a class or id value: "postBody main-col_2" -> post, body, main, col."""
    return tuple(w for w in _WORD.findall(_CAMEL.sub(" ", value).lower()) if len(w) > 1)


def text_key(text: str) -> int:
    """A stable 64-bit key of a block's text, for counting repeats within and across pages."""
    norm = " ".join(text.lower().split())
    return int.from_bytes(hashlib.blake2b(norm.encode("utf-8", "replace"), digest_size=8).digest(), "big")


class _Frame:
    __slots__ = ("tag", "tokens", "regions", "heading", "path")

    def __init__(self, tag, tokens, regions, heading, path):
        self.tag = tag
        self.tokens = tokens
        self.regions = regions
        self.heading = heading
        self.path = path


def segment(root) -> list[Block]:
    """Cut a parsed page into blocks of visible text, in document order."""
    blocks: list[Block] = []
    parts: list[str] = []
    link_chars = 0
    n_links = 0
    link_depth = 0
    br_pending = False
    root_frame = _Frame("", (), frozenset(), 0, "")
    stack: list[_Frame] = [root_frame]
    owner: list[_Frame] = [root_frame]  # innermost open block-level element

    def flush() -> None:
        nonlocal link_chars, n_links
        if parts:
            text = " ".join("".join(parts).split())
            if text:
                frame, ctx = owner[-1], stack[-1]
                regions = ctx.regions
                blocks.append(
                    Block(
                        text=text,
                        path=frame.path,
                        tag=frame.tag,
                        index=len(blocks),
                        heading=ctx.heading,
                        tokens=ctx.tokens,
                        link_chars=min(link_chars, len(text)),
                        n_links=n_links,
                        depth=len(stack) - 1,
                        in_list="list" in regions,
                        in_table="table" in regions,
                        in_form="form" in regions,
                        in_header="header" in regions,
                        in_footer="footer" in regions,
                        in_nav="nav" in regions,
                        in_aside="aside" in regions,
                        in_main="main" in regions,
                    )
                )
            parts.clear()
        link_chars = 0
        n_links = 0

    def add(text: str) -> None:
        nonlocal link_chars, br_pending
        parts.append(text)
        if link_depth:
            link_chars += len(text.strip())
        if br_pending and not text.isspace():
            br_pending = False

    events = walk(root)
    for event, el in events:
        tag = el.tag
        if not isinstance(tag, str):  # comments and processing instructions that slipped through
            if event == "start":
                events.skip_subtree()
            elif el.tail:
                add(el.tail)
            continue
        tag = tag.lower()
        if event == "start":
            parent = stack[-1]
            if tag in SKIP:
                events.skip_subtree()
                stack.append(parent)  # a placeholder, popped by the end event that still comes
                continue
            tokens = parent.tokens
            cls, ident, role = el.get("class"), el.get("id"), el.get("role")
            if cls or ident:
                own = attr_words(cls or "") + attr_words(ident or "")
                if own:
                    tokens = (tokens + own)[-MAX_TOKENS:]
            regions = parent.regions
            region = REGION.get(tag) or (ROLE_REGION.get(role.lower()) if role else None)
            if region and region not in regions:
                regions = regions | {region}
            frame = _Frame(
                tag,
                tokens,
                regions,
                HEADINGS.get(tag, parent.heading),
                f"{parent.path}/{tag}" if parent.path else tag,
            )
            if tag in BLOCK:
                flush()
                owner.append(frame)
            elif tag == "br":
                if br_pending:
                    flush()
                br_pending = True
                parts.append(" ")
            elif tag == "a":
                n_links += 1
                link_depth += 1
            stack.append(frame)
            if el.text:
                add(el.text)
        else:
            frame = stack[-1]
            if len(stack) > 1 and frame is stack[-2]:  # a skipped subtree's placeholder
                stack.pop()
            else:
                if tag in BLOCK:
                    flush()
                    owner.pop()
                elif tag == "a":
                    link_depth = max(link_depth - 1, 0)
                stack.pop()
            if el.tail:
                add(el.tail)
    flush()
    return blocks
