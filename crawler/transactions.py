"""Explicit SQLite transactions, the same under every sqlite-utils and Python version.

``with conn:`` alone does not open a transaction: Python's sqlite3 begins one implicitly at the first
write, and sqlite-utils 4's ``Database.execute`` commits a write made outside an open transaction at
once. Together, every statement of a ``with conn:`` block committed on its own — a kill between two
of them left a queue entry gone and its report never written. ``atomic`` begins the transaction
before the first statement, so the block commits or rolls back as one.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


_savepoints = itertools.count(1)


@contextmanager
def atomic(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One transaction on ``conn``: committed when the block ends, rolled back if it raises.

    It takes the write lock at once (``BEGIN IMMEDIATE``, waiting up to the connection's busy timeout),
    so a block that reads and then writes never fails on a snapshot another writer made stale. Inside an
    open transaction the block is a savepoint: it rolls back alone, the outer one decides the commit.
    """
    if conn.in_transaction:
        name = f"nianbao_{next(_savepoints)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # an error may have ended the whole transaction already
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    conn.commit()
