"""The Telegram front end (python-telegram-bot v22): `build_application`, `run` in app.py."""
