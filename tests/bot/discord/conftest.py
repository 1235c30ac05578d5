"""Fixtures for the Discord bot tests: a local fake Discord and the real bot (real discord.py,
real engine on the tiny model) connected to it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import discord
import discord.gateway
import discord.http
import numpy as np
import pytest
from dc_fake_discord import FakeDiscord
from generated_finder import GeneratedFaceFinder
from PIL import Image

from bot.common.settings import Secret, Settings
from bot.discord.app import build_bot
from vae_core.engine import Engine

TOKEN = "fake-token-never-real"


@pytest.fixture(autouse=True)
def no_unexpected_errors(caplog):
    """The bot must log nothing at ERROR unless a test expects it (and then clears caplog):
    discord.py swallows handler exceptions as "Ignoring exception..." log lines."""
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
async def fake(monkeypatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    # The two switches the library offers for a local Discord; monkeypatch puts them back.
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", server.gateway_url)
    yield server
    await server.stop()


StartBot = Callable[..., Awaitable[discord.Client]]


@pytest.fixture
async def start_bot(fake, tiny_model, tmp_path) -> AsyncIterator[StartBot]:
    """`await start_bot(**settings)`: a connected bot; settings default to small test limits."""
    running: list[tuple[discord.Client, asyncio.Task, Engine]] = []

    async def start(engine_max_pending: int = 16, **overrides) -> discord.Client:
        values = dict(discord_bot_token=Secret(TOKEN), discord_guild_id=0, rate_refill_s=0.0,
                      max_upload_mb=1.0, download_timeout_s=5.0, engine_workers=2, database_path=tmp_path / "kitten.db",
                      engine_max_pending=engine_max_pending)
        values.update(overrides)
        settings = Settings(**values)
        engine = Engine(tiny_model, settings.engine_settings(), finder=GeneratedFaceFinder())
        bot = build_bot(settings, engine)
        task = asyncio.create_task(bot.start(settings.discord_bot_token.reveal()))
        running.append((bot, task, engine))
        await fake.wait_connected()
        return bot

    yield start
    for bot, task, engine in running:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 5)
        engine.close()


def png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def gradient_png() -> bytes:
    """A cat-less picture: a flat colour gradient."""
    yy, xx = np.mgrid[0:128, 0:128]
    return png(np.stack([xx * 2, yy * 2, np.full_like(xx, 128)], -1).astype(np.uint8))
