"""Blocks without HTML, for testing features and the model on pages described in a few lines."""

from __future__ import annotations

from quality.records import Block


def make_block(text: str, index: int = 0, **kw) -> Block:
    """A block with the given text; `linked=True` puts all of its text inside one link."""
    linked = kw.pop("linked", False)
    kw.setdefault("path", "html/body/div/p")
    kw.setdefault("tag", kw["path"].rsplit("/", 1)[-1])
    if linked:
        kw.setdefault("link_chars", len(text))
        kw.setdefault("n_links", 1)
    return Block(text=text, index=index, **kw)


def make_page(*specs) -> list[Block]:
    """Blocks from (text, kwargs) pairs or bare texts, indexed in order."""
    out = []
    for i, spec in enumerate(specs):
        text, kw = (spec, {}) if isinstance(spec, str) else spec
        out.append(make_block(text, i, **dict(kw)))
    return out
