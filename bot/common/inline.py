"""Inline mode's half that needs no chat platform: what `@bot <query>` offers, and how each offer is made.

A query reads like the words after `/mix`, through the commands' own plans (bot/common/commands:
`mix.plan`, `random.plan_numbers`, `gallery.plan_kittens`, over bot/common/sources.py and
bot/common/options.py), so names and numbers mean what they mean in `/mix`, with the same refusals:

- ``""``: the user's own recent results, then the gallery's cats (the front end lists those);
- ``12 47 [options]`` (or ``#12 Luna``...): the mix as a GIF and as a grid (3-4 cats: one loop);
- ``random [seed]``: a few drawn cats (1, 4 and 9, one seed);
- ``kittens 12 47 [seed]``: a litter;
- ``Luna`` (or the start of a name): the cats *this user* adopted, in any chat, and no one else's;
  a single gallery number shows that gallery cat.

Each offer carries a *content key* (`content_key`): a hash of the model, the cats' latents and
the options. A picture uploaded once is remembered under it (bot/common/storage/files.py), so the
same mix asked again, by anyone, is answered by file id at once; a new one is made when chosen.
Offers are rebuilt from the query when Telegram reports the chosen result (the result id names the
offer, and the seed when one was drawn), so nothing about them needs to be kept in between.
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from PIL import Image

from bot.common.captions import about_mix, random_caption
from bot.common.cat_names import name_key
from bot.common.commands import Made, Refusal, unknown_name
from bot.common.commands import mix as mix_command
from bot.common.commands import random as random_command
from bot.common.commands.gallery import plan_kittens
from bot.common.numbers import whole_number
from bot.common.results import MixState, button_caption
from bot.common.sources import MAX_CATS, MIN_CATS, NamePick, hash_number
from bot.common.storage.files import OwnedCat
from bot.common.texts import t
from vae_core.engine import Cat, Engine, MixOptions, Reply
from vae_core.gallery import Gallery
from vae_core.litter import LITTER_SIZE
from vae_core.seeds import MAX_SEED, new_seed

MAX_RESULTS = 50  # Telegram's limit per answer; more come with next_offset
RANDOM_COUNTS = (1, 4, 9)
RANDOM_WORDS = frozenset({"random", "aleatorio", "azar"})
KITTEN_WORDS = frozenset({"kittens", "gatitos", "litter", "camada"})
MIN_CAT_SIDE = 256  # a single drawn cat is shown at least this big (the tiny model draws 64 px)

# cache_time (seconds Telegram may answer the same query from its cache), chosen per kind:
RECENT_CACHE_S = 5  # "" lists this user's latest results: a new one should show up on the next query
PERSONAL_CACHE_S = 30  # names: the user's own cats (adopted or forgotten elsewhere: soon seen)
FIXED_CACHE_S = 300  # gallery mixes, seeded random cats and litters: the same words, the same picture
FRESH_CACHE_S = 1  # `random` without a seed: every query draws new cats

Make = Callable[[Engine], Awaitable[Made]]


@dataclass(frozen=True)
class Offer:
    """One inline result: what it shows, its content key, and how to make it when it isn't stored."""

    id: str  # the result id (<= 64 bytes): with the query, enough to rebuild this offer when chosen
    kind: str  # gif | photo
    title: str
    description: str
    caption: str  # the caption of the finished picture (the same as `make`'s: one is shown before it is made)
    key: str
    make: Make  # the picture, its caption and (a mix) the state its result buttons continue from
    names: str = ""  # the cats, for "Mixing Luna and #12…"
    state: MixState | None = None  # a mix: its result buttons (swap, boomerang...) continue from this
    again: str | None = None  # a query for the "again" button (random cats, litters)


@dataclass(frozen=True)
class Answer:
    offers: list[Offer] = field(default_factory=list)
    cache_time: int = FIXED_CACHE_S
    personal: bool = False  # the results depend on who asks (their names, their recent results)
    refusal: Refusal | None = None
    browse: bool = False  # an empty query: recent results and the gallery (the front end lists them)


@dataclass
class Catalog:
    """What offers are made from: the engine, the gallery, and a user's own cats (any chat)."""

    engine: Engine
    gallery: Gallery | None
    owned: Callable[[int], Awaitable[list[OwnedCat]]]  # user id -> their adopted cats, newest first
    bot: str = "KittenMixerBot"
    _fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        """The model's identity for content keys (a retrained model makes other pictures)."""
        if self._fingerprint is None:
            from vae_core.gallery import model_fingerprint

            self._fingerprint = model_fingerprint(self.engine.model)
        return self._fingerprint


