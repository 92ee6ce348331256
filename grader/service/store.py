"""The service's state, in the gradebook's own database: the source of truth.

Tables beside nbgrader's (nbgrader ignores tables it does not know):

* ``grader_tokens`` -- a student's personal token, kept only as its sha256;
* ``grader_submissions`` -- every accepted upload: who, when, its state
  (``queued`` -> ``running`` -> ``done``) and, when done, the verdict as the
  JSON a student is shown;
* ``grader_turns`` -- when each student's submission was last claimed: the
  queue is worked round-robin over students, one submission of each in flight;
* ``grader_uploads`` -- the upload files kept on disk and their sizes: the
  disk caps are counted here, reserved before a file is written.

An upload is acknowledged only once its file is on disk and its row is
committed; a submission is marked done in the same transaction that records
its grades (see :mod:`.dispatcher`), so a server killed at any moment loses
nothing it acknowledged and records nothing twice.
"""

import contextlib
import datetime
import hashlib
import json
import secrets

from sqlalchemy import (Column, DateTime, Index, Integer, MetaData, String, Table, Text, create_engine, delete, event,
                        exists, func, insert, select, update)

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
TURNS = Table(
    "grader_turns", METADATA,
    Column("student", String(128), primary_key=True),
    Column("claimed_at", DateTime),
)
UPLOADS = Table(
    "grader_uploads", METADATA,
    Column("submission", String(32), primary_key=True),
    Column("student", String(128), nullable=False, index=True),
    Column("size", Integer, nullable=False),
)
# A student's queue, found by an index rather than a scan, however long the class's queue is.
BY_STUDENT = Index("grader_submissions_state_student", SUBMISSIONS.c.state, SUBMISSIONS.c.student,
                   SUBMISSIONS.c.submitted_at)
QUEUED, RUNNING, DONE = "queued", "running", "done"
WAITING = (QUEUED, RUNNING)


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
    BY_STUDENT.create(engine, checkfirst=True)  # also on a gradebook whose table an older version made
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


class Full(Exception):
    """No room for an upload: ``scope`` is "student" (their own cap) or "class" (the total)."""

    def __init__(self, scope):
        super().__init__(scope)
        self.scope = scope


def accept(engine, student, size, sha256, at, write, disk_caps=(None, None), one_at_a_time=None):
    """Queue a submission: ``write(id)`` puts its file on disk first; the row is committed on return.

    ``disk_caps``: (bytes of one student's kept uploads, bytes of everyone's)
    or None for no cap; room is made first (:func:`reserve`), under the lock
    ``one_at_a_time`` so two uploads never count the same room. Returns the
    new id and the ids of graded uploads whose files must go to make room.
    """
    submission = secrets.token_hex(16)
    with one_at_a_time or contextlib.nullcontext():
        freed = reserve(engine, submission, student, size, *disk_caps)
    try:
        write(submission)
        with engine.begin() as db:
            db.execute(insert(SUBMISSIONS).values(id=submission, student=student, submitted_at=at, state=QUEUED,
                                                  attempts=0, size=size, sha256=sha256))
    except BaseException:
        release(engine, [submission])
        raise
    return submission, freed


