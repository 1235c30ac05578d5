"""Which SQLite errors mean what: proven damage, a storage fault worth retrying, or a bug.

Why by SQLite's own result codes and not by message text: "disk I/O error" from a write that
the disk refused says nothing about the file's health, and treating it as damage once cost a
chat all its cats (a healthy file was moved aside). Only SQLite's corrupt and not-a-database
codes, or our own failed integrity checks, count as proof.
"""

from __future__ import annotations

import sqlite3

_CORRUPT = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
# The file and its data are fine; the disk, the permissions or another process got in the way.
_FAULTS = frozenset({sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY,
                     sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PERM, sqlite3.SQLITE_NOLFS})


def _primary(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_corrupt(error: sqlite3.Error) -> bool:
    """SQLite proved the file damaged, or our own check did (those carry no code: "malformed")."""
    code = _primary(error)
    if code is not None:
        return code in _CORRUPT
    return isinstance(error, sqlite3.DatabaseError) and "malformed" in str(error)


def is_fault(error: sqlite3.Error) -> bool:
    """An error of the storage, not of the data: retry it, keep the file, say it could not be saved."""
    code = _primary(error)
    return code in _FAULTS if code is not None else False
