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
from .records import Block, BlockDraft

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
    "ul": "list",
    "ol": "list",
    "dl": "list",
    "menu": "list",
    "li": "list",
    "table": "table",
    "form": "form",
    "header": "header",
    "footer": "footer",
    "nav": "nav",
    "aside": "aside",
    "main": "main",
    "article": "main",
}
ROLE_REGION = {
    "navigation": "nav",
    "banner": "header",
    "contentinfo": "footer",
    "complementary": "aside",
    "main": "main",
    "article": "main",
    "form": "form",
    "search": "form",
    "menu": "nav",
    "menubar": "nav",
}
REGIONS = ("list", "table", "form", "header", "footer", "nav", "aside", "main")
MAX_TOKENS = 24  # class/id words kept per block, innermost last; deeper ones rarely add signal

_WORD = re.compile(r"[a-z]{2,}")  # one-letter runs are no words
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@lru_cache(maxsize=8192)
def attr_words(value: str) -> tuple[str, ...]:
    """Lower-case words of a class or id value: "postBody main-col_2" -> post, body, main, col."""
    # Most values are lower-case already: no camel-case boundaries to cut, nothing to lower.
    if not value.islower():
        value = _CAMEL.sub(" ", value).lower()
    return tuple(_WORD.findall(value))


def text_key(text: str) -> int:
    """A stable 64-bit key of a block's text, for counting repeats within and across pages."""
    norm = " ".join(text.lower().split())
    return int.from_bytes(
        hashlib.blake2b(norm.encode("utf-8", "replace"), digest_size=8).digest(), "big"
    )


# What the walk does at an element's start and end, by tag.
_PLAIN, _BLOCK, _BR, _LINK, _SKIP = range(5)
_KIND = {"br": _BR, "a": _LINK} | dict.fromkeys(BLOCK, _BLOCK) | dict.fromkeys(SKIP, _SKIP)
_REGION_INDEX = {r: i for i, r in enumerate(REGIONS)}
_ROLE_INDEX = {role: _REGION_INDEX[r] for role, r in ROLE_REGION.items()}
# distinct raw tag names remembered; pages with generated custom tags stop filling it
_MAX_NAMES = 4096
# Raw tag -> (lower-case name, kind, index in REGIONS or None, heading level or None).
_TAG_INFO: dict = {}
_NOT_TEXT = (None, _SKIP, None, None)  # comments and processing instructions that slipped through
if Block.__match_args__[9:] != tuple(f"in_{r}" for r in REGIONS):
    raise ImportError(
        "quality.records.Block region fields changed order; update quality.blocks.REGIONS"
    )


def _tag_info(raw) -> tuple:
    """A tag's lower-case name, kind, region and heading level, computed once per raw name."""
    if raw.__class__ is not str:
        return _NOT_TEXT
    name = raw.lower()
    region = REGION.get(name)
    info = (
        name,
        _KIND.get(name, _PLAIN),
        None if region is None else _REGION_INDEX[region],
        HEADINGS.get(name),
    )
    if len(_TAG_INFO) < _MAX_NAMES:
        _TAG_INFO[raw] = info
    return info


def _frame(stack: list, top: int) -> tuple:
    """The context (tokens, region flags, heading, path) of stack[top], computing the missing ones below it."""
    i = top
    while stack[i][2] is None:
        i -= 1
    frame = stack[i][2]
    for j in range(i + 1, top + 1):
        entry = stack[j]
        el, info = entry[0], entry[1]
        tokens, flags, heading, path = frame
        cls = el.get("class")
        ident = el.get("id")
        if cls or ident:
            own = attr_words(cls) if cls else ()
            if ident:
                own += attr_words(ident)
            if own:
                tokens = (tokens + own)[-MAX_TOKENS:]
        region = info[2]
        if region is None:
            role = el.get("role")
            if role:
                region = _ROLE_INDEX.get(role.lower())
        if region is not None and not flags[region]:
            flags = flags[:region] + (True,) + flags[region + 1 :]
        name = info[0]
        frame = (tokens, flags, info[3] or heading, f"{path}/{name}" if path else name)
        entry[2] = frame
    return frame


