"""A real redis-server of the test's own, on a Unix socket in a temporary directory (issue 24).

No mock or fake Redis stands in for it. Without the `redis-server` binary the Redis tests skip,
except under CI=true, where a skipped Redis test is a failure (.ci/run installs the binary).
The server writes an append-only file, so `stop()` then `start()` is a Redis restart that keeps
its data, as a production Redis with AOF does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest


class RedisServer:
    def __init__(self, directory: Path):
        self.dir = directory
        self.sock = directory / "redis.sock"
        self.url = f"unix://{self.sock}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", str(self.sock), "--unixsocketperm", "700",
             "--dir", str(self.dir), "--save", "", "--appendonly", "yes", "--appendfsync", "always",
             "--loglevel", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.sock.exists() and self.ping():
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(unix_socket_path=str(self.sock), socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def need_redis() -> None:
    if shutil.which("redis-server"):
        return
    message = "redis-server is not installed (apt-get install -y redis-server)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + ": under CI a skipped Redis test is a failure")
    pytest.skip(message)


@pytest.fixture
def redis_server(tmp_path_factory):
    need_redis()
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()
