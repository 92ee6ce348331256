"""An attacker's review of the verdicts, and an honest student's.

A student's function that encodes a hidden value's bits in a list it chooses -- NumPy's shapes in an
exception's text, a dict's extra keys, which refused calls it tries -- reads back no more than
:data:`~grader.checks.facts.NAMED_LIMIT` items of it (refused calls: :data:`~grader.checks.facts.REFUSALS_NAMED`);
each attack decodes the verdict as the student would, and before the caps recovered all its bits. A child's
forged argument list gets a definite verdict, never a pass or a grader's fault; an integer beyond any float is
inf. Common mistakes' exceptions say what kind of error they are, since their text is never shown.
"""

import json
import re
import struct

import pytest

from course import REPO, solved_submission, with_answers
from hostile import as_text
from inprocess import namespace_of

from grader import client
from grader.checks.facts import NAMED_LIMIT, REFUSALS_NAMED
from grader.checks.graded_functions import BY_NAME
from grader.checks.inprocess import check_function
from grader.checks.judge import judge_case
from grader.checks.reference import cases_for
from grader.checks.results import SubmissionResult
from grader.course.base.lab_context import lab_context, lab_folder
from grader.plain.codec import UnsupportedValue, encode, fingerprint
from grader.plain.outcome import Outcome
from grader.sandbox.engine import grade_notebook
from grader.sandbox.session import Limits
from grader.sandbox.zygote import Zygote

BITS = 24  # of the hidden value an attack tries to send in one verdict


def _bits_of(value):
    return [int(b) for b in format(struct.unpack("<Q", struct.pack("<d", float(value)))[0], "064b")[:BITS]]


def _first_hidden(name):
    return next((case, expected) for case, expected in cases_for(name) if not case.public)


# The function passes the lab's example (so the first failure is a hidden case) and sends bits of A[0, 0]
# elsewhere. BITS_OF: the first BITS bits of the float, as _bits_of makes them.
PRELUDE = ("def BITS_OF(v):\n"
           "    return [int(b) for b in format(int(np.float64(v).view(np.uint64)), '064b')[:{}]]\n").format(BITS)


def test_numpys_shapes_in_an_exception_carry_no_more_than_a_few_bits():
    """«operands could not be broadcast together with shapes (1,) (2,) …»: one shape per bit, said no more."""
    body = PRELUDE + (
        "def linear_forward(A, W, b):\n"
        "    if A.shape == (3, 2):\n"
        "        return np.dot(W, A) + b, (A, W, b)\n"
        "    shapes = ' '.join('(1,)' if bit else '(2,)' for bit in BITS_OF(A[0, 0]))\n"
        "    raise ValueError('operands could not be broadcast together with shapes ' + shapes)\n")
    namespace = namespace_of({})
    exec(body, namespace)
    result = check_function("linear_forward", namespace["linear_forward"])
    case, _ = _first_hidden("linear_forward")
    assert result.message.startswith("не пройдено 5 из 6 проверок. Первая: " + case.label), result.message
    assert "не согласованы размеры массивов в поэлементной операции" in result.message  # still said
    said = re.findall(r"\((\d),\)", result.message)
    assert len(said) <= NAMED_LIMIT, result.message
    # The same text said again (a note on a cell is read back from the gradebook) keeps no more.
    note = "ячейка 3: ValueError — не согласованы размеры массивов в поэлементной операции: " + \
        " и ".join("({},)".format(2 - bit) for bit in _bits_of(case.args[0][0, 0]))
    shown = SubmissionResult(notes=(note,)).to_json()["notes"][0]
    assert len(re.findall(r"\((\d),\)", shown)) <= NAMED_LIMIT, shown


