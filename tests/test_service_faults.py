"""The grading service never turns a failure of its own into a student's grade.

A sandbox that will not start is the grader's failure, not the work's. The
service used to try such a submission twice and then record it with the error:
a zero in the gradebook. Here the real service's sandbox is refused while the
switch file exists -- its zygote's start fails with EAGAIN, as on a machine out
of processes (a ``sitecustomize`` audit hook in the service's processes; the
zygote itself runs ``-I -S`` and is not touched) -- and the submission must wait
unrecorded, say why in Russian, be logged in English, and be graded once the
sandbox starts again, while another student's submission is graded.
"""

import time

import pytest

from course import FULL, gradebook_scores, solved_submission
from hostile import as_text
from processes import with_hook
from service_helpers import Service

HOOK = '''
import errno
import os
import sys

_SWITCH = os.environ.get("GRADER_TEST_REFUSE_SANDBOX")


def _refuse(event, args):
    if event == "subprocess.Popen" and "grader.sandbox.nest" in str(args[1]) and os.path.exists(_SWITCH):
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")


if _SWITCH:
    sys.addaudithook(_refuse)
'''


@pytest.fixture
def refusing(tmp_path, monkeypatch):
    """The switch file: while it exists, every sandbox start of the services started here fails."""
    switch = tmp_path / "refuse-sandbox"
    monkeypatch.setenv("PYTHONPATH", with_hook(tmp_path / "hooks", HOOK))
    monkeypatch.setenv("GRADER_TEST_REFUSE_SANDBOX", str(switch))
    return switch


def test_a_sandbox_that_will_not_start_is_never_a_grade_and_the_submission_is_graded_later(tmp_path, refusing):
    server = Service(tmp_path, ["ann", "bo"], "--workers", "1")
    log = server.course / "serve.log"
    try:
        solved = as_text(solved_submission()).encode("utf-8")
        refusing.write_text("")
        status, accepted, _ = server.submit("ann", solved)
        assert status == 202, accepted
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # three faults: past any retry limit the service had
            state = server.get("/api/submissions/" + accepted["id"], "ann")[1]
            if state["status"] == "done" or log.read_text().count("not graded: the grader failed") >= 3:
                break
            time.sleep(0.5)
        said = log.read_text()
        assert state["status"] != "done", state  # on main: done, recorded with the sandbox's error
        assert "submission {} of ann not graded: the grader failed (песочница не запустилась".format(
            accepted["id"]) in said and "nothing recorded, grading it again in" in said, said[-3000:]
        assert "по вине проверяющей системы" in state["note"] and "песочница не запустилась" in state["note"]
        assert "score" not in state and "result" not in state, state
        listed = server.get("/api/submissions", "ann")[1]["submissions"]
        assert [s.get("note") for s in listed] == [state["note"]] and listed[0].get("score") is None
        assert "ann" not in gradebook_scores(server.course)  # no grade, not even an empty one

        refusing.unlink()  # the machine has processes again
        status, other, _ = server.submit("bo", solved)
        assert status == 202 and server.verdict("bo", other["id"])["score"] == 100
        result = server.verdict("ann", accepted["id"], seconds=400)  # at the next retry, at most minutes on
        assert result["score"] == 100 and not result.get("error"), result
        assert gradebook_scores(server.course) == {"ann": FULL, "bo": FULL}
        assert server.get("/api/health")[1] == {"status": "ok"}
    finally:
        server.stop()
