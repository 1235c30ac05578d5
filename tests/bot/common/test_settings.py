import dataclasses
import re
from pathlib import Path

import pytest

from bot.common.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def test_env_example_documents_every_setting_and_parses():
    text = (ROOT / ".env.example").read_text()
    keys = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.M))
    assert {f.name.upper() for f in dataclasses.fields(Settings)} <= keys
    s = Settings.from_env(env={}, dotenv=ROOT / ".env.example")
    assert s.engine_workers == 2 and not s.telegram_bot_token.reveal()


def test_environment_wins_over_dotenv_and_types_are_checked(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("RATE_REFILL_S=9\nDISCORD_SHARDED=yes\nQUEUE_PER_CHAT=3\n")
    s = Settings.from_env(env={"QUEUE_PER_CHAT": "5"}, dotenv=env_file)
    assert (s.rate_refill_s, s.discord_sharded, s.queue_per_chat) == (9.0, True, 5)
    with pytest.raises(ValueError, match="QUEUE_PER_CHAT"):
        Settings.from_env(env={"QUEUE_PER_CHAT": "lots"}, dotenv=None)


def test_tokens_never_show_in_repr_str_or_errors():
    token = "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    s = Settings.from_env(env={"TELEGRAM_BOT_TOKEN": token, "DISCORD_BOT_TOKEN": "abc.def.ghi"}, dotenv=None)
    for shown in (repr(s), str(s), f"{s.telegram_bot_token}", f"{s}"):
        assert token not in shown and "abc.def.ghi" not in shown
    assert s.telegram_bot_token.reveal() == token
    with pytest.raises(ValueError) as e:
        Settings.from_env(env={"TELEGRAM_BOT_TOKEN": token, "DISCORD_GUILD_ID": token}, dotenv=None)
    assert token not in str(e.value)
