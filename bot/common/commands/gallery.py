"""/cats, /map, /kittens (/gatitos) and /blend, once for every front end (issue 20).

`plan_cats`, `plan_map`, `plan_kittens` and `plan_blend` make every check (page, counts of cats,
the seed, the weights, unknown words and names) and refuse with one set of messages; a plan's
`make` draws the picture through vae_core and writes its caption. Telegram, Discord and the CLI
only parse their input into these calls, fetch photos and send what comes back, so `/blend 70%
30%` means the same everywhere and a new front end inherits every message.

Two ways to give the words: Telegram's one line mixes cats and options (`/kittens 4 11 77`,
`/blend #3 #8 70 30`: bare numbers are a seed or weights unless they complete the cats, see
bot/common/sources.py); Discord's `cats` option and the CLI's arguments hold only cats
(`cats_only=True`), with the seed and weights given apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.common.captions import source_labels
from bot.common.commands import Made, Refusal, unknown_name
from bot.common.numbers import whole_number
from bot.common.sources import MAX_CATS, MIN_CATS, CatWords, Pick, SourceProblem, split_cat_words
from bot.common.texts import t
from vae_core import gallery_views
from vae_core.engine import Cat, Engine
from vae_core.gallery import Gallery
from vae_core.litter import LITTER_SIZE, litter

MAX_SEED = 2**53 - 1  # Discord's integer options stop here: one limit, so a seed works on every platform
DECIMAL_MARKS = ".,٫"  # 70.5, 70,5 and the Arabic decimal separator
PERCENT_SIGNS = "%٪"
IsName = Callable[[str], bool] | None
Style = Callable[[str], str]  # how a platform sets a cat's name in a caption (Discord: bold)


def _plain(name: str) -> str:
    return name


# ---- /cats [page] ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PagePlan:
    page: int
    pages: int

    def turns(self, lang: str) -> list[tuple[str, int]]:
        """The ◀ / ▶ buttons under the sheet: (label, page) for each neighbour there is."""
        return ([(t("cats_prev", lang), self.page - 1)] if self.page > 1 else []) + \
               ([(t("cats_next", lang), self.page + 1)] if self.page < self.pages else [])

    async def make(self, engine: Engine, gallery: Gallery, lang: str, heading: str = "") -> Made:
        """`heading`: the chat's own cats, shown above the first page's line (issue 13)."""
        numbers = gallery.page_numbers(self.page)
        where = {"first": numbers[0], "last": numbers[-1], "count": len(gallery)}
        reply = await gallery_views.gallery_page(engine, gallery, self.page, lang, t("cats_title", lang, **where))
        return Made(reply, heading + t("cats_caption", lang, page=self.page, pages=self.pages, **where))


def plan_cats(words: Sequence[str], gallery: Gallery | None) -> PagePlan | Refusal:
    """`/cats`, `/cats 2`, `/cats ٢`, or a page button's number."""
    if gallery is None:
        return Refusal("no_gallery")
    page = whole_number(words[0]) if len(words) == 1 else 1 if not words else None
    if page is None or not 1 <= page <= gallery.pages:
        return Refusal("usage_cats", {"pages": gallery.pages})
    return PagePlan(page, gallery.pages)


# ---- commands over cats ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CatsPlan:
    """Which cats besides the photos (`picks`, resolved by bot/common/sources.resolve_cats)."""

    picks: tuple[Pick, ...]
    photos: int

    @property
    def count(self) -> int:
        return self.photos + len(self.picks)

    async def make(self, engine: Engine, sources: Sequence[bytes | Cat], lang: str, *, gallery: Gallery | None = None,
                   last: Sequence[Cat] = (), files: Sequence[str] = (), strong: Style = _plain) -> Made:
        """The picture and its caption from the resolved `sources` (photos first, then the picks).
        `files`: the photos' names where the platform has them; `last`: the chat's last mix."""
        raise NotImplementedError


