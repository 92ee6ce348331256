"""The sealed grading engine: a submission in, a :class:`SubmissionResult` out.

Student code runs only in a sandboxed child (:mod:`.session`); this
process builds the cases, answers helper calls with the reference and judges
the returned plain data with the very checks the notebook's hidden tests use.
"""

import logging
import time
from dataclasses import replace
from functools import lru_cache

from ..checks.graded_functions import ACTIVATIONS, BY_NAME, NAMES
from ..checks.judge import judge_case, judge_exactly_right, judge_function, missing, right_answer, syntax_error
from ..checks.reference import cases_for, helper_params, known_replies, slips_for
from ..checks.results import ERROR, MISSING, SYNTAX, TIMEOUT, FunctionResult, SubmissionResult
from ..checks.verdicts import output_cut
from ..plain.codec import UnsupportedValue
from ..plain.outcome import Outcome
from ..submission.answers import answer_cells, defined_functions
from ..submission.reading import Unreadable, read_notebook
from .session import Crashed, OutOfTime, PreparedCall, Session, Timeout, describe_failure
from .zygote import SandboxUnavailable


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
    """Grade a read :class:`~grader.submission.reading.Notebook` in a sealed child of ``zygote``.

    A zygote that cannot be started (a loaded machine) grades nothing: the
    result is an error that says so, never a zero for each function.
    """
    started = time.monotonic() if started is None else started
    try:
        cells = answer_cells(notebook.cells)
    except Unreadable as reason:
        return SubmissionResult(error=str(reason), seconds=time.monotonic() - started, sha256=notebook.sha256)
    sources = [_plain_python(s) for s in cells.sources]
    zygote.preload(_preloadable())
    try:
        session = Session(zygote, sources, limits, zygote.lab.needed_imports(sources))
        try:
            results = tuple(_grade_function(session, name, limits) for name in NAMES)
        finally:
            session.close()
    except SandboxUnavailable as failure:
        return SubmissionResult(error=str(failure), seconds=time.monotonic() - started, sha256=notebook.sha256)
    results = tuple(_said_where(r, cells.position.get(r.name), session, sources) for r in results)
    results = _output_cut(results, cells.position, session.printed, limits.file_mb * 1024 * 1024)
    explained = {cells.position.get(r.name) for r in results if r.status == SYNTAX}
    notes = tuple("ячейка {}: {}".format(i + 1, e) for i, e in sorted(session.cell_errors.items())
                  if i not in explained) + \
        tuple("импорт лабораторной не выполнен: " + e for e in session.import_errors)
    return SubmissionResult(results, "", session.seal, time.monotonic() - started, notes, notebook.sha256,
                            session.refusals.of(CELLS))


CELLS = ""  # where refusals of the answer cells' own code are counted
log = logging.getLogger("grader.engine")


def _grade_function(session, name, limits):
    """One function's verdict, whatever the child sent: a failure stays this function's."""
    spec = BY_NAME[name]
    try:
        result = _check_function(session, name, limits)
    except SandboxUnavailable:  # not this function's: the whole submission is not graded
        raise
    except UnsupportedValue:  # checked plain data that still does not decode: the child forged it
        session.close()
        result = FunctionResult(name, 0.0, spec.points, ERROR, "нарушен протокол проверки")
    except Exception as error:  # a fault of the grader's own: recorded, and the batch goes on
        log.exception("grading %s failed", name)
        session.close()
        result = FunctionResult(name, 0.0, spec.points, ERROR,
                                "проверка не удалась: внутренняя ошибка ({})".format(type(error).__name__))
    refused = session.refusals.of(name)
    return replace(result, refused=refused) if refused else result


