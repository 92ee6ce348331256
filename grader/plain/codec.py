"""Plain data between untrusted student code and the trusted grader.

Every value a student function returns passes through :func:`encode` before it
is compared, in every grading path. Only exact built-in types and real ndarrays
survive, so an object whose ``==`` is always true, an ndarray subclass with a
rigged ``__eq__`` or a pickle cannot reach the comparison. The encoded form is
JSON-safe, which is what lets the sealed engine ship it over a pipe.
"""

import base64
import math

import numpy as np

_NUMBER_KINDS = "biuf"  # bool, signed, unsigned, float


class UnsupportedValue(TypeError):
    """A student returned something that is not plain data (or is too large)."""


def encode(value, *, max_elements=5_000_000, _depth=0):
    """Turn ``value`` into JSON-safe plain data, or raise :class:`UnsupportedValue`."""
    if _depth > 50:
        raise UnsupportedValue("слишком глубокая вложенность")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value if abs(value) < 2 ** 53 else float(value)
    if kind is float:
        return _encode_float(value)
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return _encode_array(value, max_elements)
    if kind in (tuple, list):
        items = [encode(v, max_elements=max_elements, _depth=_depth + 1) for v in value]
        return {"tuple": items} if kind is tuple else items
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise UnsupportedValue("ключи словаря должны быть строками")
        return {"dict": {k: encode(v, max_elements=max_elements, _depth=_depth + 1)
                         for k, v in value.items()}}
    raise UnsupportedValue("неподдерживаемый тип {}".format(kind.__name__))


def _encode_float(x):
    if math.isfinite(x):
        return x
    return {"float": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


_DTYPES = {"b": "|b1", "i": "<i8", "u": "<i8", "f": "<f8"}


def _encode_array(value, max_elements):
    # A plain base-class view ignores every method an ndarray subclass overrides.
    array = np.asarray(value).view(np.ndarray) if isinstance(value, np.ndarray) else np.asarray(value)
    if array.dtype.kind not in _NUMBER_KINDS:
        raise UnsupportedValue("массив с типом элементов {}".format(array.dtype))
    if array.size > max_elements:
        raise UnsupportedValue("слишком большой массив ({} элементов)".format(array.size))
    dtype = _DTYPES[array.dtype.kind]
    # Raw little-endian numbers in base64: exact, and far cheaper than lists of floats.
    data = base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")
    return {"array": data, "shape": list(array.shape), "dtype": dtype, "scalar": isinstance(value, np.generic)}


def decode(data):
    """Inverse of :func:`encode`; arrays come back as float64, int64 or bool ndarrays."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "array" in data:
        dtype = data["dtype"]
        if dtype not in _DTYPES.values():
            raise UnsupportedValue("неизвестный тип массива")
        array = np.frombuffer(base64.b64decode(data["array"]), dtype=dtype).reshape(data["shape"]).copy()
        return array[()] if data.get("scalar") else array
    if "float" in data:
        return float(data["float"])
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    return {k: decode(v) for k, v in data["dict"].items()}


def sanitize(value, **limits):
    """Round-trip through plain data: what the comparison is allowed to see."""
    return decode(encode(value, **limits))
