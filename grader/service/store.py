"""The service's state, in the gradebook's own database: the source of truth.

Two tables beside nbgrader's (nbgrader ignores tables it does not know):

* ``grader_tokens`` -- a student's personal token, kept only as its sha256;
* ``grader_submissions`` -- every accepted upload: who, when, its state
  (``queued`` -> ``running`` -> ``done``) and, when done, the verdict as the
  JSON a student is shown.

An upload is acknowledged only once its file is on disk and its row is
committed; a submission is marked done in the same transaction that records
its grades (see :mod:`.dispatcher`), so a server killed at any moment loses
nothing it acknowledged and records nothing twice.
"""

import datetime
import hashlib
import json
import secrets

from sqlalchemy import (Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, event, func, insert,
                        select, update)

METADATA = MetaData()
TOKENS = Table(
    "grader_tokens", METADATA,
    Column("token_sha256", String(64), primary_key=True),
    Column("student", String(128), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)
SUBMISSIONS = Table(
    "grader_submissions", METADATA,
    Column("id", String(32), primary_key=True),
    Column("student", String(128), nullable=False, index=True),
    Column("submitted_at", DateTime, nullable=False, index=True),
    Column("state", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("graded_at", DateTime),
    Column("result", Text),
)
QUEUED, RUNNING, DONE = "queued", "running", "done"


def now():
    """The current time, UTC, without tzinfo (as every column here stores it)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def engine_for(url):
    """An engine on the gradebook database, with the service's tables created if missing."""
    if url.startswith("sqlite"):
        # A pool as large as the web server's thread pool: connections are reused, never churned.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=40,
                               max_overflow=10)

        @event.listens_for(engine, "connect")
        def _wal(connection, record):  # readers never wait for the writer, nor it for them; a commit
            connection.execute("PRAGMA journal_mode=WAL")  # survives the process being killed
            connection.execute("PRAGMA synchronous=NORMAL")
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=40, max_overflow=10)
    METADATA.create_all(engine)
    return engine


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(engine, student):
    """A new token for ``student`` (any older one is revoked); the token itself is returned, never stored."""
    token = secrets.token_urlsafe(32)
    with engine.begin() as db:
        db.execute(update(TOKENS).where(TOKENS.c.student == student, TOKENS.c.revoked_at.is_(None))
                   .values(revoked_at=now()))
        db.execute(insert(TOKENS).values(token_sha256=hash_token(token), student=student, created_at=now()))
    return token


def has_live_token(engine, student):
    """Whether ``student`` holds a token that works (one handed out and not revoked)."""
    with engine.connect() as db:
        return db.execute(select(TOKENS.c.token_sha256).where(TOKENS.c.student == student,
                                                              TOKENS.c.revoked_at.is_(None)).limit(1)).first() is not None


def revoke(engine, student):
    with engine.begin() as db:
        return db.execute(update(TOKENS).where(TOKENS.c.student == student, TOKENS.c.revoked_at.is_(None))
                          .values(revoked_at=now())).rowcount


def student_of(engine, token):
    """The student a live token belongs to, or None."""
    with engine.connect() as db:
        return db.execute(select(TOKENS.c.student).where(TOKENS.c.token_sha256 == hash_token(token),
                                                         TOKENS.c.revoked_at.is_(None))).scalar()


def accept(engine, student, size, sha256, at, write):
    """Queue a submission: ``write(id)`` puts its file on disk first; the row is committed on return."""
    submission = secrets.token_hex(16)
    write(submission)
    with engine.begin() as db:
        db.execute(insert(SUBMISSIONS).values(id=submission, student=student, submitted_at=at, state=QUEUED,
                                              attempts=0, size=size, sha256=sha256))
    return submission


def find(engine, submission, student):
    """``student``'s submission ``submission`` as the API shows it, or None (also for another's)."""
    with engine.connect() as db:
        row = db.execute(select(SUBMISSIONS).where(SUBMISSIONS.c.id == submission,
                                                   SUBMISSIONS.c.student == student)).mappings().first()
    return shown(row) if row else None


