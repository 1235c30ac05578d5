"""argparse `type=` functions that say what range a number must be in.

argparse turns an ArgumentTypeError into `error: argument --frames: 33 is more than 32 frames`,
one line after the usage, which is what a person needs to fix the command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def bounded_int(low: int, high: int, unit: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value > high:
            raise argparse.ArgumentTypeError(f"{value} is more than {high} {unit}")
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is less than {low} {unit}" if low > 0
                                             else f"{value} is negative; use {low} to {high}")
        return value

    parse.__name__ = unit  # argparse names the type in its "invalid ... value" fallback
    return parse


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show (None) or the help
    already explains it in words (e.g. "default: from the -o extension")."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default is None or "default:" in text or isinstance(action.default, bool):
            return text
        return super()._get_help_string(action)