def reserve(engine, submission, student, size, per_student=None, total=None):
    """Count ``size`` bytes of ``student``'s upload against the disk caps, or raise :class:`Full`.

    Room is made by giving up graded uploads, the oldest first: each is in the
    gradebook already and a student's latest is their ``submitted/`` notebook,
    so nothing is lost. Uploads still waiting are never given up: when they
    alone fill a cap, the upload is refused. Returns the ids given up (their
    files are the caller's to remove); the reservation is committed with it.
    """
    freed = []
    with engine.begin() as db:
        for scope, cap, mine in (("student", per_student, UPLOADS.c.student == student), ("class", total, True)):
            if cap is None:
                continue
            excess = (db.execute(select(func.coalesce(func.sum(UPLOADS.c.size), 0)).where(mine)).scalar() or 0) \
                + size - cap
            graded = db.execute(select(UPLOADS.c.submission, UPLOADS.c.size)
                                .join(SUBMISSIONS, SUBMISSIONS.c.id == UPLOADS.c.submission)
                                .where(mine, SUBMISSIONS.c.state == DONE)
                                .order_by(SUBMISSIONS.c.graded_at, SUBMISSIONS.c.id)) if excess > 0 else ()
            given_up = []
            for row in graded:
                if excess <= 0:
                    break
                given_up.append(row.submission)
                excess -= row.size
            if excess > 0:
                raise Full(scope)
            if given_up:
                db.execute(delete(UPLOADS).where(UPLOADS.c.submission.in_(given_up)))
                freed += given_up
        db.execute(insert(UPLOADS).values(submission=submission, student=student, size=size))
    return freed


def reconcile_uploads(engine, on_disk):
    """At start: make the kept-uploads rows agree with ``on_disk`` ({submission id: file size}).

    A reservation whose submission never got its row (the server stopped
    between the two) is dropped, and its id returned so its file, if any, can
    go; a file with a submission but no row (kept by a version before the
    disk caps) is counted from now on.
    """
    with engine.begin() as db:
        orphans = list(db.execute(select(UPLOADS.c.submission).where(
            ~exists().where(SUBMISSIONS.c.id == UPLOADS.c.submission))).scalars())
        if orphans:
            db.execute(delete(UPLOADS).where(UPLOADS.c.submission.in_(orphans)))
        counted = set(db.execute(select(UPLOADS.c.submission)).scalars())
        for chunk in _chunks([s for s in on_disk if s not in counted], 500):
            for row in db.execute(select(SUBMISSIONS.c.id, SUBMISSIONS.c.student).where(SUBMISSIONS.c.id.in_(chunk))):
                db.execute(insert(UPLOADS).values(submission=row.id, student=row.student, size=on_disk[row.id]))
    return orphans


def _chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def release(engine, submissions):
    """Forget the kept uploads ``submissions`` (their files are gone or going)."""
    with engine.begin() as db:
        db.execute(delete(UPLOADS).where(UPLOADS.c.submission.in_(list(submissions))))


def waiting_of(engine, student):
    """How many of ``student``'s submissions are queued or being graded."""
    with engine.connect() as db:
        return db.execute(select(func.count()).select_from(SUBMISSIONS)
                          .where(SUBMISSIONS.c.student == student, SUBMISSIONS.c.state.in_(WAITING))).scalar() or 0


def first_waiting(connection, student):
    """When ``student``'s oldest submission still queued or being graded was made (naive UTC), or None."""
    return connection.execute(select(func.min(SUBMISSIONS.c.submitted_at)).where(
        SUBMISSIONS.c.student == student, SUBMISSIONS.c.state.in_(WAITING))).scalar()


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
    if result is not None and row["state"] != DONE:  # waiting: only why it still waits (see note_waiting)
        out["note"] = result.get("note")
    elif result is not None:
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


def claim_next(engine, tries=20):
    """Mark the next submission running and return it, or None: round-robin over students, one in flight each.

    The next is the oldest queued submission of the student who has none
    running and whose turn came longest ago (never counts as longest), whatever the
    length of the queue -- so a student with hundreds queued delays a
    classmate by one grading at most. A student's are graded oldest first, so
    the gradebook ends with their latest. Safe with several dispatchers on
    one database: the student's turn row is updated first (PostgreSQL locks
    it until commit, SQLite takes its single write lock), then the claim
    holds only if none of theirs is running, so a race is lost, never doubled.
    """
    for _ in range(tries):
        with engine.connect() as db:
            with db.begin() as transaction:
                row = db.execute(_NEXT).first()
                if row is None:
                    return None
                _insert_new(db, TURNS, student=row.student)
                db.execute(update(TURNS).where(TURNS.c.student == row.student).values(claimed_at=now()))
                claimed = db.execute(update(SUBMISSIONS).where(SUBMISSIONS.c.id == row.id,
                                                               SUBMISSIONS.c.state == QUEUED, ~_running(row.student))
                                     .values(state=RUNNING, attempts=SUBMISSIONS.c.attempts + 1)).rowcount
                if claimed:
                    return row
                transaction.rollback()  # another dispatcher took this student's turn: look again
    return None


