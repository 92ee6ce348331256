"""nbgrader preprocessors that make the student release read like the lab."""

import ast
import re
import textwrap

from nbgrader.preprocessors import ClearSolutions, OverwriteCells
from traitlets import Unicode


def lab_stub(solution):
    """The lab's stub for a solution: ``a, b = ...`` becomes ``a, b = None``.

    Compound statements (``for``, ``if``) keep their header and get their body
    stubbed the same way; any other statement leaves an empty line, as the lab's
    own stubs do. ``solution`` is dedented code; the stub is returned dedented.
    """
    tree = ast.parse(solution)
    lines = solution.splitlines()
    return "\n".join(_stub_statements(tree.body, lines, solution))


def _stub_statements(statements, lines, source):
    out = []
    for node in statements:
        indent = re.match(r"\s*", lines[node.lineno - 1]).group(0)
        if isinstance(node, ast.Assign):
            targets = " = ".join(ast.get_source_segment(source, t) for t in node.targets)
            out.append("{}{} = None".format(indent, targets))
        elif isinstance(node, (ast.For, ast.While, ast.If, ast.With)):
            header_end = node.body[0].lineno - 1
            out.extend(lines[node.lineno - 1:header_end])
            out.extend(_stub_statements(node.body, lines, source))
        else:
            out.append("")
    return out


class LabStubSolutions(ClearSolutions):
    """ClearSolutions that keeps the lab's own markers and writes the lab's stubs.

    The source notebook holds the solution between the lab's markers
    (``### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ###`` ... ``### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###``);
    the release keeps both marker lines and replaces the code between them with
    :func:`lab_stub`, instead of nbgrader's ``raise NotImplementedError()``.
    """

    begin_solution_delimeter = Unicode(
        "### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ###",
        help="Marker line opening a solution region; kept in the release.",
    ).tag(config=True)

    end_solution_delimeter = Unicode(
        "### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###",
        help="Marker line closing a solution region; kept in the release.",
    ).tag(config=True)

    def _replace_solution_region(self, cell, language):
        lines = cell.source.split("\n")
        out, region, replaced = [], None, False
        for line in lines:
            if self.begin_solution_delimeter in line:
                if region is not None:
                    raise RuntimeError("nested solution regions in cell:\n" + cell.source)
                out.append(line)
                region = []
            elif self.end_solution_delimeter in line:
                if region is None:
                    raise RuntimeError("solution region closed before it opened:\n" + cell.source)
                out.extend(self._stub(region))
                out.append(line)
                region, replaced = None, True
            elif region is not None:
                region.append(line)
            else:
                out.append(line)
        if region is not None:
            raise RuntimeError("no end of solution region in cell:\n" + cell.source)
        cell.source = "\n".join(out)
        return replaced

    @staticmethod
    def _stub(region):
        code = "\n".join(region)
        dedented = textwrap.dedent(code)
        indent = next((re.match(r"\s*", l).group(0) for l in region if l.strip()), "")
        if not dedented.strip():
            return region
        return [indent + line if line else "" for line in lab_stub(dedented).split("\n")]


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
