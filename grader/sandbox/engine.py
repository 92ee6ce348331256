"""The sealed grading engine: a submission in, a :class:`SubmissionResult` out.

Student code runs only in a sandboxed child (:mod:`.session`); this
process builds the cases, answers helper calls with the reference and judges
the returned plain data with the very checks the notebook's hidden tests use.
"""

import time
from dataclasses import replace

from ..checks.graded_functions import ACTIVATIONS, BY_NAME, NAMES
from ..checks.judge import judge_case, judge_function, missing
from ..checks.reference import cases_for, slips_for
from ..checks.results import ERROR, TIMEOUT, FunctionResult, SubmissionResult
from ..plain.outcome import Outcome
from ..submission.answers import answer_cells
from ..submission.reading import Unreadable, read_notebook
from .session import Crashed, Session, Timeout, describe_failure


def grade_notebook(path, zygote, limits, inside=None):
    """Read and grade the notebook at ``path``; never raises for anything the student did.

    ``inside``: the folder the file must really be in (see :func:`read_notebook`).
    """
    return read_and_grade(path, zygote, limits, inside)[0]


def read_and_grade(path, zygote, limits, inside=None):
    """(SubmissionResult, the notebook as read -- or None when it cannot be read).

    An unreadable file's result still carries the sha256 of its bytes, so a
    changed file can be told from the one that was graded.
    """
    started = time.monotonic()
    try:
        notebook = read_notebook(path, inside)
    except Unreadable as reason:
        return SubmissionResult(error=str(reason), seconds=time.monotonic() - started, sha256=reason.sha256), None
    return grade_read_notebook(notebook, zygote, limits, started), notebook


def grade_read_notebook(notebook, zygote, limits, started=None):
    """Grade a read :class:`~grader.submission.reading.Notebook` in a sealed child of ``zygote``."""
    started = time.monotonic() if started is None else started
    try:
        cells = answer_cells(notebook.cells)
    except Unreadable as reason:
        return SubmissionResult(error=str(reason), seconds=time.monotonic() - started, sha256=notebook.sha256)
    sources = [_plain_python(s) for s in cells.sources]
    session = Session(zygote, sources, limits, zygote.lab.needed_imports(sources))
    try:
        results = tuple(_grade_function(session, name, limits) for name in NAMES)
    finally:
        session.close()
    notes = tuple("ячейка {}: {}".format(i + 1, e) for i, e in sorted(session.cell_errors.items())) + \
        tuple("импорт лабораторной не выполнен: " + e for e in session.import_errors) + \
        tuple("ячейки ответов: песочница запретила: " + r for r in session.refusals.of(CELLS))
    return SubmissionResult(results, "", session.seal, time.monotonic() - started, notes, notebook.sha256)


CELLS = ""  # where refusals of the answer cells' own code are counted


def _grade_function(session, name, limits):
    result = _check_function(session, name, limits)
    refused = session.refusals.of(name)
    return replace(result, refused=refused) if refused else result


def _check_function(session, name, limits):
    spec = BY_NAME[name]
    helpers = spec.helpers + ACTIVATIONS
    try:
        session.refusals.where = CELLS
        session.ready()  # the cells' own time does not count against the function
    except Crashed as failure:
        return FunctionResult(name, 0.0, spec.points, ERROR, describe_failure(failure, "запуск"))
    session.refusals.where = name
    deadline = time.monotonic() + limits.function_seconds
    cases = cases_for(name)
    try:
        messages = session.call(name, [case for case, _ in cases], helpers, deadline)
    except Timeout:
        return FunctionResult(name, 0.0, spec.points, TIMEOUT,
                              "превышено время выполнения ({:g} с)".format(limits.function_seconds))
    except Crashed as failure:
        return FunctionResult(name, 0.0, spec.points, ERROR, describe_failure(failure, "проверка"))
    if any(not isinstance(m, dict) for m in messages):
        return FunctionResult(name, 0.0, spec.points, ERROR, "нарушен протокол проверки")
    if messages and messages[0].get("missing"):
        return missing(name)
    results = [judge_case(spec, case, expected, _outcome(message), lambda case=case: slips_for(name, case))
               for (case, expected), message in zip(cases, messages)]
    return judge_function(spec, results)


def _outcome(message):
    return Outcome(message.get("value"), message.get("args_after"), str(message.get("error") or ""),
                   str(message.get("invalid") or ""))


def _plain_python(source):
    """IPython syntax (``%magic``, ``!cmd``) as plain Python calls of ``get_ipython()``."""
    if not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
        return source
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager().transform_cell(source)
