"""A chat's own cats: adopt a photo's cat under a name, call it back by name, forget it.

Shared by both bots (the handlers only parse and reply). What is kept is the cat's latent,
never the photo. Names follow `cat_names`; a chat may keep `MAX_NAMES_PER_CHAT` of them.

When the database can't be used (storage/database.py says why, once, in the log), every
operation here answers with a NameProblem the handlers already know how to say: "I couldn't
save Luna right now" or "saving cats is unavailable right now", never a confirmation of what
was not stored, and never "unknown option" for a name that may well exist.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import numpy as np
import torch

from bot.common.cat_names import MAX_NAMES_PER_CHAT, NameProblem, check_name, could_be_name, name_key
from bot.common.storage import AdoptedCat, AdoptOutcome, CatStore, StorageError

log = logging.getLogger(__name__)


def scope_for(platform: str, chat_id: int) -> str:
    """One chat on one platform: the ids of different platforms may collide, their cats must not."""
    return f"{platform}:{chat_id}"


class AdoptedCats:
    def __init__(self, store: CatStore, latent_dim: int, max_names: int = MAX_NAMES_PER_CHAT):
        self.store, self.latent_dim, self.max_names = store, latent_dim, max_names

    async def adopt(self, scope: str, raw_name: str, latent: torch.Tensor | np.ndarray, user_id: int,
                    request: str | None = None) -> str:
        """Keep `latent` under the name; returns the name as stored. NameProblem if it can't be.
        `request` (e.g. "telegram:<update id>") makes a replay of the same request say "adopted"."""
        name = check_name(raw_name)
        z = latent.detach().cpu().numpy() if isinstance(latent, torch.Tensor) else np.asarray(latent)
        z = z.astype(np.float32).reshape(-1)
        if z.shape != (self.latent_dim,):
            raise ValueError(f"latent of size {z.shape} for a model with {self.latent_dim} dimensions")
        try:
            outcome = await self.store.adopt(scope, name_key(name), name, z, user_id, self.max_names, request)
        except StorageError:
            raise NameProblem("adopt_not_saved", name=name) from None
        if outcome is AdoptOutcome.TAKEN:
            raise NameProblem("name_taken", name=name)
        if outcome is AdoptOutcome.FULL:
            raise NameProblem("chat_full", limit=self.max_names)
        log.info("%s: a cat was adopted", scope.split(":")[0])
        return name

    async def forget(self, scope: str, raw_name: str) -> str:
        try:
            name = await self.store.forget(scope, name_key(raw_name))
        except StorageError:
            raise NameProblem("storage_unavailable") from None
        if name is None:
            raise NameProblem("unknown_cat", name=raw_name.strip()[:40])
        return name

    async def forget_all(self, scope: str) -> int:
        try:
            return await self.store.forget_all(scope)
        except StorageError:
            raise NameProblem("storage_unavailable") from None

    async def names(self, scope: str) -> list[str]:
        """The chat's names, for lists; [] while the database can't be read (a list is no answer
        to rely on; commands that need the cats say "unavailable" instead)."""
        try:
            return [c.name for c in await self.list(scope)]
        except NameProblem:
            return []

    async def list(self, scope: str) -> list[AdoptedCat]:
        try:
            return [c for c in await self.store.list(scope) if self._fits(c)]
        except StorageError:
            raise NameProblem("storage_unavailable") from None

    async def name_test(self, scope: str) -> Callable[[str], bool] | None:
        """Which words of a command are this chat's cats (for `split_cat_words(is_name=...)`).
        While the database can't be read, any word that could be a name counts, so that
        `/mix Luna #2` answers "unavailable right now" rather than "I don't know the option Luna"."""
        try:
            keys = {name_key(c.name) for c in await self.list(scope)}
        except NameProblem:
            return could_be_name
        return (lambda word: name_key(word) in keys) if keys else None

    async def find(self, scope: str, names: Sequence[str]) -> dict[str, AdoptedCat]:
        """The adopted cats among `names`, by the folded name; names not adopted are just absent."""
        try:
            found = await self.store.get(scope, [name_key(n) for n in names])
        except StorageError:
            raise NameProblem("storage_unavailable") from None
        return {k: c for k, c in found.items() if self._fits(c)}

    async def latents(self, scope: str, names: Sequence[str]) -> list[torch.Tensor]:
        """One latent per name, in order; NameProblem("unknown_cat") for the first unknown name."""
        found = await self.find(scope, names)
        out = []
        for n in names:
            cat = found.get(name_key(n))
            if cat is None:
                raise NameProblem("unknown_cat", name=n[:40])
            out.append(torch.from_numpy(cat.latent.copy()))
        return out

    def _fits(self, cat: AdoptedCat) -> bool:
        """A cat adopted under another model (a different latent size) can't be decoded by this one."""
        if cat.latent.shape == (self.latent_dim,):
            return True
        log.warning("skipping an adopted cat with a %d-d latent (the model has %d)", cat.latent.shape[0],
                    self.latent_dim)
        return False


def adopted_list_text(names: Sequence[str], lang: str, limit: int = MAX_NAMES_PER_CHAT,
                      max_chars: int = 600) -> str:
    """The chat's own cats as one line for /cats (they come first, before the gallery). Long lists
    end in "… (+N)" so the line fits in a photo caption (Telegram allows 1024 characters)."""
    from bot.common.texts import t

    if not names:
        return t("adopted_none", lang)
    shown: list[str] = []
    for i, name in enumerate(names):
        if sum(len(s) + 2 for s in shown) + len(name) > max_chars:
            shown.append(f"… (+{len(names) - i})")
            break
        shown.append(name)
    return t("adopted_title", lang, count=len(names), limit=limit, names=", ".join(shown))


def name_source(adopted: AdoptedCats, scope: str) -> Callable[[list[str]], Awaitable[list[torch.Tensor]]]:
    """The chat's names as `bot.common.sources.resolve_cats(named=...)` wants them: the latents
    in order, and an unknown name as the resolver's own SourceProblem (so the handlers answer it
    like an unknown gallery number)."""

    async def named(names: list[str]) -> list[torch.Tensor]:
        from bot.common.sources import SourceProblem  # here: sources needs the gallery, storage does not

        try:
            return await adopted.latents(scope, names)
        except NameProblem as problem:
            raise SourceProblem(problem.key, **problem.params) from None

    return named
