"""/adopt NAME PHOTO and /forget NAME | all on Discord: the server's own cats (or the DM's).

bot/common/commands/adopt.py checks the options and says what to answer; this cog checks the file
and permissions, waits in the shared fair line (finding a face is engine work: runner.py's `job`,
as for a mix, so a flood of adoptions waits with the place notice and can't crowd out other
servers), asks "where's the face?" when the finder isn't sure (faces.py), and sends the answer.
Refusals are private; an adoption or a forgotten cat is announced publicly, because the whole
server shares its cats.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.common.adoption import scope_for
from bot.common.cat_names import MAX_NAME_LEN
from bot.common.commands import Refusal
from bot.common.commands import adopt as adopt_cmd
from bot.common.face_asks import FaceAsk
from vae_core.errors import FaceNotFound
from vae_core.hints import FaceHint

from ..ack import before_deferring, defer
from ..attachments import check_attachment, fetch_images
from ..errors import Notice
from ..faces import Resume, ask_where, resumes_with
from ..i18n import text
from ..installs import bot_is_here
from ..runner import job
from ..say import edit_original, follow_up, respond
from ..services import chat_of, lang_of, services


def discord_scope(interaction: discord.Interaction) -> str:
    return scope_for("discord", chat_of(interaction))


def is_chat_admin(interaction: discord.Interaction) -> bool:
    """Server admins are those who may manage the server; in a DM the user is the admin."""
    if interaction.guild_id is None:
        return True
    return bool(interaction.permissions.manage_guild or interaction.permissions.administrator)


async def announce(interaction: discord.Interaction, said: adopt_cmd.Done | Refusal) -> None:
    """A refusal privately (raised for the tree's error handler); what was done publicly, as the
    answer or the follow-up of a deferral. A "You're #3 in line..." notice (runner.py) becomes the
    announcement, as it becomes the result of a mix."""
    if isinstance(said, Refusal):
        raise Notice(said.key, **said.params)
    content, mentions = said.text(lang_of(interaction)), discord.AllowedMentions.none()
    if interaction.extras.get("placed"):
        await edit_original(interaction, content, allowed_mentions=mentions)
    elif interaction.response.is_done():
        await follow_up(interaction, content, allowed_mentions=mentions)
    else:
        await respond(interaction, content, allowed_mentions=mentions)
    interaction.extras["delivered"] = True  # the request got its answer (the line's log line says "ok")


async def adopt_photo(interaction: discord.Interaction, plan: adopt_cmd.Adopt, photo: discord.Attachment | None,
                      request: str, kept: bytes | None = None, hint: FaceHint | None = None) -> None:
    """Adopt `photo` once the fair line gives this request its turn. `kept` and `hint` come from a
    tapped "where's the face?" question: the photo already fetched, and where the user said the
    face is. A full line gives a private "try again" button that runs this again for its press."""
    svc = services(interaction)

    async def work() -> tuple[bytes, adopt_cmd.Done | Refusal | None]:
        [data] = [kept] if kept is not None else await fetch_images(
            svc.session, [photo], max_bytes=svc.settings.max_upload_bytes, timeout_s=svc.settings.download_timeout_s)
        try:
            return data, await plan.make(svc.engine, svc.adopted, discord_scope(interaction), data,
                                         interaction.user.id, request, hint)
        except FaceNotFound as missing:  # not from the photo's middle, not refused: ask where the face is
            return data, missing

    async with job(interaction, retry=lambda again: adopt_photo(again, plan, photo, request, kept, hint)):
        data, said = await before_deferring(interaction, work())
        if isinstance(said, FaceNotFound):
            await defer(interaction)  # the question is a public follow-up, like a mix's
            await ask_where(interaction, [data], [0], None,
                            lambda again, hints: adopt_photo(again, plan, photo, request, data, hints[0]), said.dogs,
                            {"kind": "adopt", "name": plan.name, "request": request})
            return
        await announce(interaction, said)


def _revived(recipe: dict, ask: FaceAsk) -> Resume:
    """An /adopt question pressed after a restart: the kept photo, under the name it was asked for."""
    plan = adopt_cmd.Adopt(recipe["name"])
    return lambda again, hints: adopt_photo(again, plan, None, recipe["request"], ask.images[0], hints[0])


resumes_with("adopt", _revived)


async def adopted_heading(interaction: discord.Interaction) -> str:
    """The server's own cats, to put first on /cats (with a blank line after); "" when it has none."""
    return await adopt_cmd.heading(services(interaction).adopted, discord_scope(interaction), lang_of(interaction))


class AdoptCog(commands.Cog):
    @app_commands.command(name="adopt", description=text("cmd_adopt"))
    @app_commands.describe(name=text("dc_opt_adopt_name"), photo=text("dc_opt_adopt_photo"))
    async def adopt(self, interaction: discord.Interaction,
                    name: app_commands.Range[str, 1, 2 * MAX_NAME_LEN], photo: discord.Attachment) -> None:
        if not bot_is_here(interaction):  # a user install where the app is not (installs.py)
            raise Notice("dc_needs_bot_here")
        plan = adopt_cmd.plan([name], photos=1)
        if isinstance(plan, Refusal):
            raise Notice(plan.key, **plan.params)
        check_attachment(photo, services(interaction).settings.max_upload_bytes)
        await adopt_photo(interaction, plan, photo, f"discord:{interaction.id}")

    @app_commands.command(name="forget", description=text("cmd_forget"))
    @app_commands.describe(name=text("dc_opt_forget_name"))
    async def forget(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        if not bot_is_here(interaction):
            raise Notice("dc_needs_bot_here")
        plan = adopt_cmd.plan_forget([name])
        if isinstance(plan, Refusal):
            raise Notice(plan.key, **plan.params)
        said = await plan.make(services(interaction).adopted, discord_scope(interaction), is_chat_admin(interaction))
        await announce(interaction, said)
