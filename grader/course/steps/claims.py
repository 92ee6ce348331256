"""Claims: two grading runs on one gradebook never grade the same student at once.

A run claims a student before grading and lets go once the record is
written; a run that finds a student claimed leaves them to the claimer. The
claim dies with the run however it ends (SIGKILL included), so a crashed run
blocks nobody:

* PostgreSQL -- a session advisory lock, held by one connection of this run
  (released by the server when the connection drops): runs on different
  machines agree;
* any other database (sqlite) -- ``flock`` on a file under the course's
  ``.grader/claims/`` (released by the kernel when the process dies).
"""

import fcntl
import hashlib
import os
from pathlib import Path

from ..base.layout import ASSIGNMENT


def claims_for(course):
    """The claims fitting the gradebook of ``course`` (a :class:`~..base.course.Course`)."""
    url = course.db_url
    return AdvisoryLocks(url) if url.startswith("postgresql") else FileLocks(course.root / ".grader" / "claims")


def _key(student):
    """A 63-bit key for a student of this assignment (collisions: never in practice)."""
    return int.from_bytes(hashlib.sha256((ASSIGNMENT + "\0" + student).encode()).digest()[:8], "big") >> 1


class AdvisoryLocks:
    def __init__(self, url):
        from sqlalchemy import create_engine

        from sqlalchemy.pool import NullPool

        self._engine = create_engine(url, poolclass=NullPool)
        self._connection = self._engine.connect()

    def claim(self, student):
        from sqlalchemy import text

        got = self._connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _key(student)}).scalar()
        self._connection.commit()
        return bool(got)

    def release(self, student):
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _key(student)})
            self._connection.commit()
        except SQLAlchemyError:
            pass  # a lost connection has dropped its locks already

    def close(self):
        from sqlalchemy.exc import SQLAlchemyError

        try:
            self._connection.close()
        except SQLAlchemyError:
            pass
        self._engine.dispose()


class FileLocks:
    def __init__(self, folder):
        self._folder = Path(folder)
        self._folder.mkdir(parents=True, exist_ok=True)
        self._held = {}

    def claim(self, student):
        fd = os.open(self._folder / "{:016x}.lock".format(_key(student)), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._held[student] = fd
        return True

    def release(self, student):
        fd = self._held.pop(student, None)
        if fd is not None:
            os.close(fd)  # closing drops the lock

    def close(self):
        for student in list(self._held):
            self.release(student)
