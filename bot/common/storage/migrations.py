"""The schema, as an ordered list of migrations: one path for every table the bots keep.

The database's `PRAGMA user_version` says how many have been applied. A migration is never
edited once shipped; a change to a table is a new migration at the end of the list. Each one
runs in its own transaction, so a crash half-way leaves the previous version intact.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    about: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the chats' adopted cats", """
        CREATE TABLE adopted_cats (
            scope       TEXT    NOT NULL,  -- 'telegram:<chat id>' or 'discord:<guild or DM channel id>'
            name_key    TEXT    NOT NULL,  -- the name folded for case-insensitive lookups
            name        TEXT    NOT NULL,  -- the name as the chat wrote it
            latent      BLOB    NOT NULL,  -- float32 little-endian; never the photo
            dim         INTEGER NOT NULL,
            adopted_by  INTEGER NOT NULL,
            adopted_at  REAL    NOT NULL,
            PRIMARY KEY (scope, name_key)
        ) WITHOUT ROWID;
    """),
    Migration(2, "the request journal", """
        CREATE TABLE requests (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- arrival order
            platform     TEXT    NOT NULL,
            ref          TEXT    NOT NULL,  -- the platform's id for it (Telegram update id, interaction id)
            chat_id      INTEGER NOT NULL,
            user_id      INTEGER NOT NULL,
            grp          TEXT,              -- requests finished together (a Telegram album)
            payload      TEXT    NOT NULL,  -- JSON: file references, options, where to answer; never photos
            state        TEXT    NOT NULL DEFAULT 'open',  -- open | done | closed
            accepted_at  REAL    NOT NULL,
            expires_at   REAL,              -- when it can no longer be answered (a Discord token's end)
            finished_at  REAL,
            UNIQUE (platform, ref)
        );
        CREATE INDEX requests_open ON requests (platform, state, id);
        CREATE INDEX requests_group ON requests (platform, chat_id, grp);
    """),
    Migration(3, "which request adopted each cat (a replayed /adopt recognises its own write)", """
        -- 'telegram:<update id>' or 'discord:<interaction id>'; NULL for cats adopted before it was kept
        ALTER TABLE adopted_cats ADD COLUMN request TEXT;
    """),
    Migration(4, "pictures already uploaded (inline mode answers by file id); a user's own cats in any chat", """
        CREATE TABLE platform_files (
            platform  TEXT    NOT NULL,  -- 'telegram'
            key       TEXT    NOT NULL,  -- what the picture shows: a hash of the model, the cats and the options
            file_id   TEXT    NOT NULL,  -- the platform's id of the uploaded file, reusable by this bot
            kind      TEXT    NOT NULL,  -- photo | gif
            made_at   REAL    NOT NULL,
            PRIMARY KEY (platform, key)
        ) WITHOUT ROWID;
        -- inline mode: `@bot Luna` finds the cats this user adopted in any chat
        CREATE INDEX adopted_cats_by ON adopted_cats (adopted_by);
    """),
    Migration(5, "conversation state kept across a restart: the cats behind result buttons (storage/kept.py)", """
        CREATE TABLE kept_state (
            kind        TEXT    NOT NULL,  -- 'results'
            key         TEXT    NOT NULL,  -- the button's key
            value       BLOB    NOT NULL,  -- serialised by its owner (arrays as .npy, the rest JSON)
            size        INTEGER NOT NULL,
            saved_at    REAL    NOT NULL,
            expires_at  REAL    NOT NULL,
            PRIMARY KEY (kind, key)
        ) WITHOUT ROWID;
    """),
)

LATEST = MIGRATIONS[-1].version


class SchemaTooNew(RuntimeError):
    """The file was written by a newer version of the bot: refuse rather than guess."""


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """The file's schema version; SchemaTooNew (and nothing written) if a newer bot made it."""
    current = schema_version(conn)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise SchemaTooNew(f"the database has schema version {current}, but this bot only knows up to {latest}; "
                           "run a newer version of Kitten Mixer or point DATABASE_PATH at another file")
    return current


def migrate(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Bring `conn` (autocommit mode) up to the last migration; returns the version reached."""
    current = check_not_newer(conn, migrations)
    for m in migrations:
        if m.version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(m.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(m.version)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("database schema migrated to version %d (%s)", m.version, m.about)
        current = m.version
    return current


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (`executescript` would commit our transaction)."""
    out, buf = [], ""
    for piece in sql.split(";"):  # a piece ends where a statement may end; quotes may hold a ";"
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n\t;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \n\t;"):
        out.append(buf.strip())
    return out
