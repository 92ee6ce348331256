"""A process of a pool that dies takes no other student's work with it, and is never a grade itself.

One process of the local pool (``grader autograde``'s, the service's) dying breaks
the whole pool: every submission then in flight comes back broken, though one
process was grading one of them. Here a process dies (``os._exit``, as under the
memory killer) whenever it reads, in a given function, a notebook holding a marker
-- every time: a crash only that work sets off -- through a ``sitecustomize`` audit
hook in the grader's processes (the zygotes run ``-I -S`` and are not touched). The
others in flight beside it must get their right grades, and it none: the batch
names it and the next run grades it; the service answers it, not graded, rather
than trying forever. The service's upload parsers are such a pool too.
"""

import threading
import time

from course import FULL, generated_course, gradebook_scores, grader_cli, solved_submission, submit, tool_env
from hostile import as_text, slow_class
from processes import with_hook
from service_helpers import Service

MARK = "CRASH-THE-GRADER"
HOOK = '''
import os
import sys
import time

_MARK = os.environ.get("GRADER_TEST_CRASH_ON", "").encode()
_FILE, _FUNCTION = os.environ.get("GRADER_TEST_CRASH_IN", ":").rsplit(":", 1)
_reading = []


def _inside():
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == _FUNCTION and frame.f_code.co_filename.endswith(_FILE):
            return True
        frame = frame.f_back
    return False


def _crash(event, args):
    if event != "open" or _reading or not isinstance(args[0], str) or not _inside():
        return
    _reading.append(1)
    try:
        with open(args[0], "rb") as notebook:
            marked = _MARK in notebook.read()
    finally:
        _reading.pop()
    if marked:
        time.sleep(float(os.environ.get("GRADER_TEST_CRASH_AFTER", "0")))  # as a process growing till it is killed
        os._exit(70)  # this process, on reading the work


if _MARK:
    sys.addaudithook(_crash)
'''


def _crashing(tmp_path, where="workers/local.py:_grade"):
    """The environment of a grader whose processes die on reading a notebook holding :data:`MARK` in
    ``where`` (a file's path ending and a function in it: by default, the grading processes' grading)."""
    return {"GRADER_TEST_CRASH_ON": MARK, "GRADER_TEST_CRASH_IN": where,
            "PYTHONPATH": with_hook(tmp_path / "hooks", HOOK)}


def _crasher():
    notebook = solved_submission()
    notebook.metadata["note"] = MARK
    return notebook


def test_a_grading_process_dying_on_one_work_costs_the_others_nothing_and_is_never_its_grade(tmp_path):
    course = generated_course(tmp_path / "course")
    expected = slow_class(course, 7, loops=0)  # in the same window as the crasher, every third with a mistake
    submit(course, "crasher", _crasher())  # first in the queue: the others go in with it

    run = grader_cli(course, "autograde", "--workers", "2", env=dict(tool_env(), **_crashing(tmp_path)))
    assert run.returncode == 1, (run.stdout[-3000:], run.stderr[-3000:])
    assert "crasher: not graded: its grading process died on it twice, the second time grading it alone (" \
        in run.stdout and "аварийно завершился" in run.stdout, run.stdout[-3000:]
    assert "run `grader autograde` again" in run.stderr and "Traceback" not in run.stderr, run.stderr[-3000:]
    scores = gradebook_scores(course)
    assert "crasher" not in scores, scores["crasher"]  # on main: recorded, ten zeros
    assert {student: scores.get(student) for student in expected} == expected  # on main: zeros beside it

    again = grader_cli(course, "autograde")  # the machine is well again
    assert again.returncode == 0, again.stderr[-3000:]
    assert gradebook_scores(course) == dict(expected, crasher=FULL)


def test_the_service_answers_a_work_its_grading_process_dies_on_and_grades_the_others(tmp_path, monkeypatch):
    for name, value in _crashing(tmp_path).items():
        monkeypatch.setenv(name, value)
    server = Service(tmp_path, ["crasher", "bo"], "--workers", "1")
    try:
        status, crashed, _ = server.submit("crasher", as_text(_crasher()).encode())
        assert status == 202, crashed
        status, other, _ = server.submit("bo", as_text(solved_submission()).encode())
        assert status == 202, other
        assert server.verdict("bo", other["id"])["score"] == 100
        verdict = server.verdict("crasher", crashed["id"])  # on main: never answered, tried every few minutes
        assert verdict.get("score") is None and "2 раза аварийно завершился на ней" in verdict["error"], verdict
        said = (server.course / "serve.log").read_text()
        assert "its grading process died on it, grading it alone, 2 times" in said, said[-3000:]
        assert "not graded: the grader failed" in said and "Traceback" not in said, said[-3000:]  # once tried again
        assert gradebook_scores(server.course) == {"bo": FULL}
        assert server.get("/api/health")[1] == {"status": "ok"}
    finally:
        server.stop()


def test_an_upload_whose_parsing_process_dies_is_refused_alone_and_the_one_beside_it_is_taken(tmp_path, monkeypatch):
    """The service parses uploads in a pool of processes too (:mod:`grader.service.parsing`): an upload waiting
    beside one that kills its process must be taken, not refused with it as too costly to parse."""
    for name, value in dict(_crashing(tmp_path, "service/parsing.py:_check"), GRADER_TEST_CRASH_AFTER="1").items():
        monkeypatch.setenv(name, value)
    server = Service(tmp_path, ["crasher", "bo"], "--parse-workers", "1")
    answers = {}

    def upload(student, notebook):
        try:
            answers[student] = server.submit(student, as_text(notebook).encode())
        except OSError as error:  # said below, with the other's answer
            answers[student] = (None, repr(error), None)

    try:
        crasher = threading.Thread(target=upload, args=("crasher", _crasher()))
        crasher.start()
        time.sleep(0.3)  # its parsing under way, for a second before its process dies
        upload("bo", solved_submission())  # waits for the one parsing process
        crasher.join()
        assert set(answers) == {"crasher", "bo"}, answers
        status, refused, _ = answers["crasher"]
        assert status == 400 and "разобрать его стоит слишком много памяти" in refused["detail"], refused
        status, taken, _ = answers["bo"]
        assert status == 202, taken  # on main: 400, too costly to parse, with the crasher
        assert server.verdict("bo", taken["id"])["score"] == 100
        assert server.get("/api/health")[1] == {"status": "ok"}
    finally:
        server.stop()
