"""Steps of ``nbgrader autograde`` (preprocessors named in ``nbgrader_config.py``)."""

from nbgrader.preprocessors import OverwriteCells


class RestoreDeletedTestCells(OverwriteCells):
    """OverwriteCells that puts a deleted grade cell back after any surviving cell.

    nbgrader 0.9 looks for the deleted cell's predecessor among graded and
    answer cells only, and fails with ``KeyError`` when a read-only cell comes
    first -- as it does before every test cell of this lab (the lab's call
    cell). Here the predecessor may be any cell the gradebook knows.
    """

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
