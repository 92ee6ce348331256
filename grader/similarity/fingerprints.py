"""A graded function's code as a set of 64-bit fingerprints, found without running anything.

The code of a function is its definition and the helpers it calls, as found
in the cell (or file) that defines it. Parsed with :mod:`ast`, it becomes the
canonical pieces of :mod:`.normalise`, each hashed with the function's name
(so ``linear_forward``'s pieces never meet ``L_model_forward``'s). Code that
does not parse is first repaired line by line (a stray ``%magic``, a broken
line), and what still does not parse is cut into runs of normalised tokens,
as generic tools do. Hostile input stays cheap: sources are capped in size and
a tree too large or too deep is compared by tokens.
"""

import ast
import hashlib
import io
import keyword
import re
import time
import tokenize
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .normalise import SOURCE_ORDER, Piece, TooLarge, canonical, walk

MAX_CHUNK_CHARS = 512 * 1024   # a cell or file parsed as a whole; larger ones are compared by tokens
MAX_UNIT_CHARS = 64 * 1024     # code of one function compared by tokens
MAX_CACHED_CHARS = 16 * 1024   # larger cells are not kept in the cache of cells met before
TOKEN_GRAM = 6                 # tokens per fingerprint of code that does not parse
_REPAIRS = 10                  # lines blanked out to make broken code parse
_MAGIC = re.compile(r"^\s*[%!]", re.M)
_KEEP_NAMES = frozenset({"np", "numpy", "range", "len", "str", "zip", "enumerate", "reversed", "dict", "list",
                         "tuple", "float", "int", "sum", "max", "min", "abs", "print", "copy", "deepcopy",
                         "sigmoid", "relu", "sigmoid_backward", "relu_backward", "True", "False", "None"})


@dataclass(frozen=True)
class FunctionPrint:
    """The fingerprints of one graded function of one document."""

    hashes: np.ndarray               # sorted unique uint64
    parsed: bool = True              # False: compared by tokens (its code does not parse)
    pieces: dict = field(default_factory=dict, compare=False)  # hash -> Piece, only when asked for


# What a fingerprint is of, kept in its lowest three bits: an output (normalise.canonical), a
# sub-expression of one, the whole function, a run of tokens, a wrong result, a wrong result the checks
# recognise by name.
KINDS = {"s": 0, "b": 1, "u": 2, "t": 3, "w": 4, "m": 5}
_KIND_BITS = np.uint64(7)


def hash_texts(name, kind, texts):
    """uint64 fingerprints of ``texts`` of one ``kind`` (or a kind per text), in ``name``'s namespace."""
    if not texts:
        return np.zeros(0, dtype=np.uint64)
    kinds = [kind] * len(texts) if isinstance(kind, str) else kind
    prefix = (name + "\x1f").encode("utf-8")
    digests = b"".join(hashlib.blake2b(prefix + k.encode() + t.encode("utf-8", "replace"), digest_size=8).digest()
                       for k, t in zip(kinds, texts))
    hashes = np.frombuffer(digests, dtype="<u8").astype(np.uint64) & ~_KIND_BITS
    return hashes | np.array([KINDS[k] for k in kinds], dtype=np.uint64)


def wrong_prints(name, wrong):
    """uint64 fingerprints of a function's wrong results ("<case>:<fingerprint>", ``~`` when known by name)."""
    return hash_texts(name, ["m" if w.partition(":")[2].startswith("~") else "w" for w in wrong], wrong)


def whole_print(hashes):
    """The fingerprint of a function's whole normalised code (its "u", or all its runs of tokens), as an int."""
    whole = hashes[kind_codes(hashes) == KINDS["u"]]
    if not len(whole):
        whole = np.frombuffer(hashlib.blake2b(hashes.tobytes(), digest_size=8).digest(), dtype="<u8")
    return int(whole[0])


def kind_codes(hashes):
    """The :data:`KINDS` code of each fingerprint."""
    return (hashes & _KIND_BITS).astype(np.int8)


def cached_print(name, source):
    """:func:`function_print`, computed once per process for a cell met before (a class has many the same)."""
    return _cached_print(name, source) if len(source) <= MAX_CACHED_CHARS else function_print(name, source)


@lru_cache(maxsize=4096)
def _cached_print(name, source):
    return function_print(name, source)


def function_print(name, source, keep_pieces=False):
    """The :class:`FunctionPrint` of graded function ``name`` defined in ``source``, or None if it is not."""
    tree = _parse(source) if len(source) <= MAX_CHUNK_CHARS else None
    if tree is not None:
        found = _definitions(tree, name)
        if found is None:
            return None
        try:
            pieces = canonical(*found)
        except TooLarge:
            pieces = None
        if pieces is not None:
            hashes = hash_texts(name, [p.kind for p in pieces], [p.text for p in pieces])
            kept = {}
            if keep_pieces:
                for h, piece in zip(hashes.tolist(), pieces):
                    kept.setdefault(h, []).append(piece)
            return FunctionPrint(np.unique(hashes), True, kept)
    region = _region(source, name)
    if region is None:
        return None
    grams = _token_grams(*region)
    hashes = hash_texts(name, "t", [text for text, _ in grams])
    kept = {}
    if keep_pieces:
        for h, (text, lines) in zip(hashes.tolist(), grams):
            kept.setdefault(h, []).append(Piece("t", text, lines))
    return FunctionPrint(np.unique(hashes), False, kept)


