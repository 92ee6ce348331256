"""What a verdict may tell a student: a closed set of facts the grader establishes itself.

A student's function sees a hidden case's inputs, so everything it makes may
carry them out: an exception's text and even its class's name, a returned
object's type name, a length, a shape, a dict key, a value -- and what it
stashes on a hidden case it can show on the lab's own example later. So no
verdict is built from what the student made and then masked: each is one of
the facts below, whose every field is an enum member, a size or name from a
closed list the grader knows in advance (:func:`sizes`, lab key names,
builtin exception classes, known type names), a count capped at
:data:`COUNT_LIMIT`, or the grader's own trusted data (a case's ``m``, its
path, the lab example's expected values). Each fact checks its fields when it
is made, and its Russian is written here, once.
"""

import builtins
import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import numpy as np

from .graded_functions import SPECS

COUNT_LIMIT = 10   # a length or count a student chose is said up to this, else «более 10»


@lru_cache(maxsize=None)
def sizes():
    """Every axis length and integer argument of every case (public: each label says them), 0 and 1.

    A shape made only of these can be said: it names no hidden value, only
    sizes the student was told. (Every output's axes are among its inputs'.)
    """
    found, stack = {0, 1}, [case.args for spec in SPECS for case in spec.build_cases()]
    while stack:
        value = stack.pop()
        if isinstance(value, np.ndarray):
            found.update(value.shape)
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif type(value) is int:
            found.add(value)
    return frozenset(found)


def _plural(n, one, few, many):
    if n % 10 == 1 and n % 100 != 11:
        return one
    return few if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else many


# --- the small pieces a fact is made of ----------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    """A shape whose every axis is in :func:`sizes` (at most two axes, as every array of the lab)."""

    axes: tuple

    def __post_init__(self):
        if not (isinstance(self.axes, tuple) and len(self.axes) <= 2
                and all(type(n) is int and n in sizes() for n in self.axes)):
            raise ValueError("not a shape of the lab's sizes")

    @classmethod
    def of(cls, shape):
        """The :class:`Shape` of ``shape``, or None when it is not made of the lab's sizes."""
        shape = tuple(int(n) for n in shape)
        return cls(shape) if len(shape) <= 2 and all(n in sizes() for n in shape) else None

    def __str__(self):
        return "({})".format(", ".join(map(str, self.axes)) + ("," if len(self.axes) == 1 else ""))


@dataclass(frozen=True)
class Count:
    """A length the student chose: said up to :data:`COUNT_LIMIT`, beyond it only «более»."""

    n: int

    def __post_init__(self):
        object.__setattr__(self, "n", min(int(self.n), COUNT_LIMIT + 1))

    def elements(self, case="nominative"):
        """«3 элемента», «более 10 элементов»; ``case="genitive"``: «из 3 элементов», «из 1 элемента»."""
        if self.n > COUNT_LIMIT:
            return "более {}{} элементов".format("чем " if case == "genitive" else "", COUNT_LIMIT)
        if case == "genitive":
            return "{} {}".format(self.n, "элемента" if self.n % 10 == 1 and self.n % 100 != 11 else "элементов")
        return "{} {}".format(self.n, _plural(self.n, "элемент", "элемента", "элементов"))


class Kind(Enum):
    """What sort of value a student returned, as the grader sees it after the codec."""

    ARRAY = "массив numpy"
    NUMBER = "число"
    TUPLE = "кортеж"
    LIST = "список"
    DICT = "словарь"
    STRING = "строка"
    BOOL = "логическое значение"
    NONE = "None"


@dataclass(frozen=True)
class Value:
    """A value described by the grader: its kind, its shape when made of the lab's sizes, its length capped."""

    kind: Kind
    shape: Shape = None
    length: Count = None

    def __post_init__(self):
        if not isinstance(self.kind, Kind) or not isinstance(self.shape, (Shape, type(None))) \
                or not isinstance(self.length, (Count, type(None))):
            raise TypeError("a Value holds only facts")

    @classmethod
    def of(cls, value):
        """The description of a decoded value (plain data: :mod:`grader.plain.codec`)."""
        if value is None:
            return cls(Kind.NONE)
        if isinstance(value, (bool, np.bool_)):
            return cls(Kind.BOOL)
        if isinstance(value, str):
            return cls(Kind.STRING)
        if isinstance(value, (int, float, np.generic)):
            return cls(Kind.NUMBER)
        if isinstance(value, np.ndarray):
            return cls(Kind.ARRAY, shape=Shape.of(value.shape))
        if isinstance(value, tuple):
            return cls(Kind.TUPLE, length=Count(len(value)))
        if isinstance(value, list):
            return cls(Kind.LIST, length=Count(len(value)))
        return cls(Kind.DICT)

    def __str__(self):
        if self.kind is Kind.ARRAY:
            return "массив numpy размера {}".format(self.shape) if self.shape else \
                "массив numpy другого размера"
        if self.length is not None:
            return "{} из {}".format(self.kind.value, self.length.elements("genitive"))
        return self.kind.value


