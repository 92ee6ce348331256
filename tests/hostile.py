"""Hostile and broken submissions for the sealed engine (test helpers)."""

import json
import os
from pathlib import Path

import nbformat

from corpus import solved_sources
from course import FULL, solved_submission, submit, with_answers

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
            "    return 0.0\n"), {"compute_cost": "error"}),  # every kill refused: stopped after too many
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


def attacks_on_the_run(gradebook):
    """Submissions that go after the grading run itself: name -> (notebook text, {function: status}).

    ``gradebook``: the real path of the course's gradebook, as if the student knew it.
    """
    solved = SOLVED
    cost_tail = solved["compute_cost"].split("def compute_cost(AL, Y):", 1)[1]
    cases = {
        "rewrite-the-gradebook": (with_function(
            "compute_cost", "def compute_cost(AL, Y):\n"
            "    with open({!r}, 'r+b') as db:\n        db.write(b'\\0' * 4096)\n".format(str(gradebook)) + cost_tail),
            {"compute_cost": "error"}),
        "leave-a-process-behind": (with_function(
            "linear_forward", "def linear_forward(A, W, b):\n    import os, time\n"
            "    if os.fork() == 0:\n        os.setsid()\n        while True:\n"
            "            try:\n                open({!r}, 'r+b').write(b'\\0' * 4096)\n"
            "            except OSError:\n                pass\n            time.sleep(0.2)\n"
            "    return np.dot(W, A) + b, (A, W, b)\n".format(str(gradebook))),
            {"linear_forward": "error"}),
        "kill-the-parent": (with_function(
            "L_model_forward", "def L_model_forward(X, parameters):\n    import os, signal\n"
            "    for pid in (os.getppid(), -os.getpgid(os.getppid()), -1):\n        try:\n"
            "            os.kill(pid, signal.SIGKILL)\n        except OSError:\n            pass\n"
            "    return None\n"),
            {"L_model_forward": "failed"}),
        "scan-the-interpreter": (with_function(
            "linear_backward", "def linear_backward(dZ, cache):\n    import gc, sys\n"
            "    for found in gc.get_objects():\n"
            "        if getattr(found, '__module__', '') == 'reference_solution' and "
            "getattr(found, '__name__', '') == 'linear_backward':\n            return found(dZ, cache)\n"
            "    frame = sys._getframe()\n    while frame is not None:\n"
            "        if 'expected' in frame.f_locals:\n            return frame.f_locals['expected']\n"
            "        frame = frame.f_back\n    raise RuntimeError('nothing to steal')\n"),
            {"linear_backward": "error"}),
    }
    return {name: (as_text(nb), statuses) for name, (nb, statuses) in cases.items()}


def faults_nbgrader_rejects():
    """Notebook faults stock nbgrader refuses: name -> (notebook, {function: expected score})."""
    import nbformat

    from course import solved_submission, with_answers
    from corpus import solved_sources

    broken = solved_sources()["linear_forward"].replace(" + b", "")

    def cell_of(nb, grade_id):
        return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)

    out = {}
    nb = solved_submission()
    wrong = nbformat.from_dict(cell_of(nb, "linear_forward"))
    wrong.source = broken
    nb.cells.insert(nb.cells.index(cell_of(nb, "linear_forward")), wrong)
    out["duplicated-answer-cell-last-right"] = (nb, {})
    nb = solved_submission()
    nb.cells.append(nbformat.from_dict(wrong))
    out["duplicated-answer-cell-last-wrong"] = (nb, {"linear_forward": 0.0})
    nb = with_answers(solved_submission(), {"linear_forward": broken})
    nb.cells.remove(cell_of(nb, "test_linear_forward"))
    out["deleted-test-cell"] = (nb, {"linear_forward": 0.0})
    nb = with_answers(solved_submission(), {"linear_forward": broken})
    cell_of(nb, "test_linear_forward").source = "pass"
    out["edited-test-cell"] = (nb, {"linear_forward": 0.0})
    nb = solved_submission()
    cell = cell_of(nb, "compute_cost")
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]
    out["answer-cell-turned-markdown"] = (nb, {})
    nb = solved_submission()
    scratch = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "mine", "grade": True,
                                                                         "solution": False, "points": 50}})
    nb.cells.append(scratch)
    cell_of(nb, "test_compute_cost").metadata["nbgrader"]["points"] = 500
    out["invented-grade-id-and-points"] = (nb, {})
    nb = solved_submission()
    nb.cells.append(nbformat.from_dict(cell_of(nb, "test_update_parameters")))
    out["duplicated-test-cell"] = (nb, {})
    return {name: (as_text(nb), scores) for name, (nb, scores) in out.items()}


# --- files that are no notebook, or not what they claim ---------------------------------

def _deep(levels):
    return '{"nbformat": 4, "cells": ' + "[" * levels + "]" * levels + "}"