def history(engine, student, limit=100):
    with engine.connect() as db:
        rows = db.execute(select(SUBMISSIONS).where(SUBMISSIONS.c.student == student)
                          .order_by(SUBMISSIONS.c.submitted_at.desc()).limit(limit)).mappings().all()
    return [shown(row, with_result=False) for row in rows]


def shown(row, with_result=True):
    result = json.loads(row["result"]) if row["result"] else None
    out = {"id": row["id"], "status": row["state"], "submitted_at": _iso(row["submitted_at"]),
           "graded_at": _iso(row["graded_at"])}
    if result is not None:
        out["score"] = result.get("score")
        out["late"] = (result.get("late") or {}).get("text")
        if with_result:
            out["result"] = result
    return out


def _iso(moment):
    return moment.replace(tzinfo=datetime.timezone.utc).isoformat() if moment else None


def requeue_running(engine):
    """After a restart: what was being graded when the server stopped is graded again."""
    with engine.begin() as db:
        return db.execute(update(SUBMISSIONS).where(SUBMISSIONS.c.state == RUNNING).values(state=QUEUED)).rowcount


def claim_next(engine, busy_students):
    """Mark the oldest queued submission of a student with nothing in flight as running; return it or None.

    A student's submissions are graded one at a time, oldest first, so the
    gradebook ends with their latest.
    """
    with engine.begin() as db:
        candidates = db.execute(select(SUBMISSIONS.c.id, SUBMISSIONS.c.student, SUBMISSIONS.c.submitted_at,
                                       (SUBMISSIONS.c.attempts + 1).label("attempts"))
                                .where(SUBMISSIONS.c.state == QUEUED).order_by(SUBMISSIONS.c.submitted_at)
                                .limit(len(busy_students) + 50)).all()
        for row in candidates:
            if row.student in busy_students:
                continue
            claimed = db.execute(update(SUBMISSIONS).where(SUBMISSIONS.c.id == row.id,
                                                           SUBMISSIONS.c.state == QUEUED)
                                 .values(state=RUNNING, attempts=SUBMISSIONS.c.attempts + 1)).rowcount
            if claimed:
                return row
    return None


def finish(connection, submission, result_json):
    """Mark done with its verdict -- on the gradebook's own transaction (see the dispatcher)."""
    connection.execute(update(SUBMISSIONS).where(SUBMISSIONS.c.id == submission)
                       .values(state=DONE, graded_at=now(), result=json.dumps(result_json, ensure_ascii=False)))


def finish_unrecorded(engine, submission, result_json):
    """Mark done with its verdict when the gradebook could not take it (the student still sees why)."""
    with engine.begin() as db:
        finish(db, submission, result_json)


def give_back(engine, submission):
    """Put a submission back in the queue (its grading was lost)."""
    with engine.begin() as db:
        db.execute(update(SUBMISSIONS).where(SUBMISSIONS.c.id == submission).values(state=QUEUED))


def waiting(engine):
    """How many submissions are queued or being graded."""
    with engine.connect() as db:
        return db.execute(select(func.count()).select_from(SUBMISSIONS)
                          .where(SUBMISSIONS.c.state.in_((QUEUED, RUNNING)))).scalar() or 0


def expired(engine, before):
    """Ids of graded submissions whose verdict is older than ``before``: their uploads may go."""
    with engine.connect() as db:
        return list(db.execute(select(SUBMISSIONS.c.id).where(SUBMISSIONS.c.state == DONE,
                                                              SUBMISSIONS.c.graded_at < before)).scalars())


def counts(engine):
    """{state: how many}: for the health check and the tests."""
    with engine.connect() as db:
        return dict(db.execute(select(SUBMISSIONS.c.state, func.count()).group_by(SUBMISSIONS.c.state)).all())