# Keys of the lab's dictionaries (parameters, grads): a student's extra key is named only when it is one.
_LAB_KEY = re.compile(r"d?[WbAZ][0-9]\Z")


def lab_key(key):
    return type(key) is str and _LAB_KEY.match(key) is not None


# --- what differs in a returned value ------------------------------------------------------------

class ShapeHint(Enum):
    TRANSPOSED = "похоже, результат транспонирован"
    KEEPDIMS = "потеряна вторая размерность: используйте keepdims=True"
    ORDER = "похоже, перепутан порядок множителей или пропущено транспонирование"
    RESHAPE = "те же элементы в другой форме: проверьте reshape"


class ValueHint(Enum):
    NOT_FINITE = "результат содержит nan или inf"
    ZEROS = "получены одни нули"
    TRANSPOSED = "похоже, результат транспонирован"
    SIGN = "перепутан знак"
    TIMES_M = "результат в m = {m} раз больше верного: пропущено деление на m"
    DIVIDED_M = "результат в m = {m} раз меньше верного: лишнее деление на m"
    FACTOR = "результат отличается от верного постоянным множителем"


# Factors a slip makes (twice, half, a hundred times): said on the lab's own example, never an arbitrary one.
ROUND_FACTORS = tuple(sorted({k / 2 for k in range(3, 21)} | {100.0, 1000.0}))


@dataclass(frozen=True)
class Factor:
    """got = factor × expected with a round factor (or its inverse): «в 2.5 раз больше»."""

    factor: float
    larger: bool

    def __post_init__(self):
        if self.factor not in ROUND_FACTORS or type(self.larger) is not bool:
            raise ValueError("not a round factor")

    @classmethod
    def of(cls, ratio):
        for factor in ROUND_FACTORS:
            for larger, value in ((True, factor), (False, 1 / factor)):
                if np.isclose(ratio, value, rtol=1e-5, atol=0):
                    return cls(factor, larger)
        return None

    def __str__(self):
        times = _plural(int(self.factor), "раз", "раза", "раз") if self.factor.is_integer() else "раза"
        return "результат в {:g} {} {} верного".format(self.factor, times, "больше" if self.larger else "меньше")


@dataclass(frozen=True)
class NotTuple:
    names: tuple    # the lab's names of the outputs (the spec's)
    got: Value

    def __str__(self):
        return "ожидался кортеж ({}), получено: {}".format(", ".join(self.names), self.got)


@dataclass(frozen=True)
class WrongKind:
    expected: Value  # from the reference's output
    got: Value

    def __str__(self):
        if self.expected.kind is Kind.NUMBER and self.got.kind is Kind.ARRAY:
            return "ожидалось число (размер ()), получен {}".format(self.got)
        return "ожидал{} {}, получено: {}".format("ось" if self.expected.kind is Kind.NUMBER else "ся",
                                                   self.expected, self.got)


@dataclass(frozen=True)
class WrongLength:
    expected: int    # the reference output's length
    got: Count

    def __str__(self):
        return "ожидалось {}, получено {}".format(Count(self.expected).elements(), self.got.elements())


@dataclass(frozen=True)
class WrongKeys:
    """Keys missing (the reference's) and extra: named when the lab names such keys, else only said."""

    expected: tuple
    missing: tuple
    extra: tuple
    other_extra: bool = False

    def __post_init__(self):
        if not all(lab_key(k) for k in self.extra) or not set(self.missing) <= set(self.expected):
            raise ValueError("a key that is not the lab's")

    def __str__(self):
        parts = ["нет ключей " + ", ".join(self.missing)] if self.missing else []
        if self.extra or self.other_extra:
            parts.append("лишние ключи " + ", ".join(self.extra + (("и другие",) if self.extra and self.other_extra
                                                                  else ("не из лабораторной",) if self.other_extra
                                                                  else ())))
        return "; ".join(parts) + " (ожидались ключи {})".format(", ".join(self.expected))


