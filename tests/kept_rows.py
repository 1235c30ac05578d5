"""What a bot's SQLite file keeps of its conversations (kept_state), read as a test looks at it."""

from __future__ import annotations

import sqlite3


def kept(path, kind: str) -> int:
    """How many entries of `kind` (results, face_asks, mix_asks...) the file holds."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM kept_state WHERE kind = ?", (kind,)).fetchone()[0]
    finally:
        conn.close()
