"""Build the python-telegram-bot Application, and run it (long polling, or a webhook).

`build_application` takes an Engine instead of loading one so the tests can run the real
Application against a local fake Bot API server with a tiny model; `run` is what the CLI calls.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.common import scale
from bot.common.adoption import AdoptedCats
from bot.common.backoff import RetryPolicy
from bot.common.commands.help import TELEGRAM, menu
from bot.common.settings import ConfigError, Settings
from bot.common.storage import Storage, StorageError
from bot.common.texts import TEXTS
from bot.telegram.errors import on_error
from bot.telegram.handlers import register
from bot.telegram.handlers.mix import keep_mix_asks
from bot.telegram.inline import InlineMode, register_inline, start_inline
from bot.telegram.journal import JournalingApplication, JournalingJobQueue, RequestJournal
from bot.telegram.logs import protect_logs, quiet_http_logs
from bot.telegram.sending import PatientRateLimiter
from bot.telegram.state import STATE_KEY, BotState
from vae_core.engine import Engine

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY, Update.CHOSEN_INLINE_RESULT]
MISSING_TOKEN = ("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token in the "
                 "environment or in .env (TELEGRAM_BOT_TOKEN=123456:ABC...).")


def build_application(settings: Settings, engine: Engine) -> Application:
    token = settings.telegram_bot_token.reveal()
    if not token:
        raise ConfigError(MISSING_TOKEN)
    quiet_http_logs()  # httpx logs every request URL, and the URL holds the token
    builder = (ApplicationBuilder().token(token)
               .concurrent_updates(True)  # one slow mix must not hold up everyone else's updates
               # Telegram's flood limits (~30 msg/s, 20/min per group): 429s waited out, 5xx retried
               .rate_limiter(PatientRateLimiter(policy=RetryPolicy(total_s=settings.send_retry_s),
                                                group_max_rate=settings.telegram_group_rate))
               # every request is journaled before work starts, and finished once answered (journal.py)
               .application_class(JournalingApplication)
               .job_queue(JournalingJobQueue())
               .post_init(_post_init)
               .post_shutdown(_post_shutdown))
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    app = builder.build()
    engine = scale.engine(settings, engine)  # the in-process engine, or the workers (REDIS_URL)
    state = app.bot_data[STATE_KEY] = BotState.create(settings, engine)
    state.storage = Storage.create(settings.database_path)
    state.adopted = AdoptedCats(state.storage.cats, engine.model.config.latent_dim)
    state.requests = RequestJournal(app, state.storage.journal, settings.request_max_age_s, settings.stop_grace_s,
                                    settings.journal_retry_s)
    register(app)
    state.inline = InlineMode(state)  # inline mode: bot/telegram/inline.py (issue 23)
    register_inline(app)
    app.add_error_handler(on_error)
    return app


async def _post_init(app: Application) -> None:
    """Open the database before the first update (a damaged file is set aside now, with a log
    line; one that can't be used at all leaves the bot serving without it), arrange the clean
    stop and the journal's replay, then publish the command menu."""
    state = app.bot_data[STATE_KEY]
    with contextlib.suppress(StorageError):  # logged once by the database; mixes don't need it
        await state.storage.open()
    # buttons and face questions survive a restart, and so do /mix-then-photos asks
    kept = await scale.keep_conversations(state.settings, state.storage, state.results, state.face_asks)
    await keep_mix_asks(app, kept)
    await state.requests.load_unfinished()  # before polling starts: only the last run's requests
    await start_inline(app)  # the same for chosen inline results (bot/telegram/inline.py)
    if state.requests.handle_signals:
        state.requests.install_signal_handlers()
    # Once the application runs (the line, the job queue): replay what the last run left unanswered.
    app.job_queue.run_once(lambda _: state.requests.resume(), 0, name="resume-journal")
    retry = state.settings.journal_retry_s
    app.job_queue.run_repeating(lambda _: state.requests.sweep(), interval=retry, first=retry, name="journal-sweep")
    app.job_queue.run_repeating(  # `kitten-mixer status` without Redis reads this row
        lambda _: scale.write_status("telegram", state.settings, state.storage, state.scheduler, state.engine),
        interval=scale.STATUS_EVERY_S, first=0, name="status-row")
    await _publish_commands(app)


async def _post_shutdown(app: Application) -> None:
    state = app.bot_data[STATE_KEY]
    await state.asks.flush()
    # the shared line, the workers' connections, the kept store's last writes
    await scale.close(state.scheduler, state.engine, state.results, state.face_asks)
    await state.storage.close()


async def _publish_commands(app: Application) -> None:
    """The command menu, in every catalogue language; a failure here must not stop the bot."""
    for lang in TEXTS:
        commands = [BotCommand(name, what) for name, what in menu(TELEGRAM, lang)]  # bot/common/commands/help.py
        try:
            await app.bot.set_my_commands(commands, language_code=None if lang == "en" else lang)
        except TelegramError as e:
            log.warning("could not publish the command menu (%s): %s", lang, e)


def run(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM: long polling, or a webhook when TELEGRAM_WEBHOOK_URL is set."""
    token = settings.telegram_bot_token.reveal()
    if not token:
        raise ConfigError(MISSING_TOKEN)
    if settings.telegram_webhook_url:
        _check_webhook_support()
    protect_logs(token, settings.log_level)
    engine = Engine(settings.kitten_weights, settings.engine_settings())  # before connecting: fail early
    try:
        app = build_application(settings, engine)
        # SIGTERM/SIGINT go to the journal's clean stop (finish or keep the work in progress), not
        # to python-telegram-bot's immediate one.
        app.bot_data[STATE_KEY].requests.handle_signals = True
        if settings.telegram_webhook_url:
            app.run_webhook(listen="0.0.0.0", port=settings.telegram_webhook_port,
                            url_path=urlsplit(settings.telegram_webhook_url).path.lstrip("/"),
                            webhook_url=settings.telegram_webhook_url,
                            secret_token=secrets.token_urlsafe(32),  # Telegram echoes it; strangers can't
                            allowed_updates=ALLOWED_UPDATES, stop_signals=None)
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)
    except InvalidToken:
        raise ConfigError("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather.") from None
    except NetworkError as e:
        raise ConfigError(f"Could not reach Telegram ({e}); check the network or TELEGRAM_BASE_URL.") from None
    finally:
        engine.close()


def _check_webhook_support() -> None:
    try:
        import tornado  # noqa: F401  (PTB's webhook server)
    except ImportError:
        raise ConfigError("TELEGRAM_WEBHOOK_URL is set, but webhooks need the webhook extra: "
                          "pip install 'python-telegram-bot[webhooks]' (or unset it to use long polling).") from None