@dataclass(frozen=True)
class WrongShape:
    expected: Shape
    got: Shape       # None: a shape not made of the lab's sizes
    hint: ShapeHint = None

    def __str__(self):
        text = "размер {}, ожидался {}".format(self.got, self.expected) if self.got else \
            "другой размер (не из размеров примера), ожидался {}".format(self.expected)
        return text + (" — " + self.hint.value if self.hint else "")


@dataclass(frozen=True)
class WrongValues:
    """Values differ. ``shown``: the lab example's expected values, as the lab prints them (never a hidden case's)."""

    hint: ValueHint = None
    m: int = 0          # the case's number of examples (its label says it)
    factor: Factor = None
    shown: str = ""

    def __post_init__(self):
        if not isinstance(self.hint, (ValueHint, type(None))) or type(self.m) is not int \
                or not isinstance(self.factor, (Factor, type(None))) or type(self.shown) is not str:
            raise TypeError("WrongValues holds only facts")

    def __str__(self):
        if self.hint is ValueHint.NOT_FINITE:
            text = self.hint.value
        else:
            hint = str(self.factor) if self.factor else self.hint.value.format(m=self.m) if self.hint else ""
            text = "значения не совпадают с верными" + (" — " + hint if hint else "")
        return text + ("\n  ожидалось: " + self.shown if self.shown else "")


@dataclass(frozen=True)
class ChangedArgument:
    name: str        # the lab's name of the argument (the spec's)

    def __str__(self):
        return "функция изменила входной аргумент {}: работайте с копией".format(self.name)


# --- an exception the student's code raised ---------------------------------------------------------

# Exception classes named in a verdict: Python's own and NumPy's. A class of the student's own may have any
# name (``type(f"E{A[0, 0].hex()}", (Exception,), {})``), so its name is never said.
EXCEPTIONS = frozenset(name for name, value in vars(builtins).items()
                       if isinstance(value, type) and issubclass(value, BaseException)) | \
    frozenset(("LinAlgError", "AxisError", "UFuncTypeError", "ComplexWarning", "TooHardError"))


class ErrorKind(Enum):
    """What an exception's text says, recognised from the words NumPy and Python use; the text itself is never shown."""

    MATMUL = "не согласованы размеры в матричном произведении"
    BROADCAST = "не согласованы размеры массивов в поэлементной операции"
    RESHAPE = "reshape не может дать такой размер"
    INDEX = "индекс за пределами массива или списка"
    KEY = "в словаре нет ключа"
    NONE_ATTRIBUTE = "у None нет такого атрибута: функция или переменная не вернула значения"
    ARGUMENTS = "функция вызвана не с теми аргументами"
    OPERAND_TYPE = "операция над значениями неподходящего типа"
    NAME = "имя не определено"
    TOO_LARGE = "функция лабораторной вызвана с аргументами больше, чем бывает в лабораторной"


_READ = 1000  # characters of an exception's text read (a child's report may be megabytes; the regexes scan it)
_SHAPE_TEXT = r"\((\d+(?:,\s*\d+)*),?\)"
_RECOGNISED = (  # (exception, pattern of its text, kind); shapes are read from the text, kept if of the lab's sizes
    (("ValueError",), re.compile(r"shapes {0} and {0} not aligned".format(_SHAPE_TEXT)), ErrorKind.MATMUL),
    (("ValueError",), re.compile(r"matmul: Input operand \d+ has a mismatch"), ErrorKind.MATMUL),
    (("ValueError",), re.compile(r"operands could not be broadcast together with shapes((?:\s*{})+)".format(
        r"\(\d+(?:,\s*\d+)*,?\)")), ErrorKind.BROADCAST),
    (("ValueError",), re.compile(r"cannot reshape array"), ErrorKind.RESHAPE),
    (("IndexError", "AxisError"), re.compile(r"(list |tuple )?index .*out of (bounds|range)"), ErrorKind.INDEX),
    (("KeyError",), re.compile(r"'(d?[WbAZ][0-9])'\Z"), ErrorKind.KEY),
    (("AttributeError",), re.compile(r"'NoneType' object has no attribute"), ErrorKind.NONE_ATTRIBUTE),
    (("TypeError",), re.compile(r"(missing \d+ required|takes \d+ positional|got an unexpected keyword)"),
     ErrorKind.ARGUMENTS),
    (("TypeError", "UFuncTypeError"), re.compile(r"unsupported operand|can't multiply|did not contain a loop"),
     ErrorKind.OPERAND_TYPE),
    (("ValueError",), re.compile(r"больше, чем бывает в лабораторной"), ErrorKind.TOO_LARGE),  # reference.within_budget
    (("NameError", "UnboundLocalError"), re.compile(r"name .* is not defined|cannot access local"), ErrorKind.NAME),
)


