"""``nbgrader autograde`` through the sealed engine: an exporter and steps for ``nbgrader_config.py``.

nbgrader autogrades a submission in two passes over the notebook, and this
course replaces the parts of each that trust the student's file or run it:

* reading -- :class:`SubmittedNotebookExporter` reads the submitted file the
  safe way (:mod:`grader.submission.reading`): any file becomes a well-formed
  notebook, an unreadable one an empty notebook;
* sanitizing -- :class:`CanonicalCellMetadata` first (nbgrader metadata only
  where the source has it, once per cell), then nbgrader's own steps with
  :class:`RestoreDeletedTestCells` in place of ``OverwriteCells``;
* autograding -- :class:`SealedExecute` in place of nbgrader's ``Execute``: no
  kernel runs; the submitted file is graded in the sealed engine, exactly as
  ``grader check`` grades it, and the verdicts and scores go into the test
  cells for nbgrader's ``SaveAutoGrades``; :class:`SaveVerdicts` then writes
  the Russian verdicts as the answer cells' comments, as ``grader autograde``
  does. Late penalties and formgrader work unchanged.
"""

import os
import shutil
import weakref
from pathlib import Path

from nbconvert.exporters import NotebookExporter
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import from_dict
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells
from traitlets import Float, Integer

from ...sandbox.engine import read_and_grade
from ...sandbox.session import Limits
from ...sandbox.zygote import SandboxUnavailable, Zygote, warn_about
from ...submission.reading import Notebook, Unreadable, read_notebook
from ..base.course import Course
from ..base.layout import ASSIGNMENT, NOTEBOOK, Submission, autograded_notebook
from ..base.stubs import release_answers, unanswered
from ..records.gradebook import Tables, record_verdicts
from ..records.kept import interrupted, keep, kept_grade, settled
from ..records.regrading import METADATA_KEY, graded_from, needs_grading
from .autograded import carrier_notebook, fill_verdicts
from .markup import lab_markdown
from .safe_nbgrader_reads import guard
from .source_cells import read_source_notebook