@dataclass(frozen=True)
class MapPlan(CatsPlan):
    async def make(self, engine: Engine, sources: Sequence[bytes | Cat], lang: str, *, gallery: Gallery | None = None,
                   last: Sequence[Cat] = (), files: Sequence[str] = (), strong: Style = _plain) -> Made:
        """The map; with cats, their mix's path; with none, the path of the chat's `last` mix, if any."""
        if gallery is None:
            raise SourceProblem("no_gallery")
        reply = await gallery_views.gallery_map(engine, gallery, list(sources) or list(last))
        if not reply.cats:
            return Made(reply, t("map_caption", lang))
        names = " → ".join(strong(n) for n in source_labels(reply.cats, files, lang))
        return Made(reply, t("map_path_caption", lang, names=names))


@dataclass(frozen=True)
class KittensPlan(CatsPlan):
    seed: int | None = None  # None: a fresh one, shown in the caption

    async def make(self, engine: Engine, sources: Sequence[bytes | Cat], lang: str, *, gallery: Gallery | None = None,
                   last: Sequence[Cat] = (), files: Sequence[str] = (), strong: Style = _plain) -> Made:
        reply, used = await litter(engine, list(sources), self.seed)
        first, second = (strong(n) for n in source_labels(reply.cats, files, lang))
        return Made(reply, t("kittens_caption", lang, count=LITTER_SIZE, first=first, second=second, seed=used))


@dataclass(frozen=True)
class BlendPlan(CatsPlan):
    shares: tuple[float, ...] = ()  # one per cat, adding up to 1

    async def make(self, engine: Engine, sources: Sequence[bytes | Cat], lang: str, *, gallery: Gallery | None = None,
                   last: Sequence[Cat] = (), files: Sequence[str] = (), strong: Style = _plain) -> Made:
        reply = await gallery_views.blend(engine, list(sources), self.shares)
        parts = " + ".join(f"{strong(n)} {percent(s)}" for n, s in
                           zip(source_labels(reply.cats, files, lang), self.shares, strict=True))
        return Made(reply, t("blend_caption", lang, parts=parts))


@dataclass(frozen=True)
class PortraitPlan(CatsPlan):
    """`/cat 12`, `/cat Luna`, or `/cat` with a photo: one cat, large (the worked example of the
    README's "Adding a command")."""

    async def make(self, engine: Engine, sources: Sequence[bytes | Cat], lang: str, *, gallery: Gallery | None = None,
                   last: Sequence[Cat] = (), files: Sequence[str] = (), strong: Style = _plain) -> Made:
        reply = await gallery_views.portrait(engine, sources[0])
        (name,) = source_labels(reply.cats, files, lang)
        return Made(reply, t("portrait_caption", lang, name=strong(name)))


def percent(share: float) -> str:
    """0.7 -> "70%", 0.705 -> "70.5%": whole percents unless the user gave finer weights."""
    p = 100 * share
    return f"{p:.0f}%" if abs(p - round(p)) < 0.05 else f"{p:.1f}%"


def _split(words: Sequence[str], photos: int, is_name: IsName, cats_only: bool, bare: bool = True) -> CatWords:
    return split_cat_words(words, photos, bare_numbers="all" if cats_only else bare, is_name=is_name)


def _not_a_cat(word: str, usage: str) -> Refusal:
    """A word that names no cat: a capitalised one was most likely a name this chat doesn't have."""
    return unknown_name(word) or Refusal("not_a_cat", {"word": word[:40]}, usage=usage)


def plan_map(words: Sequence[str], photos: int = 0, *, is_name: IsName = None,
             gallery_ready: bool = True) -> MapPlan | Refusal:
    """`/map` (the chat's last mix, or the plain map), or 2-4 cats whose path to draw.
    `gallery_ready=False`: the bot has no gallery for its model, said before any work."""
    if not gallery_ready:
        return Refusal("no_gallery")
    cats = _split(words, photos, is_name, cats_only=True)  # it has no options: every number is a cat
    if cats.rest:
        return _not_a_cat(cats.rest[0], "usage_map")
    plan = MapPlan(tuple(cats.picks), photos)
    if plan.count == 1 or plan.count > MAX_CATS:
        return Refusal("map_counts", {"count": plan.count}, usage="usage_map")
    return plan


