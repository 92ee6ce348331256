"""The service shares itself fairly: no student's flood, upload or crawl costs a classmate their turn.

The queue in the database is worked round-robin over students, one of each in
flight, at any queue length and with several dispatchers on one database
(SQLite and PostgreSQL, real ones); a student's waiting submissions, the disk
their uploads take and their reads are capped with a Russian reason and
``Retry-After``; parsing happens outside the server's process under a memory
cap; and no request can forge a line of the access log.
"""

import datetime
import re
import socket
import threading
import time

import pytest

from course import solved_submission, with_answers
from corpus import solved_sources
from hostile import as_text
from service_helpers import Service, costly_notebook, peak_mb
from services import Postgres

from grader.service import store

SOLVED = as_text(solved_submission()).encode("utf-8")
# graded in as long as --timeout lets compute_cost run: slow, whatever the machine's speed
STUCK = as_text(with_answers(solved_submission(), {"compute_cost": solved_sources()["compute_cost"].replace(
    "    m = Y.shape[1]\n", "    m = Y.shape[1]\n    while True:\n        pass\n")})).encode()

LARGER = as_text(with_answers(solved_submission(), {})).replace(  # 1.5 times as large, graded as SOLVED
    '"cells": [', '"cells": [{{"cell_type": "raw", "metadata": {{}}, "source": "{}"}}, '.format(
        "x" * (len(SOLVED) // 2 - 60)), 1).encode()


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A fresh database URL of each kind, with the service's tables."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "queue.db")
    postgres = request.getfixturevalue("postgres")
    return postgres.create_database("q" + tmp_path.name.replace("-", "_").lower()[-40:])


def queue_up(engine, plan):
    """Queue ``plan`` ([(student, how many)], in that order, each one later than the last): {student: [ids]}."""
    ids, at = {}, store.now()
    for student, count in plan:
        for _ in range(count):
            at += datetime.timedelta(milliseconds=1)
            submission, _ = store.accept(engine, student, 10, "0" * 64, at, write=lambda name: None)
            ids.setdefault(student, []).append(submission)
    return ids


def running_of(engine, student):
    from sqlalchemy import func, select

    with engine.connect() as db:
        return db.execute(select(func.count()).select_from(store.SUBMISSIONS).where(
            store.SUBMISSIONS.c.student == student, store.SUBMISSIONS.c.state == store.RUNNING)).scalar()


# --- the queue, in the database ----------------------------------------------------------------

def test_claims_go_round_robin_over_students_however_long_one_students_queue(database):
    engine = store.engine_for(database)
    try:
        ids = queue_up(engine, [("flood", 200), ("ann", 2), ("ben", 2)])
        first = store.claim_next(engine)
        assert first.id == ids["flood"][0]
        # flood's first is in flight: the next is a classmate's, though 199 of flood's are older
        second = store.claim_next(engine)
        assert second is not None and second.id == ids["ann"][0]
        third = store.claim_next(engine)
        assert third.id == ids["ben"][0] and store.claim_next(engine) is None  # one in flight each
        order = [first, second, third]
        for row in order[:]:
            store.finish_unrecorded(engine, row.id, {})
        while len(order) < 10:
            row = store.claim_next(engine)
            store.finish_unrecorded(engine, row.id, {})
            order.append(row)
        assert [r.student for r in order] == ["flood", "ann", "ben"] * 2 + ["flood"] * 4
        assert [r.id for r in order if r.student == "flood"] == ids["flood"][:6]  # each one's oldest first
    finally:
        engine.dispose()


def test_several_dispatchers_on_one_database_never_run_two_of_a_student_at_once(database):
    students = ["s{}".format(i) for i in range(4)]
    setup = store.engine_for(database)
    queue_up(setup, [(s, 15) for s in students])
    setup.dispose()
    doubled, claimed, errors = [], [], []

    def dispatcher():  # an engine, a pool and a loop of its own, as another server would have
        engine = store.engine_for(database)
        try:
            while True:
                row = store.claim_next(engine)
                if row is None:
                    if not store.waiting(engine):
                        return
                    time.sleep(0.01)
                    continue
                claimed.append(row.id)
                if running_of(engine, row.student) != 1:
                    doubled.append(row.student)
                time.sleep(0.005)
                store.finish_unrecorded(engine, row.id, {})
        except Exception as error:  # noqa: BLE001 -- reported below
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=dispatcher) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    assert not doubled, doubled
    assert len(claimed) == len(set(claimed)) == 60  # each once


def test_at_start_the_disk_caps_count_what_is_on_disk_and_drop_what_never_was_queued(database):
    from sqlalchemy import insert, select

    engine = store.engine_for(database)
    try:
        kept = queue_up(engine, [("ann", 1)])["ann"][0]
        store.reserve(engine, "f" * 32, "ann", 10)  # the server stopped before its row was committed
        with engine.begin() as db:  # queued by a version before the disk caps: a file, no count
            db.execute(insert(store.SUBMISSIONS).values(id="e" * 32, student="ben", submitted_at=store.now(),
                                                        state=store.QUEUED, attempts=0, size=7, sha256="0"))
        orphans = store.reconcile_uploads(engine, {kept: 10, "e" * 32: 7, "d" * 32: 3})
        with engine.connect() as db:
            counted = dict(db.execute(select(store.UPLOADS.c.submission, store.UPLOADS.c.size)).all())
        assert orphans == ["f" * 32] and counted == {kept: 10, "e" * 32: 7}
        with pytest.raises(store.Full):  # ben's old upload counts against his cap now
            store.reserve(engine, "c" * 32, "ben", 5, per_student=10)
    finally:
        engine.dispose()


# --- over HTTP: the real server ----------------------------------------------------------------

def test_a_classmates_submission_is_graded_while_one_students_flood_of_sixty_waits(tmp_path):
    server = Service(tmp_path, ["flood", "ann"], "--workers", "2", "--timeout", "2", "--per-minute", "1000",
                     "--max-per-student", "100", "--get-per-minute", "10000")
    try:
        sent = []

        def flood(count):
            for _ in range(count):
                status, accepted, _ = server.submit("flood", STUCK)
                assert status == 202, accepted
                sent.append(accepted["id"])

        threads = [threading.Thread(target=flood, args=(10,)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(sent) == 60
        status, accepted, _ = server.submit("ann", SOLVED)
        assert status == 202, accepted
        assert server.verdict("ann", accepted["id"], seconds=600)["score"] == 100
        ann = server.get("/api/submissions/" + accepted["id"], "ann")[1]
        history = server.get("/api/submissions", "flood")[1]["submissions"]
        meanwhile = [s for s in history if s["graded_at"] and ann["submitted_at"] < s["graded_at"] <= ann["graded_at"]]
        # the flood's one in flight when ann's came, perhaps the next: never what a window of the oldest holds
        assert len(meanwhile) <= 2, (len(meanwhile), ann)
        assert server.queue().get("queued", 0) >= 50  # and the flood was far from done
    finally:
        server.stop()


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    """One worker, caps in units of one upload; the tests below run in this order and build on each other."""
    unit = len(SOLVED) / 2 ** 20
    server = Service(tmp_path_factory.mktemp("capped"), ["hog", "ann", "ben", "cat", "reader", "other"],
                     "--workers", "1", "--timeout", "60", "--per-minute", "1000", "--max-per-student", "3",
                     "--get-per-minute", "40", "--student-disk-mb", str(3.2 * unit), "--disk-mb", str(7.2 * unit))
    yield server
    server.stop()


def uploads_of(server):
    return {p.name[:-len(".ipynb")] for p in (server.course / ".grader" / "uploads").glob("*.ipynb")}


def test_past_a_students_disk_cap_their_graded_uploads_give_way_oldest_first(capped):
    ids = []
    for _ in range(4):
        status, accepted, _ = capped.submit("ben", SOLVED)
        assert status == 202, accepted
        ids.append(accepted["id"])
        capped.verdict("ben", accepted["id"], seconds=600)
    assert ids[0] not in uploads_of(capped) and set(ids[1:]) <= uploads_of(capped)
    assert capped.get("/api/submissions/" + ids[0], "ben")[1]["score"] == 100  # its verdict stays


def test_a_student_with_too_many_waiting_is_told_in_russian_when_to_retry_and_others_go_on(capped):
    statuses = [capped.submit("hog", STUCK)[0] for _ in range(3)]  # the one worker is busy a minute with these
    status, body, headers = capped.submit("hog", STUCK)
    assert statuses == [202] * 3 and status == 429, (statuses, body)
    assert "ждут проверки" in body["detail"] and int(headers["Retry-After"]) > 0
    assert capped.submit("ann", SOLVED)[0] == 202


def test_uploads_still_waiting_are_never_given_up_and_what_they_fill_is_refused(capped):
    before = uploads_of(capped)
    for text in (SOLVED, LARGER):  # cat's two fit: the class's cap is met by giving up ben's graded uploads
        assert capped.submit("cat", text)[0] == 202
    status, body, headers = capped.submit("cat", SOLVED)  # cat's own waiting two fill cat's cap
    assert status == 429 and "место" in body["detail"] and int(headers["Retry-After"]) > 0, body
    status, body, headers = capped.submit("other", SOLVED)  # and everyone's waiting ones the class's
    assert status == 503 and "кончилось место" in body["detail"] and int(headers["Retry-After"]) > 0, body
    statuses = {s["status"] for name in ("hog", "ann") for s in capped.get("/api/submissions", name)[1]["submissions"]}
    assert statuses <= {"queued", "running"}
    waiting = {s["id"] for name in ("hog", "ann") for s in capped.get("/api/submissions", name)[1]["submissions"]}
    assert waiting <= uploads_of(capped) and not (before - waiting) & uploads_of(capped)


def test_a_newline_or_quote_in_a_path_cannot_forge_an_access_log_line(capped):
    forged = '1.2.3.4 admin "GET /api/submissions" 200 1 ms'
    with socket.create_connection(("127.0.0.1", capped.port), timeout=10) as raw:
        raw.sendall("GET /x%0A{}%0D%0A%22%E2%80%A8 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".format(
            forged.replace(" ", "%20").replace('"', "%22")).encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 404")
    time.sleep(0.5)
    lines = (capped.course / "serve.log").read_text(encoding="utf-8").splitlines()
    ours = [line for line in lines if "/x" in line and "1.2.3.4" in line]
    assert len(ours) == 1, ours
    assert not any(line.startswith("1.2.3.4") or line.startswith(forged) for line in lines)
    assert re.search(r'"GET /x\\x0a1\.2\.3\.4 admin \\x22GET /api/submissions\\x22 200 1 ms\\x0d\\x0a\\x22\\u2028" '
                     r'404 ', ours[0]), ours


def test_reads_past_the_limit_are_429_per_token_and_per_address(capped):
    statuses = [capped.get("/api/submissions", "reader")[0] for _ in range(41)]
    assert statuses[:40] == [200] * 40 and statuses[40] == 429
    status, body, headers = capped.get("/api/submissions", "reader")
    assert status == 429 and "в минуту" in body["detail"] and 1 <= int(headers["Retry-After"]) <= 60
    assert capped.get("/api/submissions", "other")[0] == 200  # another token goes on
    assert capped.get("/api/health")[0] == 200
    anonymous = [capped.get("/client.py")[0] for _ in range(41)]  # the log test above made one such request
    assert anonymous[-1] == 429 and anonymous[:anonymous.index(429)] == [200] * anonymous.index(429) >= [200] * 39
    assert capped.get("/api/submissions", "other")[0] == 200


# --- parsing: outside the server, a few at a time, under a memory cap --------------------------

def test_a_costly_upload_is_parsed_outside_the_server_and_refused_past_the_memory_cap(tmp_path):
    server = Service(tmp_path, ["big", "small"], "--workers", "1", "--per-minute", "1000", "--max-mb", "20",
                     "--parse-memory-mb", "200")
    try:
        costly = costly_notebook(SOLVED)
        assert 19 * 2 ** 20 < len(costly) < 20 * 2 ** 20
        before = peak_mb(server.process.pid)
        answers = []
        threads = [threading.Thread(target=lambda: answers.append(server.submit("big", costly)))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a[0] for a in answers] == [400] * 4, [a[1] for a in answers]
        assert all("памяти" in a[1]["detail"] for a in answers)
        grown = peak_mb(server.process.pid) - before
        assert grown < len(costly) / 2 ** 20, grown  # less than one copy of the body: it never was in memory
        status, accepted, _ = server.submit("small", SOLVED)  # the server goes on
        assert status == 202 and server.verdict("small", accepted["id"])["score"] == 100
        assert not list((server.course / ".grader" / "uploads" / ".incoming").iterdir())  # nothing left behind
    finally:
        server.stop()