def bad_folder_kinds():
    """kind -> how to spoil a solved student's folder around the notebook: ``timestamp.txt`` and files beside it.

    ``place(folder, course)`` spoils ``folder`` (the student's
    ``submitted/<student>/dnn_step_by_step``). The notebook stays right, so the
    student's grade stays full; what nbgrader itself reads or copies must not
    block the run, fill the disk or copy an instructor's file.
    """

    def timestamp(content):
        return lambda folder, course: (folder / "timestamp.txt").write_bytes(content)

    def fifo(name):
        return lambda folder, course: os.mkfifo(folder / name)

    def link(name, to):
        return lambda folder, course: (folder / name).symlink_to(to(course))

    def huge(folder, course):
        with open(folder / "weights.npy", "wb") as out:
            out.truncate(300 * 1024 * 1024)  # sparse: 300 MB that take no disk

    return {
        "timestamp-named-pipe": fifo("timestamp.txt"),
        "timestamp-device-link": link("timestamp.txt", lambda course: Path("/dev/zero")),
        "timestamp-link-to-another-student": link(
            "timestamp.txt", lambda course: course / "submitted" / "honest-1" / "dnn_step_by_step" / "timestamp.txt"),
        "timestamp-not-a-time": timestamp(b"yesterday, honestly"),
        "timestamp-not-utf-8": timestamp(b"\xff\xfe2024-01-01"),
        "extra-named-pipe": fifo("data.bin"),
        "extra-device-link": link("zeros.bin", lambda course: Path("/dev/zero")),
        "extra-link-to-the-instructor-notebook": link(
            "steal.html", lambda course: course / "source" / "dnn_step_by_step" / "dnn_step_by_step.ipynb"),
        "extra-file-over-200-mb": huge,
    }


def bad_file_kinds():
    """kind -> (how to place it, the reason's words): every way a submitted file can be wrong.

    ``place(target, course)`` puts the bad file at ``target`` (a student's
    notebook path) in ``course``. ``None`` as the reason: the file is odd but a
    readable notebook, graded like any other (its expected scores say how).
    """
    import codecs
    import socket

    good = as_text(solved_submission())

    def text(content):
        return lambda target, course: target.write_text(content, encoding="utf-8")

    def raw(content):
        return lambda target, course: target.write_bytes(content)

    def link(to):
        return lambda target, course: target.symlink_to(to(course))

    def fifo(target, course):
        os.mkfifo(target)

    def unix_socket(target, course):
        import tempfile

        short = os.path.join(tempfile.mkdtemp(prefix="s"), "s")  # a socket path has at most 107 bytes
        server = socket.socket(socket.AF_UNIX)
        server.bind(short)
        server.close()
        os.rename(short, target)
        os.rmdir(os.path.dirname(short))

    def huge(target, course):
        with open(target, "wb") as out:
            out.truncate(300 * 1024 * 1024)  # sparse: 300 MB that take no disk

    def folder(target, course):
        target.mkdir()

    def other_students_folder(target, course):
        target.parent.rmdir()
        target.parent.symlink_to(course / "submitted" / "honest-1" / "dnn_step_by_step")

    return {
        "nested-200000-levels": (text(_deep(200_000)), "вложенность"),
        "nested-500-levels": (text(_deep(500)), None),
        "over-200-mb": (huge, "больше"),
        "latin-1-bytes": (raw(good.encode("utf-8").replace("ОЦЕНИВАЕМОЕ".encode(), "ОЦЕНИВАЕМОЕ".encode("cp1251"))),
                          "UTF-8"),
        "utf-8-bom": (raw(codecs.BOM_UTF8 + good.encode("utf-8")), None),
        "utf-16": (raw(good.encode("utf-16")), None),
        "utf-32": (raw(good.encode("utf-32")), None),
        "named-pipe": (fifo, "канал"),
        "unix-socket": (unix_socket, "сокет"),
        "folder": (folder, "папка"),
        "device-link": (link(lambda course: Path("/dev/zero")), "ссылка"),
        "link-to-another-student": (link(lambda course: course / "submitted" / "honest-1" / "dnn_step_by_step" /
                                         "dnn_step_by_step.ipynb"), "ссылка"),
        "link-to-the-instructor-notebook": (link(lambda course: course / "source" / "dnn_step_by_step" /
                                                 "dnn_step_by_step.ipynb"), "ссылка"),
        "folder-linked-to-another-student": (other_students_folder, "ссылка"),
        "json-list": (text("[1, 2, 3]"), "не является ноутбуком"),
        "cells-not-a-list": (text('{"nbformat": 4, "cells": {"a": 1}}'), "нет списка ячеек"),
        "cells-of-wrong-types": (text(json.dumps({"nbformat": 4, "cells": [
            1, "x", None, {"cell_type": 7}, {"cell_type": []}, {"cell_type": {"code": 1}},
            {"cell_type": "code", "source": {"a": 1}, "metadata": []},
            {"cell_type": "code", "source": ["x = ", 5, None], "metadata": {"nbgrader": "oops"}}]})), None),
        "lone-surrogates": (text(good.replace("# ОЦЕНИВАЕМОЕ: compute_cost", "# ОЦЕНИВАЕМОЕ: compute_cost\\n# \\ud800")),
                            None),
    }


