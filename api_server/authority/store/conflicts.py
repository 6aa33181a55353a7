"""What the stores refuse, in their own terms: a change that would give a second record
what the tenant keeps unique, or a database that cannot take a change now. The
Management API's handlers answer these with Auth0's errors; no caller above the stores
sees SQLite's own exceptions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum


class Unique(StrEnum):
    """What the tenant holds once (the UNIQUE constraints of tables.py)."""

    ORGANIZATION_NAME = "organization name"
    ACTION_NAME = "action name"
    CLIENT_GRANT = "client grant"  # one per client and API
    EXCHANGE_PROFILE_NAME = "token exchange profile name"


class AlreadyExists(Exception):
    """`unique` is taken; `clash` holds the values that clashed (a name; a client and an
    audience)."""

    def __init__(self, unique: Unique, **clash: str) -> None:
        super().__init__(f"{unique} already taken: {clash}")
        self.unique = unique
        self.clash = clash


class Unavailable(Exception):
    """The database could not take a change now (another writer held it past the busy
    timeout, or the disk is full); the transaction rolled back, nothing changed."""


@contextmanager
def kept_unique(unique: Unique, **clash: str) -> Iterator[None]:
    """Around a change: SQLite's UNIQUE constraint failing becomes AlreadyExists. Other
    constraints (NOT NULL, a foreign key) are bugs, and stay what they are."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if exc.sqlite_errorcode in (
            sqlite3.SQLITE_CONSTRAINT_UNIQUE,
            sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY,
        ):
            raise AlreadyExists(unique, **clash) from None
        raise