def renamed_prints(sources, missing, deadline=None):
    """{graded function: [(name, uint64 fingerprints), ...]} of what each of ``missing`` may be under another name.

    Every top-level function of ``sources`` (code cells) not named as a graded
    one, taking as many positional arguments as the graded function does, is
    fingerprinted as that function would be (its name never enters the
    canonical text, so it is made once for them all): which one, if any, is
    the renamed function is decided by content, against the course's code
    (:func:`~.run.compare`). A cell of functions each calling the next costs
    the square of their number: past ``deadline`` (``time.monotonic()``)
    :class:`TimeoutError`.
    """
    from ..checks.graded_functions import BY_NAME, NAMES

    found = {}
    for source in sources:
        tree = _parse(source) if len(source) <= MAX_CHUNK_CHARS else None
        if tree is None:
            continue
        module = _module_names(tree)
        for node in module[0].values():  # the last definition of each name, as when the cell runs
            if node.name in NAMES:
                continue
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("the search for renamed graded functions ran out of time")
            wanted = [name for name in missing if _takes(node.args, len(BY_NAME[name].arg_names))]
            if not wanted:
                continue
            try:
                pieces = canonical(*_definitions(tree, node.name, module))
            except TooLarge:
                pieces = None
            if pieces:
                kinds, texts = [p.kind for p in pieces], [p.text for p in pieces]
                for name in wanted:
                    found.setdefault(name, []).append((node.name, np.unique(hash_texts(name, kinds, texts))))
    return found


def _takes(arguments, count):
    """Whether a function with ``arguments`` can be called with ``count`` positional arguments."""
    given = len(arguments.posonlyargs) + len(arguments.args)
    return given - len(arguments.defaults) <= count <= given or (arguments.vararg is not None and given <= count)


def definition_source(source, name):
    """The code that defines ``name`` in ``source`` and nothing else: its imports, its def, its helpers.

    What a known source's function is graded from, so that a file's other
    top-level code (a training loop, a download) never runs. "" when not found.
    """
    tree = _parse(source) if len(source) <= MAX_CHUNK_CHARS else None
    found = _definitions(tree, name) if tree is not None else None
    if found is None:
        region = _region(source, name)
        return region[0] if region else ""
    lines = source.split("\n")
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    spans = sorted((min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]), n.end_lineno)
                   for n in imports + found[0])
    return "\n\n".join("\n".join(lines[first - 1:last]) for first, last in spans)


def _parse(source):
    """The module ``source`` parses to, after blanking IPython lines and up to a few broken lines; or None."""
    lines = _MAGIC.sub(lambda m: " " * (len(m.group(0)) - 1) + "#", source).split("\n")
    for _ in range(_REPAIRS):
        try:
            return ast.parse("\n".join(lines))
        except SyntaxError as error:
            line = (error.lineno or 0) - 1
            if not 0 <= line < len(lines) or not lines[line].strip():
                return None
            lines[line] = ""
        except (ValueError, RecursionError, MemoryError, OverflowError):
            return None
    return None


def _definitions(tree, name, module=None):
    """(the def of ``name`` then its helpers in call order, numpy's names, {name: numpy attribute}) or None.

    ``module``: :func:`_module_names` of ``tree``, when the caller has it already."""
    from ..checks.graded_functions import NAMES

    defs, numpy_names, from_numpy = module or _module_names(tree)
    if name not in defs:
        return None
    if not any(other not in NAMES for other in defs):  # no helpers of the student's own to look for
        return [defs[name]], numpy_names, from_numpy
    order, queue, seen = [defs[name]], [defs[name]], {name}
    while queue:
        calls = sorted((n for n in walk(queue.pop(0)) if type(n) is ast.Name and n.id in defs
                        and n.id not in NAMES), key=SOURCE_ORDER)
        for call in calls:
            if call.id not in seen:
                seen.add(call.id)
                order.append(defs[call.id])
                queue.append(defs[call.id])
    return order, numpy_names, from_numpy


def _module_names(tree):
    """({function: its last def}, numpy's names, {name: numpy attribute}) of a module's top level."""
    defs, numpy_names, from_numpy = {}, {"np", "numpy"}, {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defs[node.name] = node  # the last definition wins, as when the cell runs
        elif isinstance(node, ast.Import):
            numpy_names |= {a.asname for a in node.names if a.name == "numpy" and a.asname}
        elif isinstance(node, ast.ImportFrom) and node.module == "numpy":
            from_numpy.update({a.asname or a.name: a.name for a in node.names})
    return defs, frozenset(numpy_names), from_numpy


def _region(source, name):
    """(lines of the definition of ``name``, its first line number) by text, for code that does not parse."""
    lines = source[:MAX_CHUNK_CHARS].split("\n")
    start = None
    for index, line in enumerate(lines):
        if re.match(r"def\s+{}\s*\(".format(re.escape(name)), line):
            start = index  # the last definition wins
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][:1] in " \t#"):
        end += 1
    return "\n".join(lines[start:end])[:MAX_UNIT_CHARS], start + 1


def _token_grams(text, first_line):
    """(text, (first, last line)) of every run of :data:`TOKEN_GRAM` normalised tokens."""
    tokens = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, value = token.type, token.string
            if kind in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            if kind == tokenize.NAME and not keyword.iskeyword(value) and value not in _KEEP_NAMES:
                value = "v"
            elif kind == tokenize.NEWLINE:
                value = ";"
            elif kind == tokenize.INDENT:
                value = "{"
            elif kind == tokenize.DEDENT:
                value = "}"
            tokens.append((value[:40], token.start[0] + first_line - 1))
    except (tokenize.TokenError, IndentationError, SyntaxError, ValueError):
        pass  # keep what was read before the error
    return [(" ".join(t for t, _ in tokens[i:i + TOKEN_GRAM]), (tokens[i][1], tokens[i + TOKEN_GRAM - 1][1]))
            for i in range(max(0, len(tokens) - TOKEN_GRAM + 1))]