class SubmittedNotebookExporter(NotebookExporter):
    """nbgrader's notebook exporter, reading submitted files the safe way; owns the run's zygote.

    Files under ``submitted/`` are read by :func:`~grader.submission.reading.read_notebook`:
    cells keep their types, sources and nbgrader metadata, nothing else. A file
    that cannot be read (corrupt, nested too deep, a pipe, a link out of the
    student's folder, ...) becomes an empty notebook: nbgrader restores its test
    cells, and :class:`SealedExecute` records the reason. Files nbgrader wrote
    itself (the second pass reads ``autograded/``) are read as usual.

    Made once per run, before nbgrader looks at any student, it has nbgrader's
    converter read the rest of each folder safely too (:mod:`.safe_nbgrader_reads`:
    ``timestamp.txt``, the files copied beside the notebook), and applies
    the course's regrading rule (:mod:`..records.regrading`): nbgrader skips a student
    whose autograded notebook exists, so the stale ones -- from another file
    than the one now submitted, or with incomplete grades -- are removed first.
    """

    _zygote = None
    _release = None
    _tables = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sources = {}
        coursedir = _coursedir(self)
        self.course = Course.at(coursedir.root)  # the run's course, read once for every step
        if getattr(self.parent, "coursedir", None) is coursedir and hasattr(self.parent, "init_assignment"):
            guard(self.parent)  # nbgrader's converter reads timestamps and copies files itself
            _settle_when_written(self.parent, self.course)
        self.counted = {}  # student -> KeptGrade: what counts before this run grades them again
        if coursedir.assignment_id and hasattr(self.parent, "force"):  # nbgrader autograde
            self._forget_stale(coursedir, getattr(self.parent, "force", True))

    def _forget_stale(self, coursedir, force):
        """Before nbgrader grades anyone: keep what counts for each student about to be graded again, and
        (without ``--force``) remove the stale autograded notebooks.

        The counted grade is written to disk (:mod:`..records.kept`) before
        anything overwrites or removes it; one left by a run that stopped
        midway is the counted grade, whatever the gradebook now holds.
        """
        from nbgrader.api import Gradebook

        pattern = Path(coursedir.format_path(coursedir.submitted_directory, coursedir.student_id,
                                             coursedir.assignment_id))
        with Gradebook(coursedir.db_url) as gb:
            for folder in sorted(pattern.parent.parent.glob("{}/{}".format(pattern.parent.name, pattern.name))):
                submission = Submission(folder.parent.name, folder)
                stale = autograded_notebook(self.course, submission.student)
                kept = interrupted(gb, self.course, submission)
                if kept is not None:  # the run that wrote it stopped before the outcome was recorded
                    self.log.warning("%s: grading again (the last run stopped while grading them)",
                                     submission.student)
                    self.counted[submission.student] = kept
                    if stale.parent.exists():
                        shutil.rmtree(stale.parent)
                elif stale.exists() and (force or needs_grading(gb, self.course, submission)):
                    kept = kept_grade(gb.db, submission.student, stale)
                    if kept is not None:
                        keep(self.course, submission.student, kept)  # before nbgrader records over it
                        self.counted[submission.student] = kept
                    if not force:
                        self.log.info("%s: grading again (the submission changed since it was graded)",
                                      submission.student)
                        shutil.rmtree(stale.parent)  # nbgrader looks for the folder, as when it regrades

    def from_filename(self, filename, resources=None, **kw):
        coursedir = _coursedir(self)
        submitted = os.path.join(os.path.abspath(coursedir.root), coursedir.submitted_directory) + os.sep
        if not os.path.abspath(filename).startswith(submitted):
            return super().from_filename(filename, resources, **kw)
        resources = ResourcesDict() if resources is None else resources
        resources["metadata"] = ResourcesDict()
        resources["metadata"].update(name=Path(filename).stem, path=os.path.dirname(filename))
        info = resources.get("nbgrader", {})
        try:
            submission = Submission(info["student"], Path(filename).parent)
            notebook = read_notebook(submission.notebook if Path(filename).name == NOTEBOOK else filename,
                                     submission.inside)
        except Unreadable as reason:
            self.log.warning("%s cannot be graded: %s", filename, reason)
            notebook = Notebook((), "")
        return self.from_notebook_node(from_dict(carrier_notebook(notebook, lab_markdown(self.course))),
                                       resources, **kw)

    def zygote(self):
        """The run's zygote (started on first use, stopped with the exporter or the process)."""
        if self._zygote is None:
            self._zygote = Zygote(self.course.lab)
            weakref.finalize(self, self._zygote.close)
            warn_about(self._zygote.seal())
        return self._zygote

    def source_notebook(self, info):
        """The source notebook's cells as the gradebook holds them, read once per run."""
        key = (info["db_url"], info["notebook"], info["assignment"])
        if key not in self._sources:
            self._sources[key] = read_source_notebook(*key)
        return self._sources[key]

    def tables(self, url):
        """The gradebook's tables without nbgrader's ORM (:class:`~..records.gradebook.Tables`), opened once per run."""
        if self._tables is None:
            self._tables = Tables(url)
            weakref.finalize(self, self._tables.close)
        return self._tables

    def release(self):
        """The release's answer stubs, read once per run (see :func:`..base.stubs.release_answers`)."""
        if self._release is None:
            self._release = release_answers(self.course)
        return self._release


def _exporter(step):
    """The run's :class:`SubmittedNotebookExporter`: it read the file and owns the zygote a grading step needs."""
    if not isinstance(step.parent, SubmittedNotebookExporter):
        raise RuntimeError("{} needs c.Autograde.exporter_class = "
                           "'grader.course.steps.autograde.SubmittedNotebookExporter'".format(type(step).__name__))
    return step.parent


class CanonicalCellMetadata(NbGraderPreprocessor):
    """nbgrader metadata exactly where the source notebook has it: once per grade id, as in the source.

    A student can duplicate an answer cell, copy a test cell, invent a grade id
    or flip its flags; nbgrader's own steps then refuse the whole notebook
    (``Duplicate grade id``), grading nothing. Here the metadata of every cell
    is rewritten from the gradebook: a known grade id keeps it on one cell --
    the last answer cell of a function (the one the sealed engine grades, as a
    notebook run top to bottom would), the first of any other cell -- and every
    other cell loses it.
    """

    def preprocess(self, nb, resources):
        canonical = _source_of(self, resources["nbgrader"]).metadata()
        keep = {}
        for index, cell in enumerate(nb.cells):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in canonical and (grade_id not in keep or canonical[grade_id]["solution"]):
                keep[grade_id] = index
        for cell in nb.cells:
            cell.metadata.pop("nbgrader", None)
        for grade_id, index in keep.items():
            nb.cells[index].metadata["nbgrader"] = dict(canonical[grade_id])
        return nb, resources


