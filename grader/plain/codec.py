"""Plain data between untrusted student code and the trusted grader.

Every value a student function returns passes through :func:`encode` before it
is compared, in every grading path. Only exact built-in types and real ndarrays
survive, so an object whose ``==`` is always true, an ndarray subclass with a
rigged ``__eq__`` or a pickle cannot reach the comparison. The encoded form is
JSON-safe, which is what lets the sealed engine ship it over a pipe.

What comes back from a child is the student's to forge, so :func:`check`
walks an encoded value without recursion -- its depth, its size, every field
of every array -- before :func:`decode` turns it into numbers, and decode
itself refuses anything malformed with :class:`UnsupportedValue`.
"""

import base64
import binascii
import json
import math
import struct

import numpy as np

_NUMBER_KINDS = "biuf"  # bool, signed, unsigned, float
MAX_DEPTH = 50          # nesting of lists, tuples and dicts in one value
MAX_ELEMENTS = 10_000   # elements of one array: the lab's are a few dozen
MAX_NODES = 20_000      # values in one encoded value, arrays counting one each
MAX_DIMENSIONS = 8
_FLOATS = ("nan", "inf", "-inf")


class UnsupportedValue(TypeError):
    """A student returned something that is not plain data (or is too large)."""


def encode(value, *, max_elements=MAX_ELEMENTS, _depth=0):
    """Turn ``value`` into JSON-safe plain data, or raise :class:`UnsupportedValue`."""
    if _depth > MAX_DEPTH:
        raise UnsupportedValue("слишком глубокая вложенность")
    kind = type(value)
    if value is None or kind is bool or kind is str:  # `is`: a metaclass's __eq__ cannot pass for a type
        return value
    if kind is int:
        return value if abs(value) < 2 ** 53 else _encode_float(_int_as_float(value))
    if kind is float:
        return _encode_float(value)
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return _encode_array(value, max_elements)
    if kind is tuple or kind is list:
        items = [encode(v, max_elements=max_elements, _depth=_depth + 1) for v in value]
        return {"tuple": items} if kind is tuple else items
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise UnsupportedValue("ключи словаря должны быть строками")
        return {"dict": {k: encode(v, max_elements=max_elements, _depth=_depth + 1)
                         for k, v in value.items()}}
    raise UnsupportedValue("неподдерживаемый тип {}".format(kind.__name__))


