"""Typed errors a chat bot can show as is.

Each carries a stable `code` and `params` so a front end can translate it from its own
catalogue (bot/common/texts.py); `str(error)` is a ready English sentence for everything else
(CLI, logs).
"""

from __future__ import annotations


class KittenError(Exception):
    code = "error"

    def __init__(self, message: str, **params: object):
        super().__init__(message)
        self.params = params


class IntakeError(KittenError):
    """An uploaded file is not usable. `code` says why:
    not_image | too_large | too_many_pixels | too_small | unsupported."""

    def __init__(self, code: str, message: str, **params: object):
        super().__init__(message, **params)
        self.code = code


class BadRequest(KittenError):
    """Options out of range (frames, count, weights...)."""

    code = "bad_request"


class EngineBusy(KittenError):
    """The queue is full: try again in a moment."""

    code = "busy"


class EngineTimeout(KittenError):
    """A request took longer than the per-request timeout."""

    code = "timeout"