# Python's own words for a syntax error, said as Python says them (its position and quoted text left out).
_BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"))
SYNTAX_WORDS = ("invalid syntax. Perhaps you forgot a comma?", "invalid syntax", "unexpected indent",
                "expected an indented block", "unindent does not match any outer indentation level", "expected ':'",
                "unterminated triple-quoted string literal", "unterminated string literal", "invalid decimal literal",
                "cannot assign to function call", "cannot assign to expression", "cannot assign to literal",
                "'return' outside function", "invalid non-printable character", "invalid character",
                "unexpected EOF while parsing", "inconsistent use of tabs and spaces in indentation",
                "expected 'except' or 'finally' block", "positional argument follows keyword argument",
                "keyword argument repeated", "unexpected character after line continuation character",
                "Missing parentheses in call to 'print'. Did you mean print(...)?") + \
    tuple("'{}' was never closed".format(o) for o, _ in _BRACKETS) + \
    tuple("unmatched '{}'".format(c) for _, c in _BRACKETS) + \
    tuple("closing parenthesis '{}' does not match opening parenthesis '{}'".format(c, o)
          for _, c in _BRACKETS for o, _ in _BRACKETS)
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
_SAID = re.compile(r"(\w+) — ({})(.*)\Z".format("|".join(re.escape(k.value) for k in ErrorKind)), re.S)


@dataclass(frozen=True)
class Raised:
    """The student's code raised: its class when Python or NumPy has one of that name, what kind of error it is."""

    exception: str = ""          # in :data:`EXCEPTIONS`, else ""
    kind: ErrorKind = None
    shapes: tuple = ()           # of :class:`Shape`: the sizes NumPy named, when all are the lab's
    key: str = ""                # a lab key a KeyError named
    syntax: str = ""             # in :data:`SYNTAX_WORDS`: what Python said of a syntax error

    def __post_init__(self):
        if (self.exception and self.exception not in EXCEPTIONS) or not isinstance(self.kind, (ErrorKind, type(None))) \
                or not all(isinstance(s, Shape) for s in self.shapes) or (self.key and not lab_key(self.key)) \
                or (self.syntax and self.syntax not in SYNTAX_WORDS):
            raise ValueError("Raised holds only facts")

    @classmethod
    def of(cls, error):
        """The facts of ``error`` as a child reports it ("ValueError: its text", the student's to forge)."""
        error = str(error)[:_READ]
        said = _SAID.match(error)
        if said:  # said already (a note read again): the same facts
            return cls._said(*said.groups())
        name, _, text = error.partition(": ")
        if name not in EXCEPTIONS:
            return cls()
        if name in _SYNTAX_ERRORS:
            return cls(name, syntax=next((w for w in SYNTAX_WORDS if text.startswith(w)), ""))
        for names, pattern, kind in _RECOGNISED:
            found = pattern.search(text) if name in names else None
            if found:
                break
        else:
            return cls(name)
        if kind is ErrorKind.KEY:
            return cls(name, kind, key=found.group(1))
        shapes = tuple(Shape.of(map(int, re.split(r",\s*", s.strip("() ,"))))
                       for s in re.findall(_SHAPE_TEXT, found.group(0)))
        return cls(name, kind, shapes if shapes and all(shapes) else ())

    @classmethod
    def _said(cls, name, kind_text, rest):
        kind = next((k for k in ErrorKind if k.value == kind_text), None)
        if name not in EXCEPTIONS or kind is None:
            return cls(name if name in EXCEPTIONS else "")
        if kind is ErrorKind.KEY:
            return cls(name, kind, key=rest.strip() if lab_key(rest.strip()) else "")
        shapes = tuple(Shape.of(map(int, re.split(r",\s*", s.strip("() ,")))) for s in re.findall(_SHAPE_TEXT, rest))
        return cls(name, kind, shapes if shapes and all(shapes) else ())

    def described(self):
        """«ValueError — не согласованы размеры …», «SyntaxError: invalid syntax»: the facts, without the call."""
        if self.syntax:
            return "{}: {}".format(self.exception, self.syntax)
        text = self.exception or "исключение своего класса (его имя не показывается)"
        if self.kind:
            text += " — " + self.kind.value
            if self.key:
                text += " " + self.key
            if self.shapes:
                text += ": " + " и ".join(map(str, self.shapes))
        return text

    def __str__(self):
        return "ошибка при вызове: " + self.described() + "\n  (текст исключения в вердикт не попадает; на " \
                                                          "примере из лабораторной его покажет ячейка с примером в ноутбуке)"