def content_key(fingerprint: str, what: str, latents: Sequence[torch.Tensor | np.ndarray], extra: str = "") -> str:
    """What a picture shows, as 40 hex digits: the model, what kind of picture, the cats and options."""
    h = hashlib.sha256()
    for part in (fingerprint, what, extra):
        h.update(part.encode())
        h.update(b"\x00")
    for z in latents:
        arr = z.detach().cpu().numpy() if isinstance(z, torch.Tensor) else np.asarray(z)
        h.update(np.ascontiguousarray(arr, dtype="<f4").tobytes())
    return h.hexdigest()[:40]


def _options_text(o: MixOptions) -> str:
    return f"{o.frames}|{o.format}|{o.path}|{int(o.boomerang)}|{o.size}|{o.frame_ms}"


def gallery_cat_key(catalog: Catalog, number: int) -> str:
    assert catalog.gallery is not None
    return content_key(catalog.fingerprint, "cat", [catalog.gallery.latent(number)])


def cat_png(engine: Engine, z: torch.Tensor) -> Reply:
    """One cat as the model draws it (in the engine's pool), at least MIN_CAT_SIDE px."""
    picture = engine.draw(z.reshape(1, -1).float())[0]
    img = Image.fromarray(picture)
    if img.width < MIN_CAT_SIDE:
        img = img.resize((MIN_CAT_SIDE, MIN_CAT_SIDE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return Reply(buf.getvalue(), "image/png", "kitten-cat.png", 1)


def _make_cat(z: torch.Tensor, caption: str) -> Make:
    async def make(engine: Engine) -> Made:
        return Made(await engine.run(cat_png, engine, z), caption)

    return make


def cat_offer(catalog: Catalog, oid: str, z: torch.Tensor, title: str, description: str) -> Offer:
    return Offer(oid, "photo", title, description, title, content_key(catalog.fingerprint, "cat", [z]),
                 _make_cat(z, title), names=title)


def _own_by_name(owned: Sequence[OwnedCat]) -> dict[str, OwnedCat]:
    """One cat per name: the newest, when the user gave the same name in two chats."""
    out: dict[str, OwnedCat] = {}
    for cat in owned:  # newest first
        out.setdefault(name_key(cat.name), cat)
    return out


def _seed_word(words: Sequence[str]) -> int | None | bool:
    """One optional seed (any script's digits); False when the words are not that."""
    if not words:
        return None
    if len(words) == 1 and (n := whole_number(words[0])) is not None and n <= MAX_SEED:
        return n
    return False


def _seed_of(result_id: str | None, prefix: str) -> int | None:
    """The seed a chosen result was offered with ("rnd.4.123" -> 123)."""
    if result_id and result_id.startswith(prefix):
        tail = result_id.rsplit(".", 1)[-1]
        return int(tail) if tail.isdigit() else None
    return None


async def plan_inline(query: str, user_id: int, lang: str, catalog: Catalog, chosen: str | None = None) -> Answer:
    """What to offer for `query`. `chosen`: the result id Telegram reported, so a seed drawn when
    the query was answered is drawn again (the same cats the user saw offered)."""
    words = query.split()
    if not words:
        return Answer(cache_time=RECENT_CACHE_S, personal=True, browse=True)
    head = words[0].lower()
    if head in RANDOM_WORDS:
        return _random(words[1:], lang, catalog, chosen)
    owned = _own_by_name(await catalog.owned(user_id))
    if head in KITTEN_WORDS:
        return await _kittens(words[1:], lang, catalog, owned, chosen)
    return _mix_or_cats(words, lang, catalog, owned)


def _random(rest: Sequence[str], lang: str, catalog: Catalog, chosen: str | None) -> Answer:
    """`random [seed]`: the seed as /random reads its seed (its plan's limits and messages)."""
    seed = _seed_word(rest)
    if seed is False:
        return Answer(refusal=Refusal("opt_extra_word" if len(rest) > 1 else "opt_not_number",
                                      {"word": rest[-1] if len(rest) > 1 else rest[0]}, "usage_random"))
    fresh = seed is None
    if fresh:
        seed = _seed_of(chosen, "rnd.")
        seed = new_seed() if seed is None else seed
    offers = []
    for n in RANDOM_COUNTS:
        plan = random_command.plan_numbers(n, seed)
        if isinstance(plan, Refusal):
            return Answer(refusal=plan)

        async def make(engine: Engine, plan: random_command.RandomPlan = plan) -> Made:
            return await plan.make(engine, lang, lambda count, s: f"@{catalog.bot} random {s}")

        offers.append(Offer(
            f"rnd.{n}.{seed}", "photo", t("inline_random_title", lang, count=n),
            t("inline_random_about", lang, seed=seed, bot=catalog.bot),
            random_caption(n, seed, lang, f"@{catalog.bot} random {seed}"),
            content_key(catalog.fingerprint, "random", [], f"{n}|{seed}"), make,
            names=t("inline_random_title", lang, count=n), again="random"))
    return Answer(offers, FRESH_CACHE_S if fresh else FIXED_CACHE_S)


def _resolve(picks, catalog: Catalog, owned: dict[str, OwnedCat], lang: str) -> list[Cat] | Refusal:
    cats = []
    for pick in picks:
        if isinstance(pick, NamePick):
            mine = owned[name_key(pick.name)]
            cats.append(catalog.engine.cat_from_latent(torch.from_numpy(mine.latent.copy()), mine.name))
            continue
        gallery = catalog.gallery
        if gallery is None:
            return Refusal("no_gallery")
        if not gallery.has(pick.number):
            return Refusal("no_such_cat", {"number": pick.number, "count": len(gallery)})
        cats.append(catalog.engine.cat_from_latent(gallery.latent(pick.number),
                                                   f"#{pick.number} {gallery.name(pick.number, lang)}"))
    return cats


async def _kittens(rest: Sequence[str], lang: str, catalog: Catalog, owned: dict[str, OwnedCat],
                   chosen: str | None) -> Answer:
    plan = plan_kittens(rest, 0, is_name=lambda w: name_key(w) in owned)  # /kittens' own checks and messages
    if isinstance(plan, Refusal):
        return Answer(refusal=plan)
    cats = _resolve(plan.picks, catalog, owned, lang)
    if isinstance(cats, Refusal):
        return Answer(refusal=cats)
    fresh = plan.seed is None
    seed = plan.seed
    if seed is None:
        seed = _seed_of(chosen, "kit.")
        seed = new_seed() if seed is None else seed
    plan = replace(plan, seed=seed)
    first, second = (c.label for c in cats)

    async def make(engine: Engine) -> Made:
        return await plan.make(engine, cats, lang)

    offer = Offer(f"kit.{seed}", "photo", t("inline_kittens_title", lang, first=first, second=second),
                  t("inline_kittens_about", lang, seed=seed, bot=catalog.bot),
                  t("kittens_caption", lang, count=LITTER_SIZE, first=first, second=second, seed=seed),
                  content_key(catalog.fingerprint, "litter", [c.z for c in cats], f"{seed}|{first}|{second}"), make,
                  names=f"{first} + {second}", again=f"kittens {' '.join(rest)}".strip())
    personal = any(isinstance(p, NamePick) for p in plan.picks)
    return Answer([offer], PERSONAL_CACHE_S if personal else FRESH_CACHE_S if fresh else FIXED_CACHE_S, personal)


def mix_offer(catalog: Catalog, cats: Sequence[Cat], options: MixOptions, lang: str,
              button: MixState | None = None) -> Offer:
    """The mix of `cats`: captioned as /mix captions it (`MixPlan.made`), or as a result button's
    mix when `button` is the state a button asked for (`mix.remade`)."""
    names = " + ".join(c.label for c in cats)
    plan = mix_command.MixPlan(options)
    state = button or MixState(tuple(cats), options)

    async def make(engine: Engine) -> Made:
        reply = await engine.mix(list(cats), options)
        return mix_command.remade(button, reply, lang) if button is not None else plan.made(reply, lang)

    caption = button_caption(button, lang) if button is not None else \
        plan.made(Reply(b"", "", "", cats=list(cats)), lang).caption  # named cats: no photo notes to wait for
    fmt = "grid" if options.format == "grid" else "gif"
    return Offer(fmt, "photo" if fmt == "grid" else "gif", t("inline_mix_title", lang, names=names),
                 t(f"inline_mix_{fmt}", lang, about=about_mix(options, lang)), caption,
                 content_key(catalog.fingerprint, "mix", [c.z for c in cats], _options_text(options)), make,
                 names=names, state=state)


def _mix_or_cats(words: Sequence[str], lang: str, catalog: Catalog, owned: dict[str, OwnedCat]) -> Answer:
    plan = mix_command.plan(words, 0, is_name=lambda w: name_key(w) in owned)  # /mix's own reading
    if isinstance(plan, Refusal):
        return _cats(words, lang, catalog, owned) if len(words) == 1 else Answer(refusal=plan)
    if len(plan.picks) < MIN_CATS:
        if len(words) == 1:
            return _cats(words, lang, catalog, owned)
        checked = plan.check(0)
        return Answer(refusal=checked if isinstance(checked, Refusal) else Refusal("inline_help_about"))
    if len(plan.picks) > MAX_CATS:
        return Answer(refusal=Refusal("need_mix_cats", {"count": len(plan.picks)}))
    cats = _resolve(plan.picks, catalog, owned, lang)
    if isinstance(cats, Refusal):
        return Answer(refusal=cats)
    personal = any(isinstance(p, NamePick) for p in plan.picks)
    options = plan.options
    other = replace(options, format="grid" if options.format == "gif" else "gif")
    offers = [mix_offer(catalog, cats, options, lang), mix_offer(catalog, cats, other, lang)]
    return Answer(offers, PERSONAL_CACHE_S if personal else FIXED_CACHE_S, personal)


def _cats(words: Sequence[str], lang: str, catalog: Catalog, owned: dict[str, OwnedCat]) -> Answer:
    """One word (or a few): the user's cats whose names start so, or one gallery cat by number."""
    offers: list[Offer] = []
    if len(words) == 1:
        number = hash_number(words[0])
        number = whole_number(words[0]) if number is None else number
        gallery = catalog.gallery
        if number is not None:
            if gallery is None:
                return Answer(refusal=Refusal("no_gallery"))
            if not gallery.has(number):
                return Answer(refusal=Refusal("no_such_cat", {"number": number, "count": len(gallery)}))
            label = f"#{number} {gallery.name(number, lang)}"
            offers.append(cat_offer(catalog, f"cat.g{number}", gallery.latent(number), label,
                                    t("inline_gallery_about", lang, number=number, bot=catalog.bot)))
            return Answer(offers, FIXED_CACHE_S)
        prefix = name_key(words[0])
        for i, (key, cat) in enumerate(sorted(owned.items(), key=lambda kv: (kv[0] != prefix, kv[0]))):
            if key.startswith(prefix) and len(offers) < MAX_RESULTS:
                offers.append(cat_offer(catalog, f"cat.n{i}", torch.from_numpy(cat.latent.copy()), cat.name,
                                        t("inline_cat_about", lang, name=cat.name)))
        if offers:
            return Answer(offers, PERSONAL_CACHE_S, personal=True)
    first = words[0]
    refusal = unknown_name(first) or Refusal("inline_help_about")
    return Answer(refusal=refusal, cache_time=PERSONAL_CACHE_S, personal=True)


def find_offer(answer: Answer, result_id: str) -> Offer | None:
    return next((o for o in answer.offers if o.id == result_id), None)


# ---- the user's recent results: a small per-user memory ------------------------------------------

@dataclass(frozen=True)
class Recent:
    file_id: str
    kind: str  # gif | photo
    title: str
    caption: str


class RecentPictures:
    """The last few pictures each user got (inline or in a chat), newest first; in memory, bounded.
    Only file ids and our own captions: a restart forgets them, and nothing here is a photo."""

    def __init__(self, per_user: int = 10, max_users: int = 5000):
        self.per_user, self.max_users = per_user, max_users
        self._users: OrderedDict[int, deque[Recent]] = OrderedDict()

    def add(self, user_id: int, item: Recent) -> None:
        items = self._users.setdefault(user_id, deque(maxlen=self.per_user))
        for old in [r for r in items if r.file_id == item.file_id]:
            items.remove(old)
        items.appendleft(item)
        self._users.move_to_end(user_id)
        while len(self._users) > self.max_users:
            self._users.popitem(last=False)

    def of(self, user_id: int) -> list[Recent]:
        return list(self._users.get(user_id, ()))
