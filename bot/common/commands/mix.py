"""/mix, the private chat's photo mixes and Discord's "Mix these cats": the platform-neutral half.

`plan(...)` reads what was typed (or picked in Discord's options) once for every front end:
which words name cats (gallery numbers, the chat's adopted names: bot/common/sources.py), the
options (bot/common/options.py), and every refusal with its one message: a bad option, a
negative number, a capitalised word that must have been meant as a cat's name. `MixPlan.check`
then says, once the photos are counted, whether to mix, to ask for photos (Telegram), or why not.

`MixPlan.made(reply, ...)` turns the engine's reply into what every mix sends (`Made`: the caption
from bot/common/captions.py and the cats its result buttons continue from), and `finish` keeps
those cats for the buttons and as the chat's last mix (for `/map` right after). So a mix made on
Telegram, on Discord, after a tapped face question or by the CLI looks the same everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.common.captions import mix_caption
from bot.common.commands import Made, Refusal, unknown_name
from bot.common.options import OptionError, parse_mix_options
from bot.common.recent import RecentMixes
from bot.common.results import ChatId, MixState, Owner, ResultCache, button_caption
from bot.common.sources import MAX_CATS, MIN_CATS, Pick, split_cat_words
from vae_core.engine import Cat, Engine, MixOptions, Reply

USAGE = "usage_mix"
NEAR_OPTION = 0.75  # "gird" is 0.75 like "grid"; "Luna" 0.6 like "linear"


@dataclass(frozen=True)
class MixPlan:
    """A mix that may start: its options and the cats named in words (photos come with the request)."""

    options: MixOptions = MixOptions()
    picks: tuple[Pick, ...] = ()

    def check(self, photos: int, may_ask: bool = False) -> Literal["mix", "ask"] | Refusal:
        """With `photos` photos: "mix"; "ask" for more photos (only when `may_ask` and no cat was
        named: a named cat says the user meant these cats, not "send me photos"); or why not."""
        count = photos + len(self.picks)
        if MIN_CATS <= count <= MAX_CATS:  # 3-4 make one loop A->B->C(->D)->A
            return "mix"
        if self.picks or count > MAX_CATS:
            return Refusal("need_mix_cats", {"count": count})
        if may_ask:
            return "ask"
        return Refusal("need_two", {"count": photos})

    def made(self, reply: Reply, lang: str, files: Sequence[str] = (), animated: Sequence[bool] = (),
             strong: Callable[[str], str] = str) -> Made:
        """What to send for `reply`: see `captions.mix_caption` for `files`, `animated`, `strong`."""
        return Made(reply, mix_caption(reply, self.options, lang, files, animated, strong),
                    MixState(tuple(reply.cats), self.options), remember=True)

    async def make(self, engine: Engine, sources: Sequence[bytes | Cat], lang: str,
                   files: Sequence[str] = ()) -> Made:
        """Mix without asking about faces (an engine that uses a photo's middle, as the CLI's does)."""
        return self.made(await engine.mix(list(sources), self.options), lang, files)


def plan(words: Sequence[str], photos: int = 0, *, is_name: Callable[[str], bool] | None = None,
         numbers_are_cats: bool = False, options: MixOptions | None = None) -> MixPlan | Refusal:
    """The words after /mix (Discord: its `cats` text) -> a plan, or the refusal with its message.

    `photos`: how many photos the request carries (bare numbers complete the set: sources.py).
    `numbers_are_cats`: every number is a cat (Discord's `cats` option; its frames have an option
    of their own). `options`: a front end's typed options, which the words may still change."""
    found = split_cat_words(words, photos, bare_numbers="all" if numbers_are_cats else True, is_name=is_name)
    try:
        chosen = parse_mix_options(found.rest, options)
    except OptionError as err:
        if not _near_option(err) and (name := unknown_name(err.word)) is not None:
            return name  # "/mix Secret 12": no cat called Secret here, not "no option Secret"
        return Refusal(err.key, err.params, USAGE)
    return MixPlan(chosen, tuple(found.picks))


def remade(state: MixState, reply: Reply, lang: str) -> Made:
    """A mix made from a result button (`state` is bot/common/results.next_state's): the same
    caption on both bots, and buttons that continue from the cats just mixed."""
    return Made(reply, button_caption(state, lang), replace(state, cats=tuple(reply.cats) or state.cats),
                remember=True)


def _near_option(err: OptionError) -> bool:
    """A typo of an option ("Gird", "Linea"), not a name that merely looks a little like one
    ("Luna" is 0.6 like "linear"): names win unless the word is this close to an option."""
    suggestion = err.params.get("suggestion")
    if err.key != "opt_did_you_mean" or not isinstance(suggestion, str):
        return err.key != "opt_unknown"  # a number out of range, a negative one: not a name
    return difflib.SequenceMatcher(None, err.word.strip().lower(), suggestion).ratio() >= NEAR_OPTION


def finish(made: Made, key: str, owner: Owner, results: ResultCache, recent: RecentMixes | None,
           files: Sequence[str] = (), where: ChatId | None = None) -> None:
    """The one way a mix ends, on every platform: its cats kept under `key` for the result buttons
    (pressed in `owner`'s chat), and remembered as the last mix of `where` (default: that chat;
    Discord's `/map` looks per server) for `/map` right after, `files` naming its photos there."""
    if made.state is not None:
        results.put(key, made.state, owner)
    if made.remember and recent is not None:
        recent.remember(owner.chat if where is None else where, made.reply.cats, files)