def _check_function(session, name, limits):
    spec = BY_NAME[name]
    out_of_time = FunctionResult(name, 0.0, spec.points, TIMEOUT,
                                 "превышено общее время проверки работы ({:g} с)".format(limits.budget))
    if session.out_of_time():
        return out_of_time
    try:
        session.refusals.where = CELLS
        session.ready()  # the cells' own time does not count against the function
    except OutOfTime:
        return out_of_time
    except (Crashed, Timeout) as failure:
        return FunctionResult(name, 0.0, spec.points, ERROR, describe_failure(failure, "запуск"))
    session.refusals.where = name
    deadline = time.monotonic() + limits.function_seconds
    cases = cases_for(name)
    try:
        messages = session.call(_prepared(name), deadline)
    except OutOfTime:
        return out_of_time
    except Timeout:
        return FunctionResult(name, 0.0, spec.points, TIMEOUT,
                              "превышено время выполнения ({:g} с)".format(limits.function_seconds))
    except Crashed as failure:
        return FunctionResult(name, 0.0, spec.points, ERROR, describe_failure(failure, "проверка"))
    if messages and messages[0]["missing"]:
        return missing(name)
    results = [judge_exactly_right(right, outcome) or
               judge_case(spec, case, expected, outcome, lambda case=case: slips_for(name, case))
               for (case, expected), right, outcome in zip(cases, _right_answers(name), map(_outcome, messages))]
    return judge_function(spec, results)


def _said_where(result, position, session, sources):
    """A function missing because its cell does not parse, or defines it under another name: say so, not
    «не найдена»."""
    if result.status != MISSING or position is None:
        return result
    if position not in session.syntax_lines:
        found = [n for n in defined_functions(sources[position]) if n != result.name]
        return missing(result.name, found) if found else result
    line = session.syntax_lines[position]
    lines = sources[position].splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return syntax_error(result.name, line, text, session.cell_errors.get(position, "SyntaxError"))


def _output_cut(results, position, printed, kept):
    """Said once, on the verdict of the function whose answer cell printed past what a child keeps."""
    total, where = 0, None
    for index in sorted(printed):
        total += printed[index]
        if where is None and total > kept:
            where = index
    name = next((n for n in NAMES if position.get(n) == where), None) if where is not None else None
    return tuple(replace(r, notes=r.notes + (output_cut(total, kept),)) if r.name == name else r for r in results)


def prepare():
    """Make every function's cases, reference answers and call in this process now: grading processes
    forked after it have them without making them again."""
    for _ in _preloadable():
        pass


def _preloadable():
    """The prepared calls of every function whose cases could be made: a fault of the grader's own in
    one of them is that function's verdict (:func:`_grade_function`), not the whole submission's."""
    for name in NAMES:
        try:
            yield _prepared(name)
        except Exception:  # noqa: BLE001 -- said in the function's own verdict
            continue


@lru_cache(maxsize=None)
def _prepared(name):
    """The call of ``name`` on its cases, with the reference's helper calls answered: once per process."""
    return PreparedCall.of(name, [case for case, _ in cases_for(name)], BY_NAME[name].helpers + ACTIVATIONS,
                           known_replies(name), helper_params(name),
                           [right and right[:2] for right in _right_answers(name)])


@lru_cache(maxsize=None)
def _right_answers(name):
    """Per case of ``name``, the reference's own answer as a child sends it (see :func:`right_answer`)."""
    spec = BY_NAME[name]
    return tuple(right_answer(spec, case, expected) for case, expected in cases_for(name))


def _outcome(message):
    return Outcome(message["value"], message["args_after"], message["error"], message["invalid"])


# IPython's own transformer re-reads the whole cell for every magic it rewrites: quadratic, and it
# gives up after 500. A cell with more magics or bytes than these is rewritten line by line.
_MAGIC_LINES = 50
_TRANSFORM_BYTES = 64 * 1024


def _plain_python(source):
    """IPython syntax (``%magic``, ``!cmd``) as plain Python calls of ``get_ipython()``.

    Linear in the cell's size whatever it holds: beyond :data:`_MAGIC_LINES`
    magics or :data:`_TRANSFORM_BYTES`, or when IPython cannot make sense of
    it, every magic line becomes ``pass`` (a magic does nothing in the sealed
    child anyway, and a cell magic's body then simply runs).
    """
    lines = source.splitlines()
    magic = {i for i, line in enumerate(lines) if line.lstrip().startswith(("%", "!"))}
    if not magic:
        return source
    if len(magic) <= _MAGIC_LINES and len(source) <= _TRANSFORM_BYTES:
        from IPython.core.inputtransformer2 import TransformerManager

        try:
            return TransformerManager().transform_cell(source)
        except Exception:  # noqa: BLE001 -- whatever IPython makes of a broken cell: the fallback below
            pass
    return "\n".join(line[:len(line) - len(line.lstrip())] + "pass" if i in magic else line
                     for i, line in enumerate(lines))
