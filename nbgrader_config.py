"""nbgrader configuration of the course (assignment ``dnn_step_by_step``)."""

import os

c = get_config()  # noqa: F821 -- provided by nbgrader

# The course is the folder holding this file, wherever nbgrader is started.
_ROOT = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "dnn_step_by_step"
c.CourseDirectory.root = _ROOT
# The embedded sqlite gradebook lives beside this file and is never committed.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_ROOT, "gradebook.db")

# The release reads like the lab: the lab's own markers and stubs
# (``W1 = None``) instead of ``raise NotImplementedError()``.
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "grader.course.release.LabStubSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# A student who deletes a test cell gets it back; one who edits it gets the
# instructor's version (OverwriteCells restores every grade and locked cell).
# RestoreDeletedTestCells is OverwriteCells with a working re-insertion.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "grader.course.autograde_steps.RestoreDeletedTestCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.RestoreDeletedTestCells.add_missing_cells = True

# One runaway cell cannot stall a class.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True

# A Python warning on stderr (a numpy RuntimeWarning, say) does not zero a
# passing test cell; any other stderr output still does. The pattern matches
# only a stderr text made entirely of warning records.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\A(?:[^\n]*Warning: [^\n]*\n(?:[ \t]+[^\n]*\n?)*)+\Z"

# The generated student-facing files: only the notebook and its helpers.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
