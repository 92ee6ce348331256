"""The Course value: built once at the edge, each fact read at most once and only when asked, a stand-in for its folder."""

import json
import os

import pytest

from course import REPO, copy_course
from grader.course.base.course import Course
from grader.course.base.layout import autograded_notebook, submissions
from grader.course.base.settings import write_setting
from grader.course.base.trust import UntrustedCourse


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_DB_URL", raising=False)
    monkeypatch.delenv("GRADER_SCHEDULER", raising=False)
    return copy_course(tmp_path / "course")


def _settings(folder, data, mode=0o600):
    path = folder / "grader_settings.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    path.chmod(mode)


def test_a_course_reads_nothing_until_asked_and_refuses_an_untrusted_file_then(folder):
    _settings(folder, {"db_url": "sqlite:////elsewhere.db"}, mode=0o622)  # others may write it
    course = Course.at(folder)  # a command that never needs the settings is not refused for them
    with pytest.raises(UntrustedCourse):
        course.settings
    with pytest.raises(UntrustedCourse):  # nbgrader_config.py reads the file too
        course.db_url


def test_each_fact_is_read_once_and_a_fresh_course_reads_what_was_written(folder, monkeypatch):
    _settings(folder, {"db_url": "sqlite:////first.db", "scheduler": "tcp://first:8786"})
    course = Course.at(folder)
    assert (course.db_url, course.scheduler) == ("sqlite:////first.db", "tcp://first:8786")
    import grader.course.base.course as module

    reads = []
    monkeypatch.setattr(module, "read_settings", lambda root: reads.append(root) or {"scheduler": "tcp://x:1"})
    assert course.settings["scheduler"] == course.scheduler == "tcp://first:8786" and reads == []  # unchanged: kept
    monkeypatch.undo()
    write_setting(course, "db_url", "sqlite:////second.db")
    write_setting(course, "scheduler", None)
    assert course.db_url == "sqlite:////first.db"  # the config, as it was run
    assert course.scheduler is None and course.settings["db_url"] == "sqlite:////second.db"  # the file, as it is now
    (folder / "grader_settings.json").chmod(0o622)  # a changed file is checked again
    with pytest.raises(UntrustedCourse):
        course.settings
    (folder / "grader_settings.json").chmod(0o600)
    fresh = Course.at(folder)
    assert (fresh.db_url, fresh.scheduler) == ("sqlite:////second.db", None)
    assert (folder / "grader_settings.json").stat().st_mode & 0o777 == 0o600
    assert Course.at(REPO / "nonexistent").db_url == "sqlite:///" + str(REPO / "nonexistent" / "gradebook.db")


def test_a_course_stands_for_its_resolved_folder_wherever_a_path_is_taken(folder):
    (folder / "submitted" / "s1" / "dnn_step_by_step").mkdir(parents=True)
    course = Course.at(os.path.relpath(folder))
    assert course.root == folder.resolve() and os.fspath(course) == str(course) == str(folder.resolve())
    assert autograded_notebook(course, "s1") == autograded_notebook(folder.resolve(), "s1")
    assert [s.folder for s in submissions(course)] == [s.folder for s in submissions(folder.resolve())]
    assert course == Course.at(folder)  # the same course, however its folder was named
