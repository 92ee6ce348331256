"""Warnings that mean something: the privacy warning of courses only, a test cell's of real edits only."""

import nbformat

from course import (ASSIGNMENT, FULL, copy_course, generated_course, gradebook_scores, grader_command, nbgrader,
                    solved_submission, submit)


def grader(folder, *args):
    return grader_command(*args, cwd=folder)


def test_outside_a_course_no_command_advises_chmod(tmp_path):
    tmp_path.chmod(0o755)
    for command in ("export", "scores", "report", "feedback", "autograde"):
        proc = grader(tmp_path, command)
        assert proc.returncode == 2, (command, proc.stderr)
        assert "chmod" not in proc.stderr and "not a course folder" in proc.stderr, (command, proc.stderr)


def test_an_open_course_is_still_warned_about_once(tmp_path):
    course = copy_course(tmp_path / "course")
    course.chmod(0o755)
    proc = grader(course, "export")
    assert proc.stderr.count("chmod 700 {}".format(course)) == 1, proc.stderr
    course.chmod(0o700)
    assert "chmod" not in grader(course, "export").stderr


def test_nbgrader_autograde_warns_of_an_edited_test_cell_only(tmp_path):
    """Test cells come to students with their hidden tests cleared: as released, they are not "changed"."""
    course = generated_course(tmp_path / "course")
    solved = solved_submission()
    submit(course, "untouched", solved)
    edited = nbformat.from_dict(solved)
    cell = next(c for c in edited.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_compute_cost")
    cell.source += "\nassert True  # my own check\n"
    submit(course, "edited", edited)
    proc = nbgrader(course, "autograde", ASSIGNMENT, "--force")
    changed = [line for line in proc.stderr.splitlines() if "has changed" in line]
    assert len(changed) == 1 and "test_compute_cost" in changed[0], changed
    assert gradebook_scores(course)["edited"] == gradebook_scores(course)["untouched"] == FULL
