"""The HTTP face of the service: an ASGI application (FastAPI) over the course.

Students authenticate with a personal token (``Authorization: Bearer``).

* ``POST /api/submissions`` -- the notebook as the body; ``202`` with an id
  once the file and its queued row are committed. The cheap refusals come
  first, before a byte of the body is parsed: ``401`` without a live token,
  ``429`` with ``Retry-After`` past the per-minute limit (every attempt counts,
  refused ones too), ``413`` past the size limit (before the body is read
  whole); only then ``400`` with a Russian reason for what is not this lab's
  notebook;
* ``GET /api/submissions/{id}`` -- its status and, when graded, the verdict
  (the JSON of ``grader check``); ``404`` for an id that is not the student's,
  exactly as for one that does not exist;
* ``GET /api/submissions`` -- the student's own history;
* ``GET /api/release`` -- the lab as released (its files, base64), and
  ``GET /api/feedback`` -- the feedback page of the student's latest graded
  submission: with these and the above, a hub needs no shared exchange
  folder (the exchange classes in ``grader.client``);
* ``GET /`` -- the page, in Russian; ``GET /client.py`` -- the standalone client.
"""

import asyncio
import collections
import contextlib
import math
import os
import threading
import time
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from ..course.layout import ASSIGNMENT
from ..submission.answers import answer_cells
from ..submission.reading import Unreadable, parse_notebook, too_large
from . import lateness, store
from .access_log import AccessLog


class Options:
    """What an instructor may tune (``grader serve`` flags)."""

    def __init__(self, max_bytes=20 * 1024 * 1024, per_minute=10, max_queue=1000):
        self.max_bytes, self.per_minute, self.max_queue = max_bytes, per_minute, max_queue


def create_app(engine, uploads, dispatcher, options=None):
    options = options or Options()
    uploads = Path(uploads)
    locks, locks_guard = {}, threading.Lock()
    attempts = Attempts(options.per_minute)
    finished = Finished()
    dispatcher.on_done = finished.notify

    @contextlib.asynccontextmanager
    async def lifespan(app):
        finished.loop = asyncio.get_running_loop()
        yield

    app = FastAPI(title="dnn_step_by_step grader", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
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

    def accept(student, raw):
        """Check, store, queue; what a 202 promises is on disk and committed when this returns."""
        try:
            notebook = parse_notebook(raw)
            cells = answer_cells(notebook.cells)
        except Unreadable as reason:
            raise HTTPException(400, "файл не принят: {}".format(reason)) from None
        if not cells.by_function and not any(c.nbgrader.get("grade_id", "").startswith("test_")
                                             for c in notebook.cells if isinstance(c.nbgrader.get("grade_id"), str)):
            raise HTTPException(400, "это не ноутбук лабораторной {}: в нём нет ни одной ячейки с заданием".format(
                ASSIGNMENT))
        with lock_of(student):
            at = store.now()
            submission = store.accept(engine, student, len(raw), notebook.sha256, at,
                                      write=lambda name: _write_durably(uploads / (name + ".ipynb"), raw))
        dispatcher.wake()
        return submission

    @app.post("/api/submissions", status_code=202)
    async def submit(request: Request):
        student = await run_in_threadpool(student_of, request)
        wait = attempts.count(student)
        if wait:
            raise HTTPException(429, "не больше {} работ в минуту: попробуйте через {} с".format(
                options.per_minute, wait), headers={"Retry-After": str(wait)})
        if await run_in_threadpool(store.waiting, engine) >= options.max_queue:  # the whole class at a deadline
            raise HTTPException(503, "сервер перегружен: попробуйте через {} с".format(QUEUE_RETRY),
                                headers={"Retry-After": str(QUEUE_RETRY)})
        late = await run_in_threadpool(lateness.warning, engine, dispatcher.course, student)
        if late and request.query_params.get(lateness.CONFIRM) != "1":  # a late resubmission, said before it counts
            raise HTTPException(409, late)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > options.max_bytes:
            raise HTTPException(413, too_large(options.max_bytes))
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > options.max_bytes:
                raise HTTPException(413, too_large(options.max_bytes))
            chunks.append(chunk)
        submission = await run_in_threadpool(accept, student, b"".join(chunks))
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
        from ..course.templates import render

        return render("page.html.j2", package="grader.service", assignment=ASSIGNMENT, status=STATUS_RU,
                      ungradable=UNGRADABLE_RU,
                      max_mb=options.max_bytes // 2 ** 20, per_minute=options.per_minute)

    @app.get("/client.py", response_class=PlainTextResponse)
    def client():
        from .. import client as module

        return PlainTextResponse(Path(module.__file__).read_text(encoding="utf-8"), media_type="text/x-python")

    return app


QUEUE_RETRY = 30  # seconds a student is told to wait when the queue is full


class Attempts:
    """Every upload a student tries, refused or not, within a sliding minute: the rate limit.

    Counted before the body is read or parsed, so a student who sends
    nothing but bad files still costs the server ``per_minute`` parses a
    minute at most.
    """

    def __init__(self, per_minute, window=60.0):
        self.per_minute, self.window = per_minute, window
        self._times = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def count(self, student):
        """Count an attempt; 0 when it may go on, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            times = self._times[student]
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.per_minute:
                return max(1, math.ceil(self.window - (now - times[0])))
            times.append(now)
            return 0


def _release_files(course):
    """{relative path: base64} of every file of the release a student gets."""
    import base64

    from ..course.lab_context import lab_folder

    root = lab_folder(course)
    return {str(path.relative_to(root)): base64.b64encode(path.read_bytes()).decode("ascii")
            for path in sorted(root.rglob("*")) if path.is_file() and not path.is_symlink()}


def _feedback_page(course, student):
    """{"submitted_at", "html"} of ``student``'s latest graded submission, or None."""
    from ..course.export import MISSING, row_of
    from ..course.feedback import page_of
    from ..course.gradebook import open_gradebook
    from ..course.layout import Submission

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


def _write_durably(path, data):
    """The upload on disk before it is acknowledged: written, synced, renamed, the folder synced."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