def _int_as_float(value):
    """The float nearest an integer: ``10 ** 400`` is inf, as NumPy would make it, never an OverflowError."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _encode_float(x):
    if math.isfinite(x):
        return x
    return {"float": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


_DTYPES = {"b": "|b1", "i": "<i8", "u": "<i8", "f": "<f8"}


def _encode_array(value, max_elements):
    dtype, shape, raw = _array_parts(value, max_elements)
    # Raw little-endian numbers in base64: exact, and far cheaper than lists of floats.
    return {"array": base64.b64encode(raw).decode("ascii"), "shape": list(shape), "dtype": dtype,
            "scalar": isinstance(value, np.generic)}


def _array_parts(value, max_elements):
    """(dtype, shape, raw little-endian bytes) of an array or numpy scalar as encoded, or :class:`UnsupportedValue`."""
    # A plain base-class view ignores every method an ndarray subclass overrides.
    array = np.asarray(value).view(np.ndarray) if isinstance(value, np.ndarray) else np.asarray(value)
    if array.dtype.kind not in _NUMBER_KINDS:
        raise UnsupportedValue("массив с типом элементов {}".format(array.dtype))
    if array.size > max_elements:
        raise UnsupportedValue("слишком большой массив ({} элементов)".format(array.size))
    dtype = _DTYPES[array.dtype.kind]
    return dtype, array.shape, np.ascontiguousarray(array, dtype=dtype).tobytes()


_SIZE = struct.Struct("<Q")


def fingerprint(value, *, max_elements=MAX_ELEMENTS):
    """Bytes that tell values apart exactly as :func:`encode` does, made without encoding them.

    ``fingerprint(a) == fingerprint(b)`` exactly when ``encode(a)`` and
    ``encode(b)`` are the same JSON, a dict's keys in any order (a text goes in
    as JSON writes it); where encode raises, so does this. Every part is
    tagged and every length given, so no two encodings share one; an array's
    numbers go in as raw bytes (no base64, no JSON): what a helper call is
    known by (:func:`grader.plain.calls.call_key`).
    """
    parts = []
    _fingerprint(value, parts, max_elements, 0)
    return b"".join(parts)


def _fingerprint(value, parts, max_elements, depth):
    if depth > MAX_DEPTH:
        raise UnsupportedValue("слишком глубокая вложенность")
    kind = type(value)
    if value is None:
        parts.append(b"n")
    elif kind is bool:
        parts.append(b"t" if value else b"f")
    elif kind is str:  # as JSON writes it: a surrogate pair and the character it makes are one text there
        data = json.dumps(value).encode("ascii")
        parts += (b"s", _SIZE.pack(len(data)), data)
    elif kind is int and abs(value) < 2 ** 53:
        parts += (b"i", b"%d;" % value)
    elif kind is int or kind is float:  # encode's floats, and its ints too large for one, go by repr
        parts += (b"d", repr(_int_as_float(value) if kind is int else value).encode("ascii"), b";")
    elif isinstance(value, np.ndarray) or isinstance(value, np.generic):
        dtype, shape, raw = _array_parts(value, max_elements)
        parts += (b"a", dtype.encode("ascii"), b"t" if isinstance(value, np.generic) else b"f",
                  _SIZE.pack(len(shape)), *map(_SIZE.pack, shape), _SIZE.pack(len(raw)), raw)
    elif kind is tuple or kind is list:
        parts += (b"(" if kind is tuple else b"[", _SIZE.pack(len(value)))
        for item in value:
            _fingerprint(item, parts, max_elements, depth + 1)
    elif kind is dict:
        if not all(type(k) is str for k in value):
            raise UnsupportedValue("ключи словаря должны быть строками")
        parts += (b"{", _SIZE.pack(len(value)))
        for key in sorted(value):
            _fingerprint(key, parts, max_elements, depth)
            _fingerprint(value[key], parts, max_elements, depth + 1)
    else:
        raise UnsupportedValue("неподдерживаемый тип {}".format(kind.__name__))


def decode(data):
    """Inverse of :func:`encode`; arrays come back as float64, int64 or bool ndarrays.

    Raises :class:`UnsupportedValue` for anything :func:`encode` cannot have made.
    """
    if isinstance(data, list):
        return [decode(v) for v in data]
    if data is None or type(data) in (bool, int, float, str):
        return data
    if not isinstance(data, dict):
        raise UnsupportedValue("неизвестное значение")
    if "array" in data:
        return _decode_array(data)
    if set(data) == {"float"} and data["float"] in _FLOATS:
        return float(data["float"])
    if set(data) == {"tuple"} and isinstance(data["tuple"], list):
        return tuple(decode(v) for v in data["tuple"])
    if set(data) == {"dict"} and isinstance(data["dict"], dict):
        return {k: decode(v) for k, v in data["dict"].items()}
    raise UnsupportedValue("неизвестное значение")


def _decode_array(data):
    shape, dtype = _array_fields(data)
    try:
        raw = base64.b64decode(data["array"], validate=True)
        array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    except (binascii.Error, ValueError, TypeError):
        raise UnsupportedValue("повреждённый массив") from None
    return array[()] if data.get("scalar") else array


_ITEMSIZE = {dtype: np.dtype(dtype).itemsize for dtype in _DTYPES.values()}
_ARRAY_KEYS = frozenset(("array", "shape", "dtype", "scalar"))


def _array_fields(data):
    """(shape, dtype) of an encoded array, each field checked; :class:`UnsupportedValue` if any is wrong."""
    shape, dtype, text = data.get("shape"), data.get("dtype"), data.get("array")
    if type(text) is not str or dtype not in _ITEMSIZE or not data.keys() <= _ARRAY_KEYS \
            or type(data.get("scalar", False)) is not bool or type(shape) is not list or len(shape) > MAX_DIMENSIONS:
        raise UnsupportedValue("повреждённый массив")
    size = 1
    for n in shape:
        if type(n) is not int or not 0 <= n <= MAX_ELEMENTS:
            raise UnsupportedValue("повреждённый массив")
        size *= n
    if size > MAX_ELEMENTS or len(text) != 4 * math.ceil(size * _ITEMSIZE[dtype] / 3):
        raise UnsupportedValue("повреждённый массив")
    return shape, dtype


def identical(a, b):
    """Whether two encoded values are the same, type for type (``1`` is not ``1.0``, nor a shape of floats).

    Safe on a value no one has checked, when the other is the grader's own: it
    goes only where that one goes, so a child's value costs no more than it.
    """
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if type(a) is list:
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return a.keys() == b.keys() and all(identical(a[k], b[k]) for k in a)
    return a == b


def check(data):
    """Raise :class:`UnsupportedValue` unless ``data`` is an encoded value :func:`decode` takes.

    Iterative, so a value nested a million deep costs a loop, not the stack;
    bounded in depth (:data:`MAX_DEPTH`), values (:data:`MAX_NODES`) and
    array sizes (:data:`MAX_ELEMENTS`).
    """
    stack, nodes = [(data, 0)], 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            raise UnsupportedValue("слишком глубокая вложенность или слишком много значений")
        if value is None or type(value) in (bool, int, float, str):
            continue
        if type(value) is list:
            stack.extend((v, depth + 1) for v in value)
        elif type(value) is not dict:
            raise UnsupportedValue("неизвестное значение")
        elif "array" in value:
            _array_fields(value)
        elif set(value) == {"float"} and value["float"] in _FLOATS:
            continue
        elif set(value) == {"tuple"} and type(value["tuple"]) is list:
            stack.extend((v, depth + 1) for v in value["tuple"])
        elif set(value) == {"dict"} and type(value["dict"]) is dict:
            stack.extend((v, depth + 1) for v in value["dict"].values())
        else:
            raise UnsupportedValue("неизвестное значение")


def sanitize(value, **limits):
    """Round-trip through plain data: what the comparison is allowed to see."""
    return decode(encode(value, **limits))