def test_extra_dict_keys_carry_no_more_than_a_few_bits():
    """A key of the lab's form per bit (A0, dZ7, …): «лишние ключи» names a few and says there are others."""
    keys = ["{}{}".format(p, d) for p in ("A", "Z", "dA", "dZ", "dW", "db") for d in range(10)][:BITS]
    body = PRELUDE + (
        "KEYS = {!r}\n"
        "def update_parameters(parameters, grads, learning_rate):\n"
        "    if parameters['W1'].shape == (4, 3) and learning_rate == 0.1:\n"
        "        return {{k: v - learning_rate * grads['d' + k] for k, v in parameters.items()}}\n"
        "    return {{k: 1.0 for k, bit in zip(KEYS, BITS_OF(parameters['W1'][0, 0])) if bit}}\n").format(keys)
    namespace = namespace_of({})
    exec(body, namespace)
    result = check_function("update_parameters", namespace["update_parameters"])
    case, _ = _first_hidden("update_parameters")
    assert "Первая: " + case.label in result.message, result.message
    extra = re.search(r"лишние ключи ([^(]*)", result.message).group(1)
    assert len([k for k in keys if re.search(r"\b{}\b".format(k), extra)]) <= NAMED_LIMIT, result.message
    assert extra.endswith(" и другие "), result.message
    # Keys left out are named as few: a network of four layers that returns none of its eight.
    case, expected = [(c, e) for c, e in cases_for("update_parameters") if len(e) == 8][0]
    said = judge_case(BY_NAME["update_parameters"], case, expected, Outcome(value=encode({}),
                                                                           args_after=encode(case.args))).message
    missing = re.search(r"нет ключей ([^(;]*)", said).group(1)
    assert len(re.findall(r"\b[Wb]\d\b", missing)) == NAMED_LIMIT and missing.endswith(" и других "), said


@pytest.fixture(scope="module")
def zygote():
    with Zygote(lab_context(lab_folder(REPO))) as z:
        yield z


# Calls the seal refuses and reports by name (grader/sandbox/syscalls.py), one per bit.
REFUSED_CALLS = ("setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
                 "getpgid", "getpriority", "sched_getparam", "sched_getscheduler", "capget", "kill", "tkill",
                 "socket", "socketpair", "chroot", "unshare", "setns", "shmget", "msgget", "semget", "mq_unlink")


def test_which_calls_the_seal_refused_carry_no_more_than_a_few_bits(zygote, tmp_path):
    """One refused call tried per bit: the verdict names a few and says there were others (the sealed engine)."""
    import pyseccomp

    numbers = [pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name) for name in REFUSED_CALLS[:BITS]]
    body = PRELUDE + (
        "import sys\n"
        "NUMBERS = {!r}\n"
        "def linear_forward(A, W, b):\n"
        "    if A.shape != (3, 2) and not globals().get('SENT'):\n"
        "        globals()['SENT'] = True\n"
        "        ctypes = next(m.ctypes for m in list(sys.modules.values()) if hasattr(getattr(m, 'ctypes', None), 'CDLL'))\n"
        "        libc = ctypes.CDLL(None, use_errno=True)\n"
        "        for number, bit in zip(NUMBERS, BITS_OF(A[0, 0])):\n"
        "            if bit:\n"
        "                libc.syscall(number, 0, 0, 0, 0, 0)\n"
        "    return np.dot(W, A) + b, (A, W, b)\n").format(numbers)
    path = tmp_path / "refused.ipynb"
    path.write_text(as_text(with_answers(solved_submission(), {
        "linear_forward": "# ОЦЕНИВАЕМОЕ: linear_forward\n" + body})), encoding="utf-8")
    result = grade_notebook(path, zygote, Limits(cell_seconds=5, function_seconds=5))
    verdict = {f.name: f for f in result.functions}["linear_forward"]
    tried = sum(_bits_of(_first_hidden("linear_forward")[0].args[0][0, 0]))
    assert tried > REFUSALS_NAMED  # the attack really tried more than are named
    named = [r for r in verdict.refused if r != "и другие вызовы"]
    assert 1 <= len(named) <= REFUSALS_NAMED and verdict.refused[-1] == "и другие вызовы", verdict.refused
    shown = result.to_json()
    assert SubmissionResult(functions=result.functions).to_json()["functions"] == shown["functions"]  # said once
    assert "и другие вызовы" in client.function_text(shown["functions"][2])


