"""`kitten-mixer`: the command line for people and for training.

Each command group lives in its own module under `kitten_mixer.commands` and registers its parsers;
this file only builds the parser, sets up logging and turns expected errors into one clear line.
"""

from __future__ import annotations

import argparse
import logging
import sys

from kitten_mixer.commands import drawing, evaluation, finder, gallery, people, picture, training, worker
from vae_core.checkpoint import CheckpointError
from vae_core.errors import KittenError

COMMAND_MODULES = (training, people, gallery, evaluation, finder, picture, drawing, worker)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kitten-mixer", description="Mix cats with a VAE. "
                                     "`kitten-mixer COMMAND --help` gives each option's meaning, range and default.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", help="what to do")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if a.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return a.func(a)
    except (KittenError, CheckpointError, FileNotFoundError, FloatingPointError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