def _running(student_column):
    running = SUBMISSIONS.alias("running")
    return exists().where(running.c.student == student_column, running.c.state == RUNNING)


def _next_query():
    """The queued submission :func:`claim_next` takes (a select of id, student, submitted_at, attempts).

    Students are ranked on one pass over the queued rows' index (each one's
    oldest), not a look-up per row: the cost grows with the queue's index,
    not with the queue times each student's share.
    """
    firsts = (select(SUBMISSIONS.c.student, func.min(SUBMISSIONS.c.submitted_at).label("first"))
              .where(SUBMISSIONS.c.state == QUEUED).group_by(SUBMISSIONS.c.student).subquery("firsts"))
    student = (select(firsts.c.student).select_from(firsts.outerjoin(TURNS, TURNS.c.student == firsts.c.student))
               .where(~_running(firsts.c.student))
               .order_by(TURNS.c.claimed_at.asc().nulls_first(), firsts.c.first, firsts.c.student)
               .limit(1).scalar_subquery())
    return (select(SUBMISSIONS.c.id, SUBMISSIONS.c.student, SUBMISSIONS.c.submitted_at,
                   (SUBMISSIONS.c.attempts + 1).label("attempts"))
            .where(SUBMISSIONS.c.student == student, SUBMISSIONS.c.state == QUEUED)
            .order_by(SUBMISSIONS.c.submitted_at, SUBMISSIONS.c.id).limit(1))


_NEXT = _next_query()


def _insert_new(db, table, **values):
    """Insert a row unless its key is there already (one statement, no race), on SQLite or PostgreSQL."""
    if db.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    db.execute(dialect_insert(table).values(**values).on_conflict_do_nothing())


def finish(connection, submission, result_json):
    """Mark done with its verdict -- on the gradebook's own transaction (see the dispatcher)."""
    connection.execute(update(SUBMISSIONS).where(SUBMISSIONS.c.id == submission)
                       .values(state=DONE, graded_at=now(), result=json.dumps(result_json, ensure_ascii=False)))


def note_waiting(engine, submission, note):
    """Say why a submission still waits (the grader failed on it, it will be graded again): the API's ``note``.

    Kept where its verdict will go: a verdict replaces it, and a restart keeps it."""
    with engine.begin() as db:
        db.execute(update(SUBMISSIONS).where(SUBMISSIONS.c.id == submission, SUBMISSIONS.c.state != DONE)
                   .values(result=json.dumps({"note": note}, ensure_ascii=False)))


def finish_unrecorded(engine, submission, result_json):
    """Mark done with its verdict when the gradebook could not take it (the student still sees why)."""
    with engine.begin() as db:
        finish(db, submission, result_json)


def waiting(engine):
    """How many submissions are queued or being graded."""
    with engine.connect() as db:
        return db.execute(select(func.count()).select_from(SUBMISSIONS)
                          .where(SUBMISSIONS.c.state.in_(WAITING))).scalar() or 0


def expired(engine, before):
    """Ids of kept uploads whose verdict is older than ``before``: they may go."""
    with engine.connect() as db:
        return list(db.execute(select(UPLOADS.c.submission).join(SUBMISSIONS, SUBMISSIONS.c.id == UPLOADS.c.submission)
                               .where(SUBMISSIONS.c.state == DONE, SUBMISSIONS.c.graded_at < before)).scalars())


def counts(engine):
    """{state: how many}: for the health check and the tests."""
    with engine.connect() as db:
        return dict(db.execute(select(SUBMISSIONS.c.state, func.count()).group_by(SUBMISSIONS.c.state)).all())
