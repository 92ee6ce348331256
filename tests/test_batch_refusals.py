"""One student's timestamp.txt never stops the class; a broken late-penalty plugin stops the run, loudly."""

import datetime

import pytest
from nbgrader.api import Gradebook

from course import ASSIGNMENT, FULL, gradebook_scores, generated_course, grader_cli, solved_submission, submit
from grader.course.base.times import is_time

HOSTILE_TIMES = ["2026-01-01 00:00:00 ../x", "2026-01-01 00:00:00 /etc/localtime",
                 "2026-01-01 00:00:00 ../../../../proc/self/status", "2026-01-01 00:00:00 UTC/../../etc"]


@pytest.mark.parametrize("text", HOSTILE_TIMES)
def test_a_zone_that_is_a_path_is_not_a_time(text):
    assert not is_time(text)


def test_sane_times_still_are():
    assert all(is_time(t) for t in ("2026-11-29 12:00:00.000000 UTC", "2026-11-29 12:00:00 Europe/Moscow",
                                    "2026-11-29 12:00:00 +0300", "2026-11-29T12:00:00+03:00"))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = generated_course(tmp_path_factory.mktemp("refusals") / "course")
    for student in ("alice", "bob"):
        submit(course, student, solved_submission())
    proc = grader_cli(course, "autograde")
    assert proc.returncode == 0, proc.stderr
    return course


def test_a_timestamp_naming_a_path_as_its_zone_stops_nobody(course):
    stamp = course / "submitted" / "bob" / ASSIGNMENT / "timestamp.txt"
    for text in HOSTILE_TIMES:
        stamp.write_text(text, encoding="utf-8")
        for command in (["autograde"], ["feedback"]):
            proc = grader_cli(course, *command)
            assert proc.returncode == 0 and "Traceback" not in proc.stderr, (text, command, proc.stderr[-2000:])
    assert gradebook_scores(course) == {"alice": FULL, "bob": FULL}


def test_a_late_student_and_a_broken_late_penalty_plugin_stop_the_run_with_the_reason(course):
    with Gradebook("sqlite:///{}".format(course / "gradebook.db")) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=datetime.datetime(2026, 11, 1))
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write('\nc.AssignLatePenalties.plugin_class = "no_such_module.Plugin"\n')
    submit(course, "carol", solved_submission())
    (course / "submitted" / "carol" / ASSIGNMENT / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC",
                                                                                 encoding="utf-8")
    proc = grader_cli(course, "autograde")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "carol is late, and the course's late-penalty plugin" in proc.stderr
    assert "carol" not in gradebook_scores(course)  # nothing of hers half-recorded