def slow_class(course, count, loops=2_000_000):
    """``count`` submissions busy in a loop for a while each, so a run can be interrupted halfway.

    Every third one also has a wrong ``linear_forward``; returns {student: expected per-cell scores}.
    """
    slow = solved_sources()["compute_cost"].replace(
        "    m = Y.shape[1]\n", "    m = Y.shape[1]\n    for _ in range({}):\n        pass\n".format(loops))
    wrong = solved_sources()["linear_forward"].replace(" + b", "")
    expected = {}
    for i in range(count):
        sources = {"compute_cost": slow}
        if i % 3 == 0:
            sources["linear_forward"] = wrong
        student = "s{:02d}".format(i)
        submit(course, student, with_answers(solved_submission(), sources))
        expected[student] = dict(FULL, test_linear_forward=0.0) if i % 3 == 0 else FULL
    return expected


# --- submissions that go after the trusted side: the grader, the batch, the server -----------------------

_FORGE = '''def {name}({args}):
    import os, socket, struct, time
    for fd in range(3, 64):  # the child's socket to the grader: the one descriptor it still has
        try:
            channel = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        channel.sendall({frame})
    time.sleep(60)  # the real reply never comes
'''


def _forged(name, args, frame):
    return with_function(name, _FORGE.format(name=name, args=args, frame=frame))


def attacks_on_the_grader():
    """name -> (notebook text, {function: (status, words of the reason)}): each goes after the grader itself.

    Every other function of each submission is right: it must keep full marks.
    """
    deep = "[" * 200_000 + "]" * 200_000
    undecodable = ('{"op": "outcomes", "outcomes": [{"value": {"dict": 5}, "args_after": null, "error": "", '
                   '"invalid": ""}]}')
    cases = {
        "forged-undecodable-reply": (_forged(
            "compute_cost", "AL, Y", "struct.pack('!I', {0}) + b{1!r}".format(len(undecodable), undecodable)),
            {"compute_cost": ("error", "нарушен протокол")}),
        "forged-message-nested-200000-deep": (_forged(
            "compute_cost", "AL, Y", "struct.pack('!I', {0}) + b'{1}'".format(len(deep), deep)),
            {"compute_cost": ("error", "нарушен протокол")}),
        "forged-message-of-a-gigabyte": (_forged("linear_backward", "dZ, cache", "struct.pack('!I', 1 << 30)"),
                                         {"linear_backward": ("error", "нарушен протокол")}),
        "forged-message-a-byte-at-a-time": (with_function(
            "update_parameters",
            "def update_parameters(parameters, grads, learning_rate):\n    import os, socket, struct, time\n"
            "    for fd in range(3, 64):\n        try:\n            channel = socket.socket(fileno=os.dup(fd))\n"
            "        except OSError:\n            continue\n        channel.sendall(struct.pack('!I', 1000))\n"
            "        for _ in range(1000):\n            channel.sendall(b' ')\n            time.sleep(0.5)\n"),
            {"update_parameters": ("error", "нарушен протокол")}),
        "folders-3000-deep": (with_answers(solved_submission(), {"initialize_parameters": SOLVED[
            "initialize_parameters"] + "\nimport os\nfor _ in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\n"}),
            {}),
        "reference-helper-bomb": (with_function(
            "linear_activation_backward",
            "def linear_activation_backward(dA, cache, activation):\n"
            "    return sigmoid_backward(np.ones((9000, 1)), np.ones((1, 9000)))\n"),
            {"linear_activation_backward": ("error", "больше, чем бывает в лабораторной")}),
    }
    return {name: (as_text(nb), expected) for name, (nb, expected) in cases.items()}


def markup_attack():
    """A solved submission with script in a markdown cell, a raw cell and a grade id: for an instructor's browser."""
    import nbformat

    nb = solved_submission()
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(
        'Мои заметки <img src="x" onerror="document.title=\'pwned-markdown\'"> '
        '[ссылка](javascript:document.title=\'pwned-link\')'))
    nb.cells.insert(2, nbformat.v4.new_raw_cell('<script>document.title = "pwned-raw";</script>'))
    scratch = nbformat.v4.new_code_cell("x = 1")
    scratch.metadata["nbgrader"] = {"grade_id": '"><img src=x onerror="document.title=\'pwned-id\'">',
                                    "grade": False, "solution": False, "locked": False}
    nb.cells.insert(3, scratch)
    return as_text(nb)


def newline_cell(megabytes):
    """A solved submission whose compute_cost cell carries ``megabytes`` of empty lines: worst for line regexes."""
    padding = "\n" * int(megabytes * 1_000_000)
    return as_text(with_answers(solved_submission(), {"compute_cost": SOLVED["compute_cost"] + padding}))
