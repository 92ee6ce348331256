"""Recording several students in one transaction: each still all or nothing."""

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from course import generated_course

from grader.checks.graded_functions import BY_NAME, NAMES
from grader.checks.results import PASSED, FunctionResult, SubmissionResult
from grader.course.base.course import Course
from grader.course.records.gradebook import Recorder, open_gradebook
from grader.course.records.tables import is_complete
from grader.course.base.layout import Submission

RESULT = SubmissionResult(tuple(FunctionResult(n, BY_NAME[n].points, BY_NAME[n].points, PASSED) for n in NAMES))


class FailingFor(Recorder):
    """The real recorder, failing while it writes the students in ``failing`` with ``error``."""

    def __init__(self, course, failing, error):
        super().__init__(course)
        self.failing, self.error = failing, error

    def _write(self, gb, items):
        written = super()._write(gb, items)
        if any(submission.student in self.failing for submission, _, _ in items):
            raise self.error
        return written


def items(course, students):
    return [(Submission(s, Path(course) / "nowhere"), RESULT, ()) for s in students]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return Course.at(generated_course(tmp_path_factory.mktemp("recording") / "course"))


def test_a_student_whose_record_fails_costs_only_itself(course):
    recorder = FailingFor(course, {"b2"}, ValueError("broken"))
    with open_gradebook(course) as gb:
        failed = recorder.record_many(gb, items(course, ["a1", "b2", "c3"]))
        assert list(failed) == ["b2"] and isinstance(failed["b2"], ValueError)
        assert [is_complete(gb.db, s) for s in ("a1", "b2", "c3")] == [True, False, True]
        assert Recorder(course).record_many(gb, items(course, ["d4", "e5"])) == {}
        assert is_complete(gb.db, "d4") and is_complete(gb.db, "e5")


def test_a_database_lost_within_a_transaction_records_none_of_it(course):
    recorder = FailingFor(course, {"h8"}, OperationalError("INSERT", {}, Exception("disk I/O error")))
    with open_gradebook(course) as gb:
        with pytest.raises(OperationalError):
            recorder.record_many(gb, items(course, ["f6", "g7", "h8", "i9"]))
        assert not any(is_complete(gb.db, s) for s in ("f6", "g7", "h8", "i9"))
