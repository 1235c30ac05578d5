"""Discord front end: slash commands, a message context menu and a button over the shared engine.

Entry point: `bot.discord.app.run(Settings.from_env())`; `build_bot` gives tests an unstarted bot.
"""
