"""/adopt NAME PHOTO and /forget NAME | all: the server's own cats (or the DM's, outside servers).

The shared `AdoptedCats` service does the work; this cog parses, checks permissions and answers.
Problems (a bad name, a refused file, a non-admin's `/forget all`) are private; an adoption or a
forgotten cat is announced publicly, because the whole server shares its cats.

/adopt finds and encodes a face, which is engine work: it waits its turn in the shared fair line
(runner.py's `job`, as a mix does, and as Telegram's /adopt does through runner.turn), so a flood of
adoptions from one server waits with the place notice instead of meeting a busy engine, and can't
crowd out other servers' requests.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.adoption import adopted_list_text, scope_for
from bot.common.cat_names import MAX_NAME_LEN, NameProblem, check_name
from bot.common.texts import t

from ..ack import before_deferring
from ..attachments import check_attachment, fetch_images
from ..errors import Notice
from ..i18n import text
from ..runner import job
from ..say import edit_original, follow_up, respond
from ..services import chat_of, lang_of, services

log = logging.getLogger(__name__)

FORGET_ALL = ("all", "todos")


def discord_scope(interaction: discord.Interaction) -> str:
    return scope_for("discord", chat_of(interaction))


def is_chat_admin(interaction: discord.Interaction) -> bool:
    """Server admins are those who may manage the server; in a DM the user is the admin."""
    if interaction.guild_id is None:
        return True
    return bool(interaction.permissions.manage_guild or interaction.permissions.administrator)


async def announce(interaction: discord.Interaction, content: str) -> None:
    """Publicly, as the answer or as the follow-up of a deferral; a "You're #3 in line..." notice
    (runner.py) becomes the announcement, as it becomes the result of a mix."""
    mentions = discord.AllowedMentions.none()
    if interaction.extras.get("placed"):
        await edit_original(interaction, content, allowed_mentions=mentions)
    elif interaction.response.is_done():
        await follow_up(interaction, content, allowed_mentions=mentions)
    else:
        await respond(interaction, content, allowed_mentions=mentions)
    interaction.extras["delivered"] = True  # the request got its answer (the line's log line says "ok")


async def adopt_photo(interaction: discord.Interaction, name: str, photo: discord.Attachment) -> None:
    """Adopt `photo` as `name` (already checked) once the fair line gives this request its turn.

    The line may be full: then the user gets a private "try again" button that runs this again
    for the button's interaction (same server, same user, same photo and name)."""
    svc = services(interaction)

    async def work() -> str:
        [data] = await fetch_images(svc.session, [photo], max_bytes=svc.settings.max_upload_bytes,
                                    timeout_s=svc.settings.download_timeout_s)
        [cat] = await svc.engine.cats([data])
        return await svc.adopted.adopt(discord_scope(interaction), name, cat.z, interaction.user.id,
                                       request=f"discord:{interaction.id}")

    async with job(interaction, retry=lambda again: adopt_photo(again, name, photo)):
        try:
            stored = await before_deferring(interaction, work())
        except NameProblem as problem:
            raise Notice(problem.key, **problem.params) from None
        await announce(interaction, t("adopt_done", lang_of(interaction), name=stored))


async def adopted_heading(interaction: discord.Interaction) -> str:
    """The server's own cats, to put first on /cats (with a blank line after); "" when it has none."""
    adopted = services(interaction).adopted
    names = await adopted.names(discord_scope(interaction))
    return adopted_list_text(names, lang_of(interaction), adopted.max_names) + "\n\n" if names else ""


class AdoptCog(commands.Cog):
    @app_commands.command(name="adopt", description=text("cmd_adopt"))
    @app_commands.describe(name=text("dc_opt_adopt_name"), photo=text("dc_opt_adopt_photo"))
    async def adopt(self, interaction: discord.Interaction,
                    name: app_commands.Range[str, 1, 2 * MAX_NAME_LEN], photo: discord.Attachment) -> None:
        svc = services(interaction)
        try:
            clean = check_name(name)
        except NameProblem as problem:
            raise Notice(problem.key, **problem.params) from None
        check_attachment(photo, svc.settings.max_upload_bytes)
        await adopt_photo(interaction, clean, photo)

    @app_commands.command(name="forget", description=text("cmd_forget"))
    @app_commands.describe(name=text("dc_opt_forget_name"))
    async def forget(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        adopted, lang, scope = services(interaction).adopted, lang_of(interaction), discord_scope(interaction)
        if name.strip().lower() in FORGET_ALL:
            if not is_chat_admin(interaction):
                raise Notice("forget_all_admins")
            try:
                count = await adopted.forget_all(scope)
            except NameProblem as problem:  # the database can't be written right now
                raise Notice(problem.key, **problem.params) from None
            log.info("%s: all %d adopted cats forgotten by an admin", scope, count)
            await announce(interaction, t("forget_all_done", lang, count=count))
            return
        try:
            forgotten = await adopted.forget(scope, name)
        except NameProblem as problem:
            raise Notice(problem.key, **problem.params) from None
        await announce(interaction, t("forget_done", lang, name=forgotten))
