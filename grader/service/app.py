"""The HTTP face of the service: an ASGI application (FastAPI) over the course.

Students authenticate with a personal token (``Authorization: Bearer``).

* ``POST /api/submissions`` -- the notebook as the body; ``202`` with an id
  once the file and its queued row are committed. The cheap refusals come
  first, before a byte of the body is parsed: ``401`` without a live token,
  ``429`` with ``Retry-After`` past the per-minute limit (every attempt counts,
  refused ones too) or with as many of the student's own waiting as they may
  have, or with as many of their bodies still arriving or being parsed as
  they may send at once (each is a file on disk that no cap counts yet),
  ``503`` when the class's queue is full, ``413`` past the size limit
  (counted as the body streams to a file, never held in memory); then the
  file is parsed in a capped process of its own (:mod:`.parsing`): ``400``
  with a Russian reason for what is not this lab's notebook; last, the disk
  caps on kept uploads (graded ones give way first): ``429`` when the
  student's waiting uploads fill theirs, ``503`` when the class's fill the
  total;
* ``GET /api/submissions/{id}`` -- its status and, when graded, the verdict
  (the JSON of ``grader check``); ``404`` for an id that is not the student's,
  exactly as for one that does not exist;
* ``GET /api/submissions`` -- the student's own history;
* ``GET /api/release`` -- the lab as released (its files, base64), and
  ``GET /api/feedback`` -- the feedback page of the student's latest graded
  submission: with these and the above, a hub needs no shared exchange
  folder (the exchange classes in ``grader.client``);
* ``GET /`` -- the page, in Russian; ``GET /client.py`` -- the standalone client.

Every GET but the health check counts against a per-minute limit of its
token (of its client's address when it has none): ``429`` with
``Retry-After`` past it.
"""

import asyncio
import collections
import contextlib
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from ..course.base.layout import ASSIGNMENT
from ..submission.reading import too_large
from . import lateness, store
from .access_log import AccessLog
from .limits import Attempts, ReadLimit
from .parsing import Parser, ParsingUnavailable

MB = 2 ** 20


@dataclass
class Options:
    """What an instructor may tune: ``grader serve``'s flags, where each is explained."""

    max_bytes: int = 20 * MB          # one upload
    per_minute: int = 10              # uploads one student may try a minute
    max_queue: int = 1000             # waiting, the whole class together
    max_per_student: int = 20         # waiting, one student
    student_disk_bytes: int = 200 * MB  # kept uploads of one student
    disk_bytes: int = 10 * 2 ** 30    # kept uploads of the whole class
    parse_workers: int = 2            # uploads parsed at once, each in a process of its own
    parse_memory_bytes: int = 512 * MB  # address space of one parsing process
    get_per_minute: int = 120         # GET requests a minute per token (per address without one)
    receiving_per_student: int = 2    # uploads of one student arriving or being parsed at once


