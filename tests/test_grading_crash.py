"""A grading process that dies takes no other student's grade with it, and is never a grade itself.

One process of ``grader autograde``'s local pool dying breaks the whole pool: every
submission then in flight comes back broken, though one process was grading one of
them. Here the grading processes die (``os._exit``, as under the memory killer)
whenever they open one student's notebook -- every time: a crash only that work sets
off -- through a ``sitecustomize`` audit hook in the grader's processes (the zygotes
run ``-I -S`` and are not touched). The others in flight beside it must get their
right grades, and it must get none: not recorded, named with the reason, graded by
the next run.
"""

import os

from course import FULL, generated_course, gradebook_scores, grader_cli, solved_submission, submit, tool_env
from hostile import slow_class

HOOK = '''
import multiprocessing
import os
import sys

_MARK = os.environ.get("GRADER_TEST_CRASH_ON")


def _crash(event, args):
    if event == "open" and _MARK in str(args[0]) and multiprocessing.parent_process() is not None:
        os._exit(70)  # a grading process of the pool, not the grader itself


if _MARK:
    sys.addaudithook(_crash)
'''


def test_a_grading_process_dying_on_one_work_costs_the_others_nothing_and_is_never_its_grade(tmp_path):
    course = generated_course(tmp_path / "course")
    expected = slow_class(course, 7, loops=300_000)  # in flight beside the crasher, every third with a mistake
    submit(course, "crasher", solved_submission())  # first in the queue: the others go in with it
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    env = dict(tool_env(), GRADER_TEST_CRASH_ON=os.sep + "crasher" + os.sep,
               PYTHONPATH=os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")])))

    run = grader_cli(course, "autograde", "--workers", "2", env=env)
    assert run.returncode == 1, (run.stdout[-3000:], run.stderr[-3000:])
    assert "crasher: not graded" in run.stdout and "аварийно завершился" in run.stdout, run.stdout[-3000:]
    assert "run `grader autograde` again" in run.stderr and "Traceback" not in run.stderr, run.stderr[-3000:]
    scores = gradebook_scores(course)
    assert "crasher" not in scores, scores["crasher"]  # on main: recorded, ten zeros
    assert {student: scores.get(student) for student in expected} == expected  # on main: zeros beside it

    again = grader_cli(course, "autograde")  # the machine is well again
    assert again.returncode == 0, again.stderr[-3000:]
    assert gradebook_scores(course) == dict(expected, crasher=FULL)