def _source_of(step, info):
    """The run's :class:`~.source_cells.SourceNotebook` (read afresh when the exporter is not the course's)."""
    if isinstance(step.parent, SubmittedNotebookExporter):
        return step.parent.source_notebook(info)
    return read_source_notebook(info["db_url"], info["notebook"], info["assignment"])


class RestoreDeletedTestCells(OverwriteCells):
    """OverwriteCells that puts a deleted grade cell back after any surviving cell, and warns of real edits only.

    nbgrader 0.9 looks for the deleted cell's predecessor among graded and
    answer cells only, and fails with ``KeyError`` when a read-only cell comes
    first -- as it does before every test cell of this lab (the lab's call
    cell). Here the predecessor may be any cell the gradebook knows.

    A test cell with hidden tests never matches its source's checksum: the
    student got it with the hidden tests cleared. nbgrader warned of a changed
    checksum for every such cell of every submission, drowning the one student
    who did edit a test cell; here a cell exactly as released is restored
    quietly.
    """

    def preprocess(self, nb, resources):
        """OverwriteCells's steps, answered from the run's source cells instead of two queries a cell."""
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id, self.db_url = info["notebook"], info["assignment"], info["db_url"]
        self.gradebook = _source_of(self, info)
        self._released = {}
        nb, resources = super(OverwriteCells, self).preprocess(nb, resources)
        if self.add_missing_cells:
            nb, resources = self.add_missing_grade_cells(nb, resources)
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources

    def preprocess_cell(self, cell, resources, cell_index):
        self._submitted_source = cell.source
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and self._submitted_source == self._as_released(name):
            return
        super().report_change(name, attr, old, new)

    def _as_released(self, name):
        """The source cell ``name`` as students got it: its hidden tests cleared, as generate_assignment does."""
        if name not in self._released:
            from nbgrader.preprocessors import ClearHiddenTests

            source = self.gradebook.find_source_cell(name, self.notebook_id, self.assignment_id)
            cell = from_dict({"cell_type": source.cell_type, "source": source.source, "metadata": {}})
            ClearHiddenTests(parent=self.parent, enforce_metadata=False).preprocess_cell(cell, {}, 0)
            self._released[name] = cell.source
        return self._released[name]

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        order = list(source_cells)  # the gradebook keeps them in notebook order
        solutions = {cell.name for cell in source_nb.solution_cells}
        for grade_cell in source_nb.grade_cells:
            present = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells]
            if grade_cell.name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", grade_cell.name)
            restored = self.missing_cell_transform(source_cells[grade_cell.name], grade_cell.max_score,
                                                   is_solution=grade_cell.name in solutions)
            earlier = order[:order.index(grade_cell.name)] if grade_cell.name in order else []
            position = next((present.index(name) + 1 for name in reversed(earlier) if name in present), 0)
            nb.cells.insert(position, restored)
        return nb, resources


class SealedExecute(NbGraderPreprocessor):
    """Grade the submission in the sealed engine and write the verdicts into its test cells.

    Takes the place of nbgrader's ``Execute``: no kernel starts and no student
    code runs in this process. The submitted file is graded, as ``grader
    check`` grades it, so every path gives the same per-function scores; the
    notebook passing through nbgrader carries each verdict (the test cell's
    stdout) and score (its value, which ``SaveAutoGrades`` reads as partial
    credit).
    """

    timeout = Float(10.0, help="Seconds one answer cell, and all calls of one function, may take.").tag(config=True)
    memory_mb = Integer(1024, help="Address-space limit of the sealed student process, in MiB.").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        coursedir = _coursedir(self)
        submission = Submission(info["student"], Path(coursedir.format_path(
            coursedir.submitted_directory, info["student"], info["assignment"])))
        limits = Limits(cell_seconds=self.timeout, function_seconds=self.timeout, memory_mb=self.memory_mb)
        try:
            zygote = _exporter(self).zygote()
        except SandboxUnavailable as failure:  # the run's first student: the zygote's first start
            raise _not_now(info["student"], failure) from None
        _keep_private(Path(coursedir.format_path(coursedir.autograded_directory, info["student"], info["assignment"])))
        result, notebook = read_and_grade(submission.notebook, zygote, limits, submission.inside)
        if result.unfinished:
            raise _not_now(info["student"], result.error)
        self.log.info("%s: %g of %g%s", info["student"], result.score, result.max_score,
                      " (cannot be graded: {})".format(result.error) if result.error else "")
        nb = from_dict(fill_verdicts(nb, result))  # nbgrader's steps read the added outputs as NotebookNodes
        nb.metadata[METADATA_KEY] = graded_from(submission, result.sha256)
        resources["grader"] = {"result": result, "notebook": notebook}
        return nb, resources


