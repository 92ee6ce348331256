"""The assignment's cells as the gradebook holds them, read once per ``nbgrader autograde`` run.

nbgrader's ``OverwriteCells`` asks the gradebook for every graded cell of every
submission (two queries a cell), and the course's own sanitizing step read the
same source notebook again per submission: a third of a sealed submission's
time went to asking the same question. The answer does not change during a
run, so it is read once into plain values; :class:`SourceNotebook` answers the
few lookups nbgrader's steps make, with nbgrader's ``MissingEntry`` for an
unknown cell.
"""

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class SourceCell:
    """One cell of the source notebook: what restoring or checking a submitted cell needs."""

    name: str
    cell_type: str
    locked: bool
    checksum: Optional[str]
    source: str
    max_score: Optional[float]  # a grade or task cell's points
    grade: bool
    solution: bool
    task: bool


@dataclass(frozen=True)
class SourceNotebook:
    """The source notebook's cells in the gradebook's order, with the lookups nbgrader's steps make."""

    cells: Tuple[SourceCell, ...]

    @property
    def source_cells(self):
        return list(self.cells)

    @property
    def grade_cells(self):
        return [c for c in self.cells if c.grade]

    @property
    def solution_cells(self):
        return [c for c in self.cells if c.solution]

    @property
    def task_cells(self):
        return [c for c in self.cells if c.task]

    def find_notebook(self, notebook_id, assignment_id):
        return self

    def find_source_cell(self, name, notebook_id, assignment_id):
        return self._named(name, lambda c: True)

    def find_graded_cell(self, name, notebook_id, assignment_id):
        return self._named(name, lambda c: c.grade or c.task)

    def _named(self, name, kind):
        from nbgrader.api import MissingEntry

        for cell in self.cells:
            if cell.name == name and kind(cell):
                return cell
        raise MissingEntry()

    def metadata(self):
        """{grade id: the nbgrader metadata its cell has in the source notebook}."""
        canonical = {}
        for cell in self.cells:
            meta = {"grade": cell.grade, "grade_id": cell.name, "locked": cell.locked,
                    "schema_version": 3, "solution": cell.solution}
            if cell.grade:
                meta["points"] = cell.max_score
            if cell.task:
                meta.update(task=True, points=cell.max_score)
            canonical[cell.name] = meta
        return canonical


def read_source_notebook(db_url, notebook_id, assignment_id):
    """The :class:`SourceNotebook` of ``notebook_id`` in ``assignment_id``, from the gradebook at ``db_url``."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        notebook = gb.find_notebook(notebook_id, assignment_id)
        points = {c.name: c.max_score for c in notebook.grade_cells}
        tasks = {c.name: c.max_score for c in notebook.task_cells}
        solutions = {c.name for c in notebook.solution_cells}
        cells = tuple(
            SourceCell(name=c.name, cell_type=c.cell_type, locked=c.locked, checksum=c.checksum, source=c.source,
                       max_score=points.get(c.name, tasks.get(c.name)), grade=c.name in points,
                       solution=c.name in solutions, task=c.name in tasks)
            for c in notebook.source_cells)
    return SourceNotebook(cells)