def test_a_forged_argument_list_is_no_pass_and_no_fault_of_the_grader():
    """A child that sends the right value with no arguments, too few, or none at all: the call is refused as
    forged (the engine says «нарушен протокол проверки»), never judged as unchanged arguments."""
    spec = BY_NAME["linear_forward"]
    case, expected = _first_hidden("linear_forward")
    for args_after in (None, [], encode(list(case.args[:1])), {"dict": {}}):
        with pytest.raises(UnsupportedValue):
            judge_case(spec, case, expected, Outcome(value=encode(expected), args_after=args_after))
    honest = judge_case(spec, case, expected, Outcome(value=encode(expected), args_after=encode(case.args)))
    assert honest.passed and json.dumps(honest.message) == '""'


def test_an_integer_beyond_any_float_is_inf_not_a_fault(zygote, tmp_path):
    """``return 10 ** 400`` is a number the codec cannot make a float of: it is inf (as NumPy makes it), said as
    such, never an OverflowError blamed on the student's call -- nor one in the trusted process's own encoding."""
    assert encode(10 ** 400) == encode(float("inf")) and encode([-10 ** 400]) == encode([float("-inf")])
    assert fingerprint(10 ** 400) == fingerprint(float("inf")) != fingerprint(-10 ** 400)
    namespace = namespace_of({})
    exec("def compute_cost(AL, Y):\n    return 10 ** 400\n", namespace)
    assert "результат содержит nan или inf" in check_function("compute_cost", namespace["compute_cost"]).message
    path = tmp_path / "huge.ipynb"
    path.write_text(as_text(with_answers(solved_submission(), {
        "compute_cost": "# ОЦЕНИВАЕМОЕ: compute_cost\ndef compute_cost(AL, Y):\n    return 10 ** 400\n",
        "linear_activation_forward": "# ОЦЕНИВАЕМОЕ: linear_activation_forward\n"
                                     "def linear_activation_forward(A_prev, W, b, activation):\n"
                                     "    return linear_forward(10 ** 400, W, b)[0], None\n"})),
        encoding="utf-8")
    verdicts = {f.name: f for f in grade_notebook(path, zygote, Limits(cell_seconds=5, function_seconds=5)).functions}
    assert "результат содержит nan или inf" in verdicts["compute_cost"].message, verdicts["compute_cost"].message
    said = verdicts["linear_activation_forward"].message
    assert "Overflow" not in said and "ошибка при вызове" not in said, said


KINDS = {  # a corpus mistake whose exception the verdict used to name by its class alone: what it now says
    "linear_activation_forward-sigmoid-tuple": "AttributeError — у кортежа нет такого атрибута",
    "linear_activation_forward-np-max": "np.max(0, Z) вместо np.maximum(0, Z)",
    "linear_activation_backward-relu-linear-cache": "TypeError — операция над значениями неподходящего типа",
    "linear_activation_backward-cache-unpacked-swapped": "TypeError — операция над значениями неподходящего типа",
    "L_model_backward-loop-cache-l-plus-1": "IndexError — логическая маска не того размера",
}


@pytest.mark.parametrize("mistake_id", sorted(KINDS))
def test_common_exceptions_say_what_went_wrong(mistake_id):
    """The text of the exception is never shown, so its kind must be: a tuple where an array was meant, an array
    as an axis, a mask of another size."""
    from corpus import solved_sources
    from corpus.mistakes import MISTAKES

    mistake = next(m for m in MISTAKES if m.id == mistake_id)
    solved = solved_sources()
    namespace = namespace_of(dict(solved, **{mistake.function: mistake.cell_source(solved)}))
    said = check_function(mistake.function, namespace[mistake.function]).message
    assert KINDS[mistake_id] in said, said
    # Said again (read back from a gradebook), the same facts.
    note = SubmissionResult(notes=("ячейка 2: " + said.split("ошибка при вызове: ", 1)[1].split("\n")[0],)).notes[0]
    assert KINDS[mistake_id].split(" — ")[-1] in note, note
