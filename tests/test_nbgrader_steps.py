"""The course's faster stand-ins for nbgrader's steps answer exactly as nbgrader's own do."""

import copy

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.nbgraderformat import MetadataValidator

from course import RELEASE_NB, SOURCE_NB, generated_course
from grader.course.steps.metadata_check import CompiledMetadataValidator
from grader.course.steps.source_cells import read_source_notebook
from grader.course.base.times import parse_utc


def _first(nb, kind):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get(kind))


def _corrupted():
    """(what, notebook): the release notebook with its nbgrader metadata broken one way each."""
    def points_text(nb):
        _first(nb, "grade").metadata.nbgrader["points"] = "два"

    def no_grade_id(nb):
        del _first(nb, "grade").metadata.nbgrader["grade_id"]

    def empty_grade_id(nb):
        _first(nb, "solution").metadata.nbgrader["grade_id"] = ""

    def old_schema(nb):
        _first(nb, "grade").metadata.nbgrader["schema_version"] = 2

    def new_schema(nb):
        _first(nb, "solution").metadata.nbgrader["schema_version"] = 9

    def locked_list(nb):
        _first(nb, "solution").metadata.nbgrader["locked"] = [True]

    def no_points(nb):
        del _first(nb, "grade").metadata.nbgrader["points"]

    def duplicate_id(nb):
        first, second = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")][:2]
        second.metadata.nbgrader["grade_id"] = first.metadata.nbgrader["grade_id"]

    def markdown_grade(nb):
        cell = _first(nb, "grade")
        cell.cell_type = "markdown"
        cell.pop("outputs", None), cell.pop("execution_count", None)

    base = nbformat.read(str(RELEASE_NB), as_version=4)
    yield "untouched", base
    for corrupt in (points_text, no_grade_id, empty_grade_id, old_schema, new_schema, locked_list, no_points,
                    duplicate_id, markdown_grade):
        nb = copy.deepcopy(base)
        corrupt(nb)
        yield corrupt.__name__, nb


def _outcome(validator, nb):
    try:
        validator.validate_nb(nb)
    except Exception as error:  # noqa: BLE001 -- the exception itself is what is compared
        return type(error), str(error)
    return None


@pytest.mark.parametrize("what,nb", list(_corrupted()), ids=lambda v: v if isinstance(v, str) else "")
def test_the_compiled_metadata_check_passes_and_refuses_what_nbgrader_s_does_with_its_words(what, nb):
    ours, theirs = _outcome(CompiledMetadataValidator(), nb), _outcome(MetadataValidator(), nb)
    assert ours == theirs
    assert (theirs is None) == (what == "untouched")


def test_the_run_s_source_cells_answer_each_lookup_as_the_gradebook_does(tmp_path):
    course = generated_course(tmp_path / "course")
    url = "sqlite:///{}".format(course / "gradebook.db")
    notebook, assignment = SOURCE_NB.stem, SOURCE_NB.parent.name
    ours = read_source_notebook(url, notebook, assignment)
    fields = ("name", "cell_type", "locked", "checksum", "source")
    with Gradebook(url) as gb:
        theirs = gb.find_notebook(notebook, assignment)
        assert [[getattr(c, f) for f in fields] for c in ours.source_cells] == \
            [[getattr(c, f) for f in fields] for c in theirs.source_cells]
        for kind in ("grade_cells", "solution_cells", "task_cells"):
            assert [c.name for c in getattr(ours, kind)] == [c.name for c in getattr(theirs, kind)]
        assert [c.max_score for c in ours.grade_cells] == [c.max_score for c in theirs.grade_cells]
        assert ours.grade_cells and ours.solution_cells
        for cell in theirs.source_cells:
            assert ours.find_source_cell(cell.name, notebook, assignment).source == \
                gb.find_source_cell(cell.name, notebook, assignment).source
            try:
                graded = gb.find_graded_cell(cell.name, notebook, assignment).max_score
            except MissingEntry:
                with pytest.raises(MissingEntry):
                    ours.find_graded_cell(cell.name, notebook, assignment)
            else:
                assert ours.find_graded_cell(cell.name, notebook, assignment).max_score == graded
        for lookup in (ours.find_source_cell, ours.find_graded_cell):
            with pytest.raises(MissingEntry):
                lookup("no-such-cell", notebook, assignment)


_TIMES = ["2026-11-29 12:00:00.000000 UTC", "2026-11-29 12:00:00 Europe/Moscow", "2026-11-29 12:00:00 +0300",
          "2026-11-29 12:00:00 3", "2026-11-29T12:00:00+03:00", "2026-11-29 12:00:00", "2026-02-30 12:00:00 UTC",
          "2026-11-29 12:00:00 Nowhere/Land", "завтра", "", "1 2 3", "9999-12-31 23:59:59 -14", "12:00"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(_TIMES), st.text(max_size=40),
                 st.builds("{} {} {}".format, st.dates().map(str), st.times().map(str),
                           st.one_of(st.integers(-2000, 2000).map(str), st.sampled_from(
                               ["UTC", "GMT", "Europe/Moscow", "America/New_York", "EST", "+0300", "x"])))))
def test_submission_times_are_read_as_nbgrader_reads_them(text):
    from nbgrader.utils import parse_utc as nbgrader_parse_utc

    def outcome(parse):
        try:
            return parse(text)
        except (ValueError, OverflowError, TypeError) as error:
            return type(error)

    assert outcome(parse_utc) == outcome(nbgrader_parse_utc)
