"""Errors the public API raises; bad page data becomes a labelled report, not an exception."""


class QualityError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(QualityError):
    """A file or argument the caller gave cannot be used as it is."""


class ModelError(QualityError):
    """A model file is missing, unreadable, or built for another version."""
