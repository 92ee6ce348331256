"""Hostile and broken submissions for the sealed engine (test helpers)."""

import json
import os

import nbformat

from corpus import solved_sources
from course import solved_submission, with_answers

SOLVED = solved_sources()


def with_function(name, body, prelude=""):
    """The solved submission whose ``name`` cell is ``prelude`` + ``body`` (a whole def)."""
    return with_answers(solved_submission(), {name: "# ОЦЕНИВАЕМОЕ: {}\n{}\n{}".format(name, prelude, body)})


def as_text(nb):
    return nbformat.writes(nb)


# name -> (notebook text, {function: expected status} for the functions it attacks)
def hostile_submissions():
    loop = "def linear_forward(A, W, b):\n    while True:\n        pass\n"
    cases = {
        "infinite-loop": (with_function("linear_forward", loop), {"linear_forward": "timeout"}),
        "loop-ignoring-sigint": (with_function(
            "linear_forward", loop, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"),
            {"linear_forward": "timeout"}),
        "loop-at-top-level": (with_function(
            "compute_cost", "def compute_cost(AL, Y):\n    return 0.0\n", "while True:\n    pass\n"),
            {"compute_cost": "missing"}),
        "memory-bomb": (with_function(
            "linear_forward", "def linear_forward(A, W, b):\n    x = np.ones((10**6, 10**6))\n    return x, None\n"),
            {"linear_forward": "error"}),
        "list-memory-bomb": (with_function(
            "linear_forward", "def linear_forward(A, W, b):\n    x = [1] * (10**10)\n    return x, None\n"),
            {"linear_forward": "error"}),
        "os-exit": (with_function(
            "linear_backward", "def linear_backward(dZ, cache):\n    import os\n    os._exit(0)\n"),
            {"linear_backward": "error"}),
        "os-exit-at-top-level": (with_function(
            "linear_backward", "def linear_backward(dZ, cache):\n    return None\n", "import os\nos._exit(3)\n"),
            {"linear_backward": "missing"}),
        "sys-exit": (with_function(
            "compute_cost", "def compute_cost(AL, Y):\n    import sys\n    sys.exit(0)\n"),
            {"compute_cost": "error"}),
        "segfault": (with_function(
            "update_parameters", "def update_parameters(parameters, grads, learning_rate):\n"
            "    import os, signal\n    os.kill(os.getpid(), signal.SIGSEGV)\n"),
            {"update_parameters": "error"}),
        "always-equal": (with_function(
            "compute_cost", "class Anything(float):\n    def __eq__(self, other):\n        return True\n"
            "    __ne__ = lambda self, other: False\n"
            "def compute_cost(AL, Y):\n    return Anything(123.0)\n"),
            {"compute_cost": "failed"}),
        "always-equal-object": (with_function(
            "compute_cost", "class Anything:\n    def __eq__(self, other):\n        return True\n"
            "def compute_cost(AL, Y):\n    return Anything()\n"),
            {"compute_cost": "failed"}),
        "rigged-ndarray": (with_function(
            "linear_forward", "class Rigged(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
            "def linear_forward(A, W, b):\n    Z = np.zeros((W.shape[0], A.shape[1])).view(Rigged)\n"
            "    return Z, (A, W, b)\n"),
            {"linear_forward": "failed"}),
        "monkeypatch-numpy": (with_function(
            "linear_forward", "def linear_forward(A, W, b):\n    return np.dot(W, A), (A, W, b)\n"
            "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
            "np.ndarray.__eq__ = lambda *a, **k: True\n"),
            {"linear_forward": "failed"}),
        "input-transformer": (with_function(
            "linear_forward", "def linear_forward(A, W, b):\n    return np.dot(W, A), (A, W, b)\n"
            "get_ipython().input_transformers_post.append(lambda lines: ['grade = lambda *a: 5.0\\n'])\n"),
            {"linear_forward": "failed"}),
        "import-reference": (with_function(
            "linear_forward", "try:\n    from reference_solution import linear_forward\nexcept Exception:\n"
            "    def linear_forward(A, W, b):\n        return None\n"),
            {"linear_forward": "failed"}),
        "import-grader": (with_function(
            "linear_forward", "try:\n    import grader.checks.reference as oracle\n    import reference_solution\n"
            "    linear_forward = reference_solution.linear_forward\nexcept Exception:\n"
            "    def linear_forward(A, W, b):\n        return None\n"),
            {"linear_forward": "failed"}),
    }
    if os.geteuid() == 0:  # only sealed children (a user of their own) may try this safely
        cases.update({
            "kill-everyone": (with_function(
            "compute_cost", "def compute_cost(AL, Y):\n    import os, signal\n"
            "    for pid in range(2, 70000):\n        if pid != os.getpid():\n            try:\n"
            "                os.kill(pid, signal.SIGKILL)\n            except OSError:\n                pass\n"
            "    return 0.0\n"), {"compute_cost": "failed"}),
        })
    return {name: (as_text(nb), statuses) for name, (nb, statuses) in cases.items()}


def read_reference_attack(reference_path):
    """A submission whose linear_forward execs the reference's source file from disk."""
    body = ("def linear_forward(A, W, b):\n    namespace = dict()\n"
            "    exec(open(PATH).read(), namespace)\n"
            "    return namespace['linear_forward'](A, W, b)\n").replace("PATH", repr(str(reference_path)))
    return as_text(with_function("linear_forward", body))


def broken_files():
    """name -> raw file text of submissions that are not gradable notebooks."""
    good = as_text(solved_submission())
    return {"empty": "", "whitespace": "  \n", "corrupt": "{not json", "truncated": good[: len(good) // 2],
            "not-a-notebook": json.dumps([1, 2, 3]), "no-cells": json.dumps({"nbformat": 4})}
