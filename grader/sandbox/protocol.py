"""What a sealed child may send, checked before the grader uses any of it.

Every byte from a child is the student's to choose: after its first line runs,
a child can write anything to its socket. So each message is read with a
size cap and a deadline (:mod:`grader.plain.framing`), then checked here
against the schema of its kind -- field types, list lengths, and every
encoded value's shape and depth (:func:`grader.plain.codec.check`) -- and
only then used. (An outcome identical to the grader's own right answer is
replaced by that answer, unwalked: see :func:`in_call`.) Anything else
raises :class:`Violation`: the submission's verdict says «нарушен протокол
проверки», the grader goes on.
"""

from ..client import printable
from ..plain.codec import UnsupportedValue, check, identical


class Violation(Exception):
    """A child sent something that is not what the protocol allows at this point."""


MAX_TEXT = 4000        # an error text, a function or helper name
MAX_IMPORT_ERRORS = 20
MAX_LINE = 10 ** 7     # a line number in an answer cell
MAX_PRINTED = 10 ** 15  # bytes a cell printed: more than any cell prints within its time limit


def started(message):
    _kind(message, "started")


def sealed(message):
    """The child's report after sealing itself: (error text, seal layers, import errors)."""
    _kind(message, "sealed")
    error = _text(message.get("error", ""))
    seal = message.get("seal", {})
    if not isinstance(seal, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in seal.items()):
        raise Violation("seal is not a dict of strings")
    errors = message.get("import_errors", [])
    if not isinstance(errors, list) or len(errors) > MAX_IMPORT_ERRORS:
        raise Violation("import_errors is not a short list")
    return error, seal, [_text(e) for e in errors]


def done(message, index):
    """A cell ran: (its error text, "" when it ran through; the line of its syntax error or None;
    the bytes it printed -- the student's to say, so only ever a number shown back to them)."""
    _kind(message, "done")
    if message.get("index") != index or type(message.get("index")) is not int:
        raise Violation("a reply for another cell")
    line = message.get("syntax_line")
    if line is not None and (type(line) is not int or not 0 <= line <= MAX_LINE):
        raise Violation("a syntax error's line that is no line")
    printed = message.get("printed", 0)
    if type(printed) is not int or not 0 <= printed <= MAX_PRINTED:
        raise Violation("a count of printed bytes that is no count")
    return _text(message.get("error", "")), line, printed


def in_call(message, helpers, rights):
    """During a call: ("helper", name, args, kwargs) or ("outcomes", [outcome dict, ...]) -- all checked.

    ``rights``: per case, the (value, arguments) a right child sends back, encoded, or None. An
    outcome identical to it is taken as that answer without walking it: :func:`identical` goes only
    where the grader's own answer goes, so however the child built it, it costs no more than that.
    """
    kind = message.get("op") if isinstance(message, dict) else None
    if kind == "helper":
        name = message.get("name")
        if name not in helpers:
            raise Violation("a helper the function may not call")
        args, kwargs = message.get("args"), message.get("kwargs")
        _value(args)
        _value(kwargs)
        return "helper", name, args, kwargs
    if kind == "outcomes":
        outcomes = message.get("outcomes")
        if not isinstance(outcomes, list) or len(outcomes) != len(rights):
            raise Violation("not one outcome per case")
        return "outcomes", [_outcome(o, right) for o, right in zip(outcomes, rights)]
    raise Violation("an unexpected message")


def _outcome(outcome, right=None):
    if not isinstance(outcome, dict):
        raise Violation("an outcome is not a dict")
    if right is not None and not (outcome.get("error") or outcome.get("invalid") or outcome.get("missing")) \
            and identical(outcome.get("value"), right[0]) and identical(outcome.get("args_after"), right[1]):
        return {"value": right[0], "args_after": right[1], "error": "", "invalid": "", "missing": False}
    for key in ("value", "args_after"):
        _value(outcome.get(key))
    return {"value": outcome.get("value"), "args_after": outcome.get("args_after"),
            "error": _text(outcome.get("error") or ""), "invalid": _text(outcome.get("invalid") or ""),
            "missing": outcome.get("missing") is True}


def _value(value):
    try:
        check(value)
    except UnsupportedValue as error:
        raise Violation("a value that is not plain data: {}".format(error)) from None


def _kind(message, kind):
    if not isinstance(message, dict) or message.get("op") != kind:
        raise Violation("expected {!r}".format(kind))


def _text(value):
    """A child's text (an error message, say), cut short and with every control character but a newline
    shown as ``\\xNN``: it reaches gradebooks, pages and an instructor's terminal."""
    if not isinstance(value, str):
        raise Violation("a text that is not a string")
    return printable(value[:MAX_TEXT])