def create_app(engine, uploads, dispatcher, options=None):
    options = options or Options()
    uploads = Path(uploads)
    incoming = uploads / ".incoming"
    locks, locks_guard, disk = {}, threading.Lock(), threading.Lock()
    receiving = collections.Counter()  # per student, uploads between their first refusals and their answer
    attempts = Attempts(options.per_minute)
    finished = Finished()
    dispatcher.on_done = finished.notify
    parser = Parser(options.parse_workers, options.parse_memory_bytes)  # its processes start with the first upload

    @contextlib.asynccontextmanager
    async def lifespan(app):
        finished.loop = asyncio.get_running_loop()
        uploads.mkdir(parents=True, exist_ok=True, mode=0o700)
        incoming.mkdir(exist_ok=True, mode=0o700)
        for stale in incoming.glob("*.part"):  # bodies a stopped server was receiving
            stale.unlink(missing_ok=True)
        try:
            yield
        finally:
            parser.close()

    app = FastAPI(title="dnn_step_by_step grader", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)

    app.add_middleware(ReadLimit, attempts=Attempts(options.get_per_minute), exempt=("/api/health",))
    app.add_middleware(AccessLog)

    def student_of(request):
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        student = store.student_of(engine, token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if student is None:
            raise HTTPException(401, "нужен действующий личный токен (заголовок Authorization: Bearer …)",
                                headers={"WWW-Authenticate": "Bearer"})
        request.state.student = student  # for the access log
        return student

    def lock_of(student):
        with locks_guard:
            return locks.setdefault(student, threading.Lock())

    def accept(student, part, size, sha256):
        """Store and queue a checked upload; what a 202 promises is on disk and committed when this returns."""
        with lock_of(student):
            queue_full(student)  # again: uploads of one student sent at once all passed the early look
            try:
                submission, freed = store.accept(
                    engine, student, size, sha256, store.now(),
                    write=lambda name: _move_durably(part, uploads / (name + ".ipynb")),
                    disk_caps=(options.student_disk_bytes, options.disk_bytes), one_at_a_time=disk)
            except store.Full as full:
                raise _disk_full(full.scope, options) from None
        for gone in freed:  # graded uploads that gave way: in the gradebook already
            (uploads / (gone + ".ipynb")).unlink(missing_ok=True)
        dispatcher.wake()
        return submission

    def queue_full(student):
        """Refuse (429) a student who has as many waiting as they may."""
        mine = store.waiting_of(engine, student)
        if mine >= options.max_per_student:
            raise HTTPException(429, "у вас уже {} работ ждут проверки (больше {} нельзя): дождитесь вердикта "
                                     "и попробуйте через {} с".format(mine, options.max_per_student, QUEUE_RETRY),
                                headers={"Retry-After": str(QUEUE_RETRY)})

    def refuse_early(student):
        """The refusals that need no body: the student's own limits, then the class's queue."""
        wait = attempts.count(student)
        if wait:
            raise HTTPException(429, "не больше {} работ в минуту: попробуйте через {} с".format(
                options.per_minute, wait), headers={"Retry-After": str(wait)})
        queue_full(student)
        if store.waiting(engine) >= options.max_queue:  # the whole class at a deadline
            raise HTTPException(503, "сервер перегружен: попробуйте через {} с".format(QUEUE_RETRY),
                                headers={"Retry-After": str(QUEUE_RETRY)})

    @contextlib.contextmanager
    def one_of_few(student):
        """Count an upload of ``student`` in flight, or refuse (429) one past :attr:`Options.receiving_per_student`.

        A body held open mid-way (a slow or stalled client) keeps its partial
        file on disk and its connection, and the per-minute limit alone would
        let a student pile up ever more of them; this bounds the disk one
        student's unfinished uploads take to a few times the size limit.
        """
        with locks_guard:
            if receiving[student] >= options.receiving_per_student:
                raise HTTPException(429, "одновременно можно отправлять не больше {} работ: дождитесь ответа на уже "
                                         "отправленные и попробуйте через {} с".format(
                                             options.receiving_per_student, QUEUE_RETRY),
                                    headers={"Retry-After": str(QUEUE_RETRY)})
            receiving[student] += 1
        try:
            yield
        finally:
            with locks_guard:
                receiving[student] -= 1
                if not receiving[student]:
                    del receiving[student]

    @app.post("/api/submissions", status_code=202)
    async def submit(request: Request):
        student = await run_in_threadpool(student_of, request)
        await run_in_threadpool(refuse_early, student)
        late = await run_in_threadpool(lateness.warning, engine, dispatcher.course, student)
        if late and request.query_params.get(lateness.CONFIRM) != "1":  # a late resubmission, said before it counts
            raise HTTPException(409, late)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > options.max_bytes:
            raise HTTPException(413, too_large(options.max_bytes))
        with one_of_few(student):
            return await receive_and_queue(request, student)

    async def receive_and_queue(request, student):
        part = incoming / (secrets.token_hex(16) + ".part")
        try:
            size = await _receive(request, part, options.max_bytes)
            try:
                sha256, reason = await parser.check(part, incoming)
            except ParsingUnavailable as error:  # the machine's state, not the work's: try again soon
                logging.getLogger("grader.service").warning("an upload of %s not parsed: %s", student, error)
                raise HTTPException(503, "сервер перегружен: попробуйте через {} с".format(QUEUE_RETRY),
                                    headers={"Retry-After": str(QUEUE_RETRY)}) from None
            if reason:
                raise HTTPException(400, reason)
            submission = await run_in_threadpool(accept, student, part, size, sha256)
        finally:
            part.unlink(missing_ok=True)
        return {"id": submission, "status": store.QUEUED, "url": "/api/submissions/" + submission}

    @app.get("/api/submissions/{submission}")
    async def status(submission: str, request: Request, wait: float = 0):
        """Its status; with ``?wait=S``, held up to S seconds (at most 30) until it is graded."""
        student = await run_in_threadpool(student_of, request)
        found = await run_in_threadpool(store.find, engine, submission, student)
        if found is None:
            raise HTTPException(404, "нет такой работы")
        if found["status"] != store.DONE and wait > 0:
            await finished.wait(submission, min(wait, 30.0))
            found = await run_in_threadpool(store.find, engine, submission, student)
        return found

    @app.get("/api/submissions")
    def mine(request: Request):
        student = student_of(request)
        return {"student": student, "submissions": store.history(engine, student)}

    release = {}

    @app.get("/api/release")
    def released(request: Request):
        student_of(request)
        if not release:
            release.update(_release_files(dispatcher.course))
        return {"assignment": ASSIGNMENT, "files": release}

    @app.get("/api/feedback")
    def feedback(request: Request):
        student = student_of(request)
        page = _feedback_page(dispatcher.course, student)
        if page is None:
            raise HTTPException(404, "отзыва пока нет: работа ещё не проверена")
        return page

    @app.get("/api/health")
    def health():
        """For a load balancer or a monitor: ok or failing, nothing more (the reason is in the server's log)."""
        return {"status": "failing" if dispatcher.failure else "ok"}

    @app.get("/", response_class=HTMLResponse)
    def page():
        from ..client import STATUS_RU, UNGRADABLE_RU
        from ..course.pages.templates import render

        return render("page.html.j2", package="grader.service", assignment=ASSIGNMENT, status=STATUS_RU,
                      ungradable=UNGRADABLE_RU,
                      max_mb=options.max_bytes // 2 ** 20, per_minute=options.per_minute)

    @app.get("/client.py", response_class=PlainTextResponse)
    def client():
        from .. import client as module

        return PlainTextResponse(Path(module.__file__).read_text(encoding="utf-8"), media_type="text/x-python")

    return app


QUEUE_RETRY = 30  # seconds a student is told to wait when the queue is full


def _disk_full(scope, options):
    """The refusal when the kept uploads fill a disk cap: the student's own (429) or the class's (503)."""
    if scope == "student":
        return HTTPException(429, "ваши работы, ждущие проверки, заняли на сервере всё отведённое вам место "
                                  "({} МБ): дождитесь их вердикта и попробуйте через {} с".format(
                                      options.student_disk_bytes // MB, QUEUE_RETRY),
                             headers={"Retry-After": str(QUEUE_RETRY)})
    return HTTPException(503, "на сервере кончилось место для работ: попробуйте через {} с".format(QUEUE_RETRY),
                         headers={"Retry-After": str(QUEUE_RETRY)})


async def _receive(request, part, max_bytes):
    """Stream the body into the file ``part``, refusing it (413) as soon as it passes ``max_bytes``; its size."""
    size = 0
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise HTTPException(413, too_large(max_bytes))
            out.write(chunk)  # a chunk at a time (64 KB at most from uvicorn) into the page cache
    return size


def _release_files(course):
    """{relative path: base64} of every file of the release a student gets."""
    import base64

    from ..course.base.lab_context import lab_folder

    root = lab_folder(course)
    return {str(path.relative_to(root)): base64.b64encode(path.read_bytes()).decode("ascii")
            for path in sorted(root.rglob("*")) if path.is_file() and not path.is_symlink()}


def _feedback_page(course, student):
    """{"submitted_at", "html"} of ``student``'s latest graded submission, or None."""
    from ..course.base.layout import Submission
    from ..course.pages.export import MISSING, row_of
    from ..course.pages.feedback import page_of
    from ..course.records.gradebook import open_gradebook

    with open_gradebook(course) as gb:
        row = row_of(gb, student)
        if row.status == MISSING:
            return None
        moment = gb.find_submission(ASSIGNMENT, student).timestamp
        html = page_of(gb, Submission(student, Path(course) / "submitted" / student / ASSIGNMENT), row)
    return {"submitted_at": moment.isoformat() if moment else "", "html": html}


class Finished:
    """Long polling: a request waiting for a verdict sleeps until the grading loop says it is done."""

    def __init__(self):
        self.loop, self._events = None, {}

    async def wait(self, submission, seconds):
        event = self._events.setdefault(submission, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except asyncio.TimeoutError:
            pass
        finally:
            self._events.pop(submission, None)

    def notify(self, submission):
        """From the grading loop's thread: wake whoever waits for ``submission``."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._set, submission)

    def _set(self, submission):
        event = self._events.get(submission)
        if event is not None:
            event.set()


def _move_durably(part, path):
    """The upload on disk before it is acknowledged: synced, renamed into place, the folder synced."""
    with open(part, "rb") as received:
        os.fsync(received.fileno())
    os.replace(part, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