_new_draft = object.__new__


def _emit(
    blocks: list, parts: list, stack: list, owner: list, link_chars: int, n_links: int
) -> None:
    """Append the buffered text as a block in its context, and empty the buffer."""
    text = " ".join("".join(parts).split())
    parts.clear()
    if text:
        top = len(stack) - 1
        ctx = stack[top][2] or _frame(stack, top)
        own = owner[-1]
        # Every field of the draft stored here rather than through an __init__: one Python call
        # less per block (~4 % of the segmenter).
        block = _new_draft(BlockDraft)
        block.text = text
        block.path = own[2][3]
        block.tag = own[1][0]
        block.index = len(blocks)
        block.heading = ctx[2]
        block.tokens = ctx[0]
        block.link_chars = min(link_chars, len(text))
        block.n_links = n_links
        block.depth = top
        (
            block.in_list,
            block.in_table,
            block.in_form,
            block.in_header,
            block.in_footer,
            block.in_nav,
            block.in_aside,
            block.in_main,
        ) = ctx[1]
        block.__class__ = Block
        blocks.append(block)


def segment(root, max_blocks: int | None = None) -> list[Block]:
    """Cut a parsed page into blocks of visible text, in document order, stopping at `max_blocks`."""
    # The hot loop touches only local names and does per element only what the cut needs: the
    # element's kind, its text and tail. A block's context (class/id words, regions, heading, path)
    # is computed when a block is emitted, for the open elements that lack it, so the many elements
    # that never hold a block's text cost no attribute lookups.
    # Stack entries are [element, tag info, context or None]; skipped elements get a placeholder
    # entry so that every end event pops exactly one.
    blocks: list[Block] = []
    parts: list[str] = []  # text runs of the current block, from its first visible character on
    link_chars = n_links = link_depth = 0
    br_pending = False
    skipped = [None, _NOT_TEXT, None]
    root_info = (None, _PLAIN, None, None)
    stack: list[list] = [[None, root_info, ((), (False,) * len(REGIONS), 0, "")]]
    owner: list[list] = [stack[0]]  # entries of the open block-level elements
    push, pop = stack.append, stack.pop
    tag_info_get = _TAG_INFO.get

    events = walk(root)
    skip = events.skip_subtree
    for event, el in events:
        if event == "start":
            info = tag_info_get(el.tag) or _tag_info(el.tag)
            kind = info[1]
            if kind == _BLOCK:
                if parts:
                    _emit(blocks, parts, stack, owner, link_chars, n_links)
                    if max_blocks is not None and len(blocks) >= max_blocks:
                        return blocks
                link_chars = n_links = 0
                entry = [el, info, None]
                owner.append(entry)
                push(entry)
            elif kind == _PLAIN:
                push([el, info, None])
            elif kind == _LINK:
                n_links += 1
                link_depth += 1
                push([el, info, None])
            elif kind == _SKIP:
                skip()
                push(skipped)
                continue
            else:  # _BR
                if br_pending:
                    if parts:
                        _emit(blocks, parts, stack, owner, link_chars, n_links)
                    link_chars = n_links = 0
                br_pending = True
                if parts:
                    parts.append(" ")
                push([el, info, None])
            text = el.text
        else:
            kind = stack[-1][1][1]
            if kind == _BLOCK:
                if parts:
                    _emit(blocks, parts, stack, owner, link_chars, n_links)
                    if max_blocks is not None and len(blocks) >= max_blocks:
                        return blocks
                link_chars = n_links = 0
                owner.pop()
            elif kind == _LINK and link_depth:
                link_depth -= 1
            pop()
            text = el.tail
        if text:
            # Leading whitespace never reaches a block's text, so parts starts at the first
            # visible character: an empty parts list means there is nothing to emit.
            if not text.isspace():
                parts.append(text)
                br_pending = False
                if link_depth:
                    link_chars += len(text.strip())
            elif parts:
                parts.append(text)
    if parts:
        _emit(blocks, parts, stack, owner, link_chars, n_links)
    return blocks
