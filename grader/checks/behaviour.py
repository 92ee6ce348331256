"""A short fingerprint of a wrong result: the same mistake gives the same fingerprint.

Two students whose function returns the same wrong numbers on a hidden case
most likely share the code that made them; ``grader similarity`` counts that
as evidence. Only wrong results are fingerprinted (a right one is the expected
value, which must not leave the grader in any form) and only as a hash of the
value rounded to :data:`DIGITS` significant digits, so that the same code run
again, or spelled with ``@`` instead of ``np.dot``, gives the same one. A
leading ``~`` marks a mistake the checks recognise by name (a transposed
result, a sign, a factor of ``m``): one many students make on their own.
"""

import hashlib
import re

import numpy as np

DIGITS = 6
MAX_ELEMENTS = 100_000   # of one array: what is past this is not looked at
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def output_print(value, common=False):
    """The fingerprint of a wrong result ``value`` (decoded plain data)."""
    digest = hashlib.blake2b(digest_size=6)
    _feed(digest, value, 0)
    return ("~" if common else "") + digest.hexdigest()


def failure_print(kind, text, common=False):
    """The fingerprint of a failure that is not a value: an exception, a changed argument."""
    data = "{}\x1f{}".format(kind, _ADDRESS.sub("0x", text)).encode("utf-8", "replace")
    return ("~" if common else "") + hashlib.blake2b(data, digest_size=6).hexdigest()


def _feed(digest, value, depth):
    if depth > 50:
        digest.update(b"deep")
    elif isinstance(value, dict):
        digest.update(b"{")
        for key in sorted(value, key=str):
            digest.update(str(key).encode("utf-8", "replace") + b":")
            _feed(digest, value[key], depth + 1)
        digest.update(b"}")
    elif isinstance(value, (tuple, list)):
        digest.update(b"(" if isinstance(value, tuple) else b"[")
        for item in value:
            _feed(digest, item, depth + 1)
            digest.update(b",")
        digest.update(b")")
    elif isinstance(value, (bool, int, float, np.ndarray, np.generic)) and np.asarray(value).dtype.kind in "biuf":
        array = np.asarray(value, dtype=float)
        digest.update("a{}".format(array.shape).encode())
        digest.update(_rounded(array.ravel()[:MAX_ELEMENTS]).tobytes())
    else:
        digest.update(repr(value)[:200].encode("utf-8", "replace"))


def _rounded(values):
    """``values`` to :data:`DIGITS` significant digits, as integers (exact, whatever the platform)."""
    with np.errstate(all="ignore"):
        finite = np.isfinite(values)
        size = np.abs(np.where(finite, values, 0.0))
        exponent = np.where(size > 0, np.floor(np.log10(np.where(size > 0, size, 1.0))), 0.0)
        mantissa = np.round(np.where(finite, values, 0.0) / 10.0 ** (exponent - DIGITS + 1))
        carry = np.abs(mantissa) >= 10 ** DIGITS  # 9.9999996 rounds up to 10.0000
        mantissa = np.where(carry, np.round(mantissa / 10), mantissa)
        exponent = exponent + carry
        special = np.where(np.isnan(values), 1, np.where(values == np.inf, 2, np.where(values == -np.inf, 3, 0)))
    return np.stack([mantissa, exponent, special]).astype(np.int64)
