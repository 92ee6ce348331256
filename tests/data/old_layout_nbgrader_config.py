"""nbgrader configuration of the course (assignment ``dnn_step_by_step``)."""

import json
import os

c = get_config()  # noqa: F821 -- provided by nbgrader

# The course is the folder holding this file, wherever nbgrader is started.
_ROOT = os.path.dirname(os.path.abspath(__file__))
# Grades and students' work are the instructor's alone: a course folder other users of
# the machine can enter is said so (`chmod 700` it).
try:
    from grader.course.settings import warn_if_open

    warn_if_open(_ROOT)
except ImportError:  # nbgrader run where this project is not installed
    pass
c.CourseDirectory.course_id = "dnn_step_by_step"
c.CourseDirectory.root = _ROOT
# The gradebook: the embedded sqlite file beside this one (never committed), unless
# `grader config db-url URL` (grader_settings.json, also never committed) or
# GRADER_DB_URL points elsewhere -- PostgreSQL for a large course. Every command,
# nbgrader's and grader's, reads it from here.
try:  # refused (UntrustedCourse) when anyone but you or root could have written it
    from grader.course.settings import settings as _read_settings
except ImportError:  # nbgrader run where this project is not installed
    _read_settings = None
try:
    if _read_settings is not None:
        _settings = _read_settings(_ROOT)
    else:
        with open(os.path.join(_ROOT, "grader_settings.json"), encoding="utf-8") as _file:
            _settings = json.load(_file)
except FileNotFoundError:
    _settings = {}
except Exception as _error:  # nbgrader would drop a config that raises and grade unsealed: stop instead
    raise SystemExit("error: {}".format(_error)) from None
c.CourseDirectory.db_url = (os.environ.get("GRADER_DB_URL") or _settings.get("db_url")
                            or "sqlite:///" + os.path.join(_ROOT, "gradebook.db"))

# The release reads like the lab: the lab's own markers and stubs
# (``W1 = None``) instead of ``raise NotImplementedError()``.
# CheckCompiledMetadata is nbgrader's CheckCellMetadata with the schema compiled once
# per notebook instead of re-checked for every cell (same rules, same errors).
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "grader.course.release.LabStubSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "grader.course.metadata_check.CheckCompiledMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "grader.course.metadata_check.CheckCompiledMetadata",
]

# `nbgrader autograde` (and formgrader's autograde button) grade through the
# sealed engine, like `grader autograde`: no kernel runs student code.
# * Submitted files are read the safe way; an unreadable one becomes an empty
#   notebook whose test cells are restored and scored 0 with the reason.
c.Autograde.exporter_class = "grader.course.autograde_steps.SubmittedNotebookExporter"
# * nbgrader metadata is rewritten from the source (a duplicated answer cell or
#   an invented grade id no longer fails the notebook); a deleted test cell
#   comes back and an edited one is restored (RestoreDeletedTestCells is
#   OverwriteCells with a working re-insertion).
c.Autograde.sanitize_preprocessors = [
    "grader.course.autograde_steps.CanonicalCellMetadata",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "grader.course.autograde_steps.RestoreDeletedTestCells",
    "grader.course.metadata_check.CheckCompiledMetadata",
]
c.RestoreDeletedTestCells.add_missing_cells = True
# * SealedExecute grades the submitted file in the sealed engine instead of
#   nbgrader's Execute and puts verdicts and scores into the test cells;
#   nbgrader saves the scores and late penalties as usual, SaveVerdicts the
#   Russian verdicts (the same gradebook comments `grader autograde` writes);
#   KeepCounted applies the course's resubmission policy (`grader config resubmission`):
#   a late resubmission after an on-time grade is graded but, by default, not counted.
c.Autograde.autograde_preprocessors = [
    "grader.course.autograde_steps.SealedExecute",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "grader.course.autograde_steps.SaveVerdicts",
    "nbgrader.preprocessors.AssignLatePenalties",
    "grader.course.metadata_check.CheckCompiledMetadata",
    "grader.course.autograde_steps.KeepCounted",
]
c.SealedExecute.timeout = 10       # seconds per answer cell, and for all calls of one function
c.SealedExecute.memory_mb = 1024   # address space of the sealed student process

# On a shared hub, `nbgrader collect` takes from the exchange only what each student on
# the roster really submitted -- regular files of their own, never a link, a pipe or a
# folder planted in another's name -- timed by when the exchange received it, never by
# the student's timestamp.txt (grader/course/exchange.py).
c.ExchangeFactory.collect = "grader.course.exchange.SafeCollect"
# Feedback pages go out readable by their student alone (a page's name is a secret only its
# submitter holds), whatever the mode of the instructor's own copy.
c.ExchangeFactory.release_feedback = "grader.course.exchange.ReleaseFeedback"

# The generated student-facing files: only the notebook and its helpers.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
