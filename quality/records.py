"""The records that flow through the pipeline, each complete at construction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Label(str, Enum):
    ARTICLE = "article"
    BOILERPLATE = "boilerplate"
    LOW_QUALITY = "low_quality"


LABELS: tuple[Label, ...] = (Label.ARTICLE, Label.BOILERPLATE, Label.LOW_QUALITY)


class Status(str, Enum):
    OK = "ok"
    DEGRADED = "degraded"  # scored, but something about the input was cut, guessed or repaired
    SKIPPED = "skipped"  # nothing to score: empty, not HTML, a decompression bomb...


@dataclass(frozen=True, slots=True)
class Block:
    """One run of text between block-level boundaries, with where it sits in the page."""

    text: str
    path: str  # tag path from the root, e.g. "html/body/div/p"
    tag: str  # the block-level element that holds the text
    index: int  # position among the page's blocks, from 0
    heading: int = 0  # 1-6 inside <h1>-<h6>, else 0
    tokens: tuple[str, ...] = ()  # lower-case words of class/id attributes, own and ancestors'
    link_chars: int = 0  # characters of text inside <a>
    n_links: int = 0
    depth: int = 0
    in_list: bool = False
    in_table: bool = False
    in_form: bool = False
    in_header: bool = False
    in_footer: bool = False
    in_nav: bool = False
    in_aside: bool = False
    in_main: bool = False  # inside <main> or <article>

    @property
    def n_words(self) -> int:
        return len(self.text.split())


class BlockDraft:
    """Block's fields in the same slots, writable: filled and then retyped into a `Block`.

    The segmenter makes a Block per text run; a frozen dataclass sets each of its 17 fields through
    ``object.__setattr__`` (1.3 us a block), while plain slot stores and one ``__class__``
    assignment cost a quarter of that. The instance becomes an ordinary Block: same fields, equality,
    hash, repr and pickling.
    """

    __slots__ = Block.__slots__


if BlockDraft.__slots__ != Block.__match_args__:
    raise ImportError("Block's fields changed: update quality.blocks._emit to set them all")


@dataclass(frozen=True, slots=True)
class Encoding:
    """Which encoding decoded the page and how it was chosen."""

    name: str
    source: str  # bom, declared, meta, detected, default, text (str input)
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class BlockReport:
    block: Block
    label: Label
    scores: dict[str, float]  # article, boilerplate, low_quality; sums to 1
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        b = self.block
        return {
            "index": b.index,
            "text": b.text,
            "label": self.label.value,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "reasons": list(self.reasons),
            "path": b.path,
            "tag": b.tag,
        }


class BlockReportDraft:
    """BlockReport's fields in the same slots, writable; retyped into a `BlockReport` once filled.

    As for `BlockDraft`: `classify` makes one report per block, and plain slot stores with one
    ``__class__`` assignment cost about a third of the frozen dataclass's ``__init__``.
    """

    __slots__ = BlockReport.__slots__


if BlockReportDraft.__slots__ != BlockReport.__match_args__:
    raise ImportError("BlockReport's fields changed: update BlockReportDraft's slots")


@dataclass(frozen=True, slots=True)
class PageReport:
    """The verdict on one page: its label, why, and every block's."""

    status: Status
    label: Label
    scores: dict[str, float]
    reasons: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # facts about the input: truncated_input, depth_limited, ...
    encoding: Encoding | None = None
    blocks: tuple[BlockReport, ...] = ()
    url: str | None = None
    title: str = ""

    @property
    def text(self) -> str:
        """The article blocks' text in page order, one block per line."""
        return "\n".join([b.block.text for b in self.blocks if b.label is Label.ARTICLE])

    def to_dict(self, *, blocks: bool = True) -> dict:
        out = {
            "status": self.status.value,
            "label": self.label.value,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "reasons": list(self.reasons),
            "flags": list(self.flags),
            "encoding": None
            if self.encoding is None
            else {"name": self.encoding.name, "source": self.encoding.source},
            "url": self.url,
            "title": self.title,
        }
        if blocks:
            out["blocks"] = [b.to_dict() for b in self.blocks]
        return out


def uniform_scores(label: Label) -> dict[str, float]:
    """Scores that put all weight on one label, for pages decided without the model."""
    return {lab.value: (1.0 if lab is label else 0.0) for lab in LABELS}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the classifier decided for a page's blocks and for the page."""

    blocks: tuple[BlockReport, ...]
    label: Label
    scores: dict[str, float]
    reasons: tuple[str, ...] = ()