def _not_now(student, reason):
    """nbgrader records nothing for a step that raises: the next run grades the student again."""
    return RuntimeError("{}: not graded now, through no fault of the work ({}); run nbgrader autograde again"
                        .format(student, reason))


class SaveVerdicts(NbGraderPreprocessor):
    """The Russian verdicts as the answer cells' comments, as ``grader autograde`` writes them.

    Runs after ``SaveAutoGrades`` (which recorded the scores and would leave
    the comments empty): feedback, export and the class report then read the
    same gradebook whichever path graded the class.
    """

    def preprocess(self, nb, resources):
        graded = resources.get("grader")
        if graded is None:
            raise RuntimeError("SaveVerdicts needs SealedExecute earlier in Autograde.autograde_preprocessors")
        info = resources["nbgrader"]
        missing = unanswered(graded["notebook"], _exporter(self).release())
        record_verdicts(_exporter(self).tables(info["db_url"]), info["student"], graded["result"], missing)
        return nb, resources


class KeepCounted(NbGraderPreprocessor):
    """The course's resubmission policy on ``nbgrader autograde``: the last step, after the late penalty.

    nbgrader has just recorded the new submission over the old one. When the
    policy (:mod:`..records.resubmission`) keeps the old one, its rows are written back
    as they were (time, scores, verdicts; the penalty recomputed as before),
    the new graded notebook goes to ``.grader/not_counted/``, and the notebook
    nbgrader writes to ``autograded/`` is the counted one again.
    """

    def preprocess(self, nb, resources):
        import json

        from ..records.gradebook import NOTEBOOK_ID, Recorder, one_transaction
        from ..records.resubmission import counts, keep_aside, kept_standing, not_counted_note, policy
        from ..records.writer import Graded, write

        student, info = resources["nbgrader"]["student"], resources["nbgrader"]
        kept = _exporter(self).counted.get(student)  # forgotten once nbgrader has written the outcome
        if kept is None:
            return nb, resources
        course = _exporter(self).course
        tables = _exporter(self).tables(info["db_url"])
        chosen = policy(course)
        with one_transaction(tables.db):  # a read, ended at once: sqlite's lock never outlives this step
            new = kept_standing(tables.db, student)
        if new is None or counts(chosen, kept.standing, new):
            return nb, resources
        note = not_counted_note(chosen, kept.standing, new)
        with one_transaction(tables.db):
            write(tables.db, ASSIGNMENT, NOTEBOOK_ID, [Graded(student, kept.timestamp, kept.scores, kept.comments)],
                  Recorder(course).penalty)
        aside = autograded_notebook(course, student).with_suffix(".not_counted")
        aside.parent.mkdir(parents=True, exist_ok=True)
        aside.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        keep_aside(aside, course, student, note)
        self.log.warning("%s: resubmission graded (%g) but not counted (%s): the gradebook keeps the grade it had",
                         student, new.score, chosen)
        return from_dict(json.loads(kept.notebook)), resources


def _settle_when_written(converter, course):
    """Forget a student's kept grade (:mod:`..records.kept`) once ``converter`` has written their outcome.

    nbgrader sets the autograded folder's permissions after both passes wrote
    the notebook and every step recorded its rows; a step that fails before
    makes nbgrader remove the folder, and the kept grade stays for the next run.
    """
    if getattr(converter, "_grader_settles", False):
        return
    converter._grader_settles = True
    set_permissions = converter.set_permissions

    def set_permissions_then_settle(assignment_id, student_id):
        set_permissions(assignment_id, student_id)
        settled(course, student_id)

    converter.set_permissions = set_permissions_then_settle


def _keep_private(folder):
    """The student's autograded folder (nbgrader made it with its process's umask) readable by its owner alone."""
    for path in (folder.parent, folder):
        try:
            path.chmod(0o700)
        except OSError:
            pass


def _coursedir(configurable):
    """The course's folders: the converter's, found up the parent chain, else from the config."""
    node = configurable
    while node is not None:
        if getattr(node, "coursedir", None) is not None:
            return node.coursedir
        node = getattr(node, "parent", None)
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=configurable.config)
