"""Discord scaled out (issue 24): DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS reach discord.py's
AutoShardedBot, and REDIS_URL gives the bot the shared line and the workers (bot/common/scale.py)."""

from __future__ import annotations

import pytest
from redis_server import redis_server  # noqa: F401  (the fixture)

from bot.common.line import RoundRobinLine
from bot.common.redis_line import RedisLine
from bot.common.remote_jobs import RemoteEngine
from bot.common.settings import ConfigError, Settings
from bot.discord.app import KittenBot, ShardedKittenBot, build_bot


def test_shard_ids_are_read_and_checked():
    assert Settings(discord_shard_count=4, discord_shard_ids="2, 3").shard_ids == [2, 3]
    assert Settings(discord_shard_count=4).shard_ids is None
    with pytest.raises(ConfigError, match="DISCORD_SHARD_COUNT"):
        _ = Settings(discord_shard_ids="1").shard_ids
    with pytest.raises(ConfigError, match="between 0 and 3"):
        _ = Settings(discord_shard_count=4, discord_shard_ids="4").shard_ids


async def test_one_process_runs_its_shards_of_the_count(engine, tmp_path):
    bot = build_bot(Settings(discord_shard_count=4, discord_shard_ids="2,3", database_path=tmp_path / "k.db"), engine)
    try:
        assert isinstance(bot, ShardedKittenBot) and (bot.shard_count, bot.shard_ids) == (4, [2, 3])
        assert isinstance(bot.services.scheduler.line, RoundRobinLine) and bot.services.engine is engine
    finally:
        await bot.services.close()
    plain = build_bot(Settings(database_path=tmp_path / "k2.db"), engine)
    assert type(plain) is KittenBot
    await plain.services.close()


async def test_with_redis_the_line_is_shared_and_mixes_go_to_the_workers(engine, tmp_path, redis_server):  # noqa: F811
    bot = build_bot(Settings(redis_url=redis_server.url, database_path=tmp_path / "k.db"), engine)
    line = bot.services.scheduler.line
    assert isinstance(line, RedisLine) and isinstance(bot.services.engine, RemoteEngine)
    assert bot.services.engine.model is engine.model  # the cheap calls stay local
    assert line.r.exists(f"km:line:alive:{line.owner}")
    await bot.services.close()
    assert not line.r.exists(f"km:line:alive:{line.owner}")  # it left the shared line