class CellFailure(Enum):
    """What the sandbox says of an answer cell it stopped (its own words, :func:`grader.sandbox.session.describe_failure`)."""

    TIMEOUT = "превышено время выполнения"
    PROTOCOL = "нарушен протокол проверки"
    CRASH = "процесс проверки аварийно завершился"


_NOTE = re.compile(r"ячейка (\d{1,4}): (.*)\Z", re.S)
_IMPORT = "импорт лабораторной не выполнен: "
_UNSHOWN = "; текст исключения не показывается: запустите ячейку в ноутбуке"


@dataclass(frozen=True)
class Note:
    """A note on the submission: an answer cell (its number) raised or was stopped, or the lab's imports failed.

    A cell's code runs where the sealed child holds the cases it will be
    called on, so what it raised is said by its facts. The lab's imports fail
    (a broken installation) before any student code runs: their note is the
    engine's, said as it is.
    """

    cell: int = 0                # 1-based
    raised: Raised = None
    failure: CellFailure = None
    imports: str = ""            # the engine's note on the lab's imports

    def __post_init__(self):
        if type(self.cell) is not int or not 0 <= self.cell < 10_000 or not isinstance(self.raised, (Raised, type(None))) \
                or not isinstance(self.failure, (CellFailure, type(None))) \
                or (self.imports and not self.imports.startswith(_IMPORT)):
            raise ValueError("Note holds only facts")

    @classmethod
    def of(cls, text):
        """The facts of a note as the engine writes it ("ячейка 3: ValueError: …"); a note said already stays."""
        text = str(text)
        if text.startswith(_IMPORT):
            return cls(imports=text)
        found = _NOTE.match(text)
        cell, error = (int(found.group(1)), found.group(2)) if found else (0, text)
        failure = next((f for f in CellFailure if error.startswith(("ячейка: " + f.value, f.value))), None)
        return cls(cell, None if failure else Raised.of(error.split(_UNSHOWN, 1)[0]), failure)

    def __str__(self):
        if self.imports:
            return self.imports
        where = "ячейка {}: ".format(self.cell) if self.cell else ""
        if self.failure:
            return where + self.failure.value
        return where + self.raised.described() + ("" if self.raised.syntax else _UNSHOWN)


# --- a call the seal refused -----------------------------------------------------------------------

_REFUSAL = re.compile(r"(?P<what>[^:×]{1,40}): (?P<name>[a-z][a-z0-9_]{0,40}|#\d+|вызов без имени)"
                      r"(?: ×(?P<n>\d+)| больше (?P<many>\d+) раз)?\Z")


@dataclass(frozen=True)
class Refusal:
    """A call the seal refused, as the kernel named it: what it reaches, its name, how often (capped).

    How often is the student's to choose (up to the sandbox's limit), so it is said like any length.
    """

    what: str
    name: str          # the kernel's name of the call; "" for a bare number
    times: Count

    def __post_init__(self):
        if not re.fullmatch(r"[^:×\d]{1,40}", self.what) or not re.fullmatch(r"([a-z][a-z0-9_]{0,40})?", self.name) \
                or not isinstance(self.times, Count):
            raise ValueError("Refusal holds only facts")

    @classmethod
    def of(cls, text):
        """The facts of «сеть: socket ×5» as the sandbox writes it (:class:`grader.sandbox.supervisor.Refusals`)."""
        found = _REFUSAL.match(str(text))
        if not found or any(c.isdigit() for c in found.group("what")):
            return cls("ядро", "", Count(1))
        name = found.group("name") if found.group("name")[0].isascii() and found.group("name")[0] != "#" else ""
        times = int(found.group("many")) + 1 if found.group("many") else int(found.group("n") or 1)
        return cls(found.group("what"), name, Count(times))

    def __str__(self):
        times = "" if self.times.n == 1 else " ×{}".format(self.times.n) if self.times.n <= COUNT_LIMIT else \
            " больше {} раз".format(COUNT_LIMIT)
        return "{}: {}{}".format(self.what, self.name or "вызов без имени", times)


