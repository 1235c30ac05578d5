"""Fixtures for the Telegram end-to-end tests: a fake Bot API server and the real Application
(real python-telegram-bot, real Engine on the tiny model) polling it."""

from __future__ import annotations

import dataclasses

import pytest
from tg_fake_api import TOKEN, FakeBotApi
from tg_lifecycle import stop_app

from bot.common.settings import Secret, Settings
from bot.telegram.app import build_application

# No per-user rate and no place notices unless a test asks: most tests count the replies they expect.
FAST = {"album_wait_s": 0.2, "rate_refill_s": 0.0, "queue_notice_s": 30.0, "ask_timeout_s": 30.0,
        "download_timeout_s": 5.0}


@pytest.fixture
async def tg_api():
    api = FakeBotApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
def tg_settings(tg_api, tmp_path) -> Settings:
    return Settings(telegram_bot_token=Secret(TOKEN), telegram_base_url=tg_api.base_url,
                    telegram_base_file_url=tg_api.base_file_url, database_path=tmp_path / "kitten.db", **FAST)


@pytest.fixture
async def tg_start(tg_settings, engine):
    """`await tg_start(**setting_overrides, engine=...)` -> a running Application polling the fake."""
    running = []

    async def start(engine_=None, **overrides):
        settings = dataclasses.replace(tg_settings, **overrides)
        app = build_application(settings, engine_ or engine)
        await app.initialize()
        if app.post_init:  # run_polling would call it; we drive the lifecycle by hand
            await app.post_init(app)
        await app.start()
        # Polling errors go to the error handlers, as run_polling arranges.
        await app.updater.start_polling(poll_interval=0, timeout=1, error_callback=lambda exc: app.create_task(
            app.process_error(error=exc, update=None)))
        running.append(app)
        return app

    yield start
    for app in running:
        await stop_app(app)
