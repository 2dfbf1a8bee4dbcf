"""Tell the article on a web page from its template, teasers, spun text and clickbait, and say why."""

from .errors import InputError, ModelError, QualityError
from .pipeline import check, extract, page_blocks
from .records import Block, BlockReport, Encoding, Label, PageReport, Status

__version__ = "0.1.0"

__all__ = [
    "Block",
    "BlockReport",
    "Encoding",
    "InputError",
    "Label",
    "ModelError",
    "PageReport",
    "QualityError",
    "Status",
    "__version__",
    "check",
    "extract",
    "page_blocks",
]