# --- a returned value that is not plain data -----------------------------------------------------

# Names of types a verdict may say: Python's and NumPy's common ones. A class of the student's own may have any
# name (``type(f"X{A[0, 0].hex()}", (), {})()``), so its name is never said.
TYPES = frozenset(("ndarray", "float", "int", "bool", "str", "tuple", "dict", "list", "NoneType", "set",
                   "frozenset", "complex", "bytes", "bytearray", "range", "function", "generator", "map",
                   "filter", "zip", "object", "type", "module", "method", "builtin_function_or_method",
                   "slice", "memoryview", "ellipsis", "Decimal", "Fraction", "matrix", "float64", "int64"))


class Unsupported(Enum):
    TYPE = "функция вернула значение типа, которого проверка не принимает"
    DTYPE = "функция вернула массив с элементами, которые не числа"
    LARGE = "функция вернула слишком большой массив"
    KEYS = "функция вернула словарь с ключами не-строками"
    DEEP = "функция вернула значение со слишком глубокой вложенностью"
    OTHER = "функция вернула не числа и массивы"


class Dtype(Enum):
    OBJECT = "объекты Python"
    TEXT = "строки"
    COMPLEX = "комплексные числа"
    TIME = "даты или интервалы времени"


_UNSUPPORTED = ((Unsupported.TYPE, re.compile(r"неподдерживаемый тип (\S+)\Z")),
                (Unsupported.DTYPE, re.compile(r"массив с типом элементов (\S+)\Z")),
                (Unsupported.LARGE, re.compile(r"слишком большой массив")),
                (Unsupported.KEYS, re.compile(r"ключи словаря должны быть строками\Z")),
                (Unsupported.DEEP, re.compile(r"слишком глубокая вложенность\Z")))
_DTYPES = ((Dtype.OBJECT, re.compile(r"object\Z")), (Dtype.TEXT, re.compile(r"[<>|=]?[USa]\d*\Z|str|bytes")),
           (Dtype.COMPLEX, re.compile(r"[<>|=]?c\d+\Z|complex\d*\Z")),
           (Dtype.TIME, re.compile(r"[<>|=]?[mM]8|(datetime|timedelta)64")))


@dataclass(frozen=True)
class Invalid:
    """The returned value is not plain data: why, and the type's name when it is a known one."""

    reason: Unsupported = Unsupported.OTHER
    type_name: str = ""         # in :data:`TYPES`, else ""
    dtype: Dtype = None

    def __post_init__(self):
        if not isinstance(self.reason, Unsupported) or (self.type_name and self.type_name not in TYPES) \
                or not isinstance(self.dtype, (Dtype, type(None))):
            raise ValueError("Invalid holds only facts")

    @classmethod
    def of(cls, text):
        """The facts of why a value was refused, from the codec's words as a child reports them (forgeable)."""
        text = str(text)[:_READ]
        for reason, pattern in _UNSUPPORTED:
            found = pattern.match(text)
            if not found:
                continue
            if reason is Unsupported.TYPE:
                return cls(reason, found.group(1) if found.group(1) in TYPES else "")
            if reason is Unsupported.DTYPE:
                return cls(reason, dtype=next((d for d, p in _DTYPES if p.match(found.group(1))), None))
            return cls(reason)
        return cls()

    def __str__(self):
        if self.reason is Unsupported.TYPE:
            text = "функция вернула значение типа {}, которого проверка не принимает".format(self.type_name) \
                if self.type_name else "функция вернула значение своего типа, которого проверка не принимает " \
                                       "(имя типа не показывается)"
        elif self.reason is Unsupported.DTYPE and self.dtype:
            text = "функция вернула массив, элементы которого — {}, а не числа".format(self.dtype.value)
        else:
            text = self.reason.value
        return text + ": нужны числа, массивы numpy, кортежи, списки, словари со строковыми ключами или None"