def plan_kittens(words: Sequence[str], photos: int = 0, *, is_name: IsName = None, cats_only: bool = False,
                 seed: int | None = None) -> KittensPlan | Refusal:
    """Two parents and an optional seed: the last word on Telegram (`/kittens 4 11 77`), `seed` elsewhere."""
    cats = _split(words, photos, is_name, cats_only)
    rest = cats.rest
    if rest and cats_only:
        return _not_a_cat(rest[0], "usage_kittens")
    named = next(filter(None, map(unknown_name, rest)), None)
    if named is not None:
        return named
    if rest:
        seed = whole_number(rest[0]) if len(rest) == 1 else None
        if seed is None:
            return Refusal("kittens_bad_seed", {"word": " ".join(rest)[:40]}, usage="usage_kittens")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        return Refusal("opt_seed_too_big", {"limit": MAX_SEED})
    plan = KittensPlan(tuple(cats.picks), photos, seed)
    if plan.count != 2:
        return Refusal("need_two_parents", {"count": plan.count})
    return plan


def plan_blend(words: Sequence[str], photos: int = 0, *, is_name: IsName = None,
               weights: str | Sequence[str] | None = None) -> BlendPlan | Refusal:
    """2-4 cats and one weight each. `weights=None` (Telegram): the words hold cats and weights,
    bare numbers being weights (`/blend #12 #47 70 30`); else the words hold only cats."""
    cats = _split(words, photos, is_name, cats_only=weights is not None, bare=False)
    if weights is None:
        weight_words = cats.rest
    else:
        if cats.rest:
            return _not_a_cat(cats.rest[0], "usage_blend")
        weight_words = [weights] if isinstance(weights, str) else list(weights)
    values = read_weights(weight_words)
    if isinstance(values, Refusal):
        return values
    count = photos + len(cats.picks)
    if not values:
        return Refusal("usage_blend")
    if not MIN_CATS <= count <= MAX_CATS or len(values) != count:
        return Refusal("blend_counts", {"cats": count, "weights": len(values)})
    total = sum(values)
    if total <= 0:
        return Refusal("blend_zero_weights")
    return BlendPlan(tuple(cats.picks), photos, tuple(v / total for v in values))


def read_weights(words: Sequence[str]) -> list[float] | Refusal:
    """`70 30`, `70/30`, `70% 30%`, `70, 30`, `70,5 29,5`, `٧٠ ٣٠` -> numbers. Anything else (a
    sign, an exponent, nan, inf, a word) gets one refusal about the weights on every platform;
    a capitalised word is more likely a cat's name this chat doesn't have."""
    values: list[float] = []
    for word in words:
        for part in word.replace("/", " ").split():
            value = _decimal(part.rstrip(",;").rstrip(PERCENT_SIGNS))
            if value is None:
                return unknown_name(part) or Refusal("blend_bad_weight", {"word": part[:40]}, usage="usage_blend")
            values.append(value)
    return values


def _decimal(word: str) -> float | None:
    """`70`, `70.5`, `70,5`, `.5`, in any script's digits (bot/common/numbers.py); nothing else."""
    marks = [i for i, c in enumerate(word) if c in DECIMAL_MARKS]
    if not marks:
        whole = whole_number(word)
        return None if whole is None else float(whole)
    if len(marks) > 1:
        return None
    head, tail = word[:marks[0]], word[marks[0] + 1:]
    whole, fraction = whole_number(head) if head else 0, whole_number(tail)
    if whole is None or fraction is None:
        return None
    return whole + fraction / 10 ** len(tail)


def plan_portrait(words: Sequence[str], photos: int = 0, *, is_name: IsName = None) -> PortraitPlan | Refusal:
    """Exactly one cat: a gallery number, an adopted name, or one photo."""
    cats = _split(words, photos, is_name, cats_only=True)
    if cats.rest:
        return _not_a_cat(cats.rest[0], "usage_cat")
    plan = PortraitPlan(tuple(cats.picks), photos)
    if plan.count != 1:
        return Refusal("need_one_cat", {"count": plan.count}, usage="usage_cat")
    return plan


PLANS = {"map": plan_map, "kittens": plan_kittens, "blend": plan_blend, "cat": plan_portrait}
