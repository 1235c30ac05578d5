"""Where each command may be installed and used, and what changes when the bot itself is absent.

Discord lets an app be installed two ways (discord.py 2.4+ `allowed_installs`): to a server (as
always: a bot member, commands for everyone there) and to a user (the person's own commands, in
any server, in DMs and group DMs, without the bot being a member). Each command also says in
which contexts (`allowed_contexts`) it shows up: 0 a server, 1 a DM with the bot, 2 other DMs
and group DMs. Both fields are set for every command from the one table below (`place_commands`
refuses a command missing from it, so a new command can't be forgotten):

- /mix, "Mix these cats", /random, /cats, /cat, /map, /kittens, /blend, /help: both installs, every
  context. They need nothing from the place but the interaction itself (attachments and the
  target message arrive in its payload; nothing reads a channel), so they work where the bot is
  not a member.
- /adopt and /forget: server install, in servers and the bot's DM. Adopted cats belong to a place
  that added the app (its admins may /forget them); a user install in someone else's server or a
  group DM is not one, and gets a kind refusal if Discord offers the command there anyway (an
  install made before this table, a stale client): `bot_is_here`, texts.py `dc_needs_bot_here`.
- /resync: server install, in servers and the bot's DM: the owner's tool, hidden from members.

What differs for a user-installed interaction where the app is not installed to the server
(Discord's documented rules, handled here so that cogs only ask):
- at most 5 follow-up messages (`spend_follow_up`, counted where every follow-up is sent: say.py);
- a member whose role may not "Use External Apps" gets every response forced private
  (`forced_private`): the result says so instead of pretending it was posted for everyone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord
from discord import app_commands

log = logging.getLogger(__name__)

MAX_USER_INSTALL_FOLLOW_UPS = 5  # Discord refuses the 6th with error 40094


@dataclass(frozen=True)
class Place:
    """Where a command is offered: installs (server, user) and contexts (server, bot DM, other DMs)."""

    server_install: bool
    user_install: bool
    servers: bool
    bot_dm: bool
    private_channels: bool

    def installs(self) -> app_commands.AppInstallationType:
        return app_commands.AppInstallationType(guild=self.server_install, user=self.user_install)

    def contexts(self) -> app_commands.AppCommandContext:
        return app_commands.AppCommandContext(guild=self.servers, dm_channel=self.bot_dm,
                                              private_channel=self.private_channels)


ANYWHERE = Place(server_install=True, user_install=True, servers=True, bot_dm=True, private_channels=True)
WITH_THE_BOT = Place(server_install=True, user_install=False, servers=True, bot_dm=True, private_channels=False)

# Every command the bot registers (names as registered). See the module docstring for why.
PLACES: dict[str, Place] = {
    "mix": ANYWHERE, "Mix these cats": ANYWHERE, "random": ANYWHERE, "cats": ANYWHERE, "map": ANYWHERE,
    "kittens": ANYWHERE, "blend": ANYWHERE, "cat": ANYWHERE, "help": ANYWHERE,
    "adopt": WITH_THE_BOT, "forget": WITH_THE_BOT, "resync": WITH_THE_BOT,
}


def place_commands(tree: app_commands.CommandTree) -> None:
    """Set `allowed_installs` and `allowed_contexts` on every command of `tree` (before syncing)."""
    for command in tree.get_commands():
        place = PLACES.get(command.name)
        if place is None:
            raise LookupError(f"command {command.name!r} has no place in bot/discord/installs.py PLACES")
        command.allowed_installs = place.installs()
        command.allowed_contexts = place.contexts()


def user_install_only(interaction: discord.Interaction) -> bool:
    """Run through the user's own install, the app not being installed where it was run."""
    return interaction.is_user_integration() and not interaction.is_guild_integration()


def bot_is_here(interaction: discord.Interaction) -> bool:
    """Whether the app belongs where this interaction happened: a server that installed it (the
    interaction says so, or the gateway told the bot it is a member), or the bot's own DM. A user
    install in someone else's server or in a group DM is not: nothing may be kept for that place
    (its admins never added us, and could not /forget what a passer-by adopted)."""
    if interaction.guild_id is not None:
        return interaction.is_guild_integration() or interaction.client.get_guild(interaction.guild_id) is not None
    return not interaction.context.private_channel  # the bot's DM (context 1, or none given: older payloads)


def forced_private(interaction: discord.Interaction) -> bool:
    """Discord will show this interaction's responses to the user alone: a user install in a
    server whose rules deny the member "Use External Apps" (or a public deferral that came back
    private, seen by ack.defer)."""
    if interaction.extras.get("forced_private"):
        return True
    return (interaction.guild_id is not None and user_install_only(interaction)
            and not interaction.permissions.use_external_apps)


def spend_follow_up(interaction: discord.Interaction) -> bool:
    """Count a follow-up about to be sent; False when Discord would refuse it (the 6th of a
    user-installed interaction), which is logged and not sent."""
    sent = interaction.extras.get("follow_ups", 0)
    if user_install_only(interaction) and sent >= MAX_USER_INSTALL_FOLLOW_UPS:
        log.warning("follow-up %d of a user-installed interaction not sent (Discord allows %d)", sent + 1,
                    MAX_USER_INSTALL_FOLLOW_UPS)
        return False
    interaction.extras["follow_ups"] = sent + 1
    return True
