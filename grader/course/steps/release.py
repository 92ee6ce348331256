"""The student release reads like the lab: nbgrader steps of ``generate_assignment``."""

import ast
import re
import textwrap

from nbgrader.preprocessors import ClearSolutions
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
