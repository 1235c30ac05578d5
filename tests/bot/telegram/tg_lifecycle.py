"""Stopping a test's Application the way run_polling does (its own module: test files import it
by name, and `conftest` would be ambiguous with the Discord tests' conftest in the same run)."""

from __future__ import annotations

from telegram.ext import Application


async def stop_app(app: Application) -> None:
    """What run_polling does on the way out (tests that restart the bot call it themselves)."""
    if not app.running:
        return
    if app.updater.running:  # a clean stop (journal.py) may have stopped polling already
        await app.updater.stop()
    await app.stop()
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)
