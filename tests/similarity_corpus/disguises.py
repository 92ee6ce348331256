"""The usual disguises of a copied answer, as code: each takes source text and a random generator.

Every disguise keeps the code valid and doing what it did (so a copy still
returns the same results, right or wrong), and can be applied alone or all
together (:func:`combined`). They work on the text, keeping everything they
do not change -- as a student editing a pasted answer would.
"""

import ast
import io
import keyword
import random
import re
import tokenize

from grader.checks.graded_functions import NAMES

_WORDS = ["tmp", "val", "res", "acc", "arr", "mat", "vec", "out", "grad", "prev", "cur", "nxt", "idx", "cnt",
          "data", "item", "step", "part", "buf", "zz", "qq", "alpha", "beta", "gamma", "delta", "omega"]
_COMMENTS = ["# считаем по формуле из лекции", "# здесь важно не перепутать размерности", "# TODO проверить",
             "# vectorised version", "# see lecture 4", "# шаг {}", "# this took me a while", "# работает!",
             "# compute it", "# проверено на тесте", "# note: shapes", "# ok"]
_DOCSTRINGS = ["Моя реализация.", "Implementation for week 4.", "Делает то, что просили в задании.",
               "See the notebook above.", "Вычисление для одного шага."]
_SPACED = {"+", "-", "*", "/", "//", "%", "@", "==", "!=", "<", ">", "<=", ">=", "=", "+=", "-=", "*=", "/="}


def _tokens(source):
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def _replace_spans(source, edits):
    """Apply (row, start col, end col, text) edits to ``source`` (rows 1-based, non-overlapping)."""
    lines = source.split("\n")
    for row, start, end, text in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + text + line[end:]
    return "\n".join(lines)


def _function_defs(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


# --- renamed variables ------------------------------------------------------------------

def rename(source, rng):
    """Every local variable, parameter and own helper gets another name (``activation`` keeps its own).

    Names passed as keywords are kept (the grader calls ``activation=``), and
    so are the graded functions' names, attributes and dictionary keys.
    """
    tree = ast.parse(source)
    keywords = {k.arg for n in ast.walk(tree) if isinstance(n, ast.Call) for k in n.keywords if k.arg}
    local = set()
    for function in _function_defs(tree):
        if function.name not in NAMES:
            local.add(function.name)
        args = function.args
        local.update(a.arg for a in args.posonlyargs + args.args + args.kwonlyargs)
        local.update(n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    imported = {a.asname or a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names}
    local -= keywords | imported | {"activation", "_"} | set(NAMES)
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | local
    new = {}
    for name in sorted(local):
        while True:
            candidate = "{}_{}".format(rng.choice(_WORDS), rng.randrange(100))
            if candidate not in taken:
                taken.add(candidate)
                new[name] = candidate
                break
    edits, previous = [], None
    for token in _tokens(source):
        if token.type == tokenize.NAME and token.string in new and not (previous and previous.string == "."):
            edits.append((token.start[0], token.start[1], token.end[1], new[token.string]))
        elif token.type == tokenize.STRING and token.string.lstrip("rbRB")[:1] in "fF" and "\n" not in token.string:
            text = _rename_in_fstring(token.string, new)
            if text != token.string:
                edits.append((token.start[0], token.start[1], token.end[1], text))
        previous = token
    return _replace_spans(source, edits)


def _rename_in_fstring(text, new):
    def inside(match):
        return re.sub(r"(?<![\w.])([A-Za-z_]\w*)", lambda m: new.get(m.group(1), m.group(1)), match.group(0))
    return re.sub(r"\{[^{}]*\}", inside, text)


# --- comments ------------------------------------------------------------------------------

def comments(source, rng):
    """Comments removed, others written; docstrings rewritten."""
    tokens = _tokens(source)
    edits = [(t.start[0], t.start[1], t.end[1], "") for t in tokens
             if t.type == tokenize.COMMENT and "ОЦЕНИВАЕМОЕ" not in t.string]
    text = _replace_spans(source, edits)
    tree = ast.parse(text)
    lines = text.split("\n")
    for function in sorted(_function_defs(tree), key=lambda f: -f.lineno):
        first = function.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            indent = " " * first.col_offset
            lines[first.lineno - 1:first.end_lineno] = [indent + '"""' + rng.choice(_DOCSTRINGS) + '"""']
    text = "\n".join(lines)
    ends = {t.start[0] for t in _tokens(text) if t.type == tokenize.NEWLINE}
    tree = ast.parse(text)
    statements = sorted({(s.lineno, s.col_offset) for f in _function_defs(tree) for s in ast.walk(f)
                         if isinstance(s, ast.stmt) and s is not f}, reverse=True)
    lines = text.split("\n")
    for row, col in statements:
        if rng.random() < 0.3:
            lines.insert(row - 1, " " * col + rng.choice(_COMMENTS).format(rng.randrange(10)))
        elif rng.random() < 0.3 and row in ends and lines[row - 1].strip():
            lines[row - 1] += "  " + rng.choice(_COMMENTS).format(rng.randrange(10))
    return "\n".join(lines)


# --- formatting --------------------------------------------------------------------------------

def reformat(source, rng):
    """Other spacing around operators and commas, other quotes, other blank lines, other indentation."""
    tokens = _tokens(source)
    edits, by_row = [], {}
    for token in tokens:
        by_row.setdefault(token.start[0], []).append(token)
    for row, line_tokens in by_row.items():
        code = [t for t in line_tokens if t.type in (tokenize.NAME, tokenize.OP, tokenize.NUMBER, tokenize.STRING)
                and t.start[0] == t.end[0] == row]
        for left, right in zip(code, code[1:]):
            if left.end[1] > right.start[1]:
                continue
            words = left.type != tokenize.OP and right.type != tokenize.OP
            if words or keyword.iskeyword(left.string) or keyword.iskeyword(right.string):
                continue
            if left.string in _SPACED or right.string in _SPACED or left.string == ",":
                if right.string in ("-", "+") and left.string in ("(", ",", "=", "["):
                    continue  # keep unary signs where they are
                edits.append((row, left.end[1], right.start[1], rng.choice(["", " ", " "])))
        for token in code:
            if token.type == tokenize.STRING and re.fullmatch(r"'[^'\"\\]*'", token.string):
                edits.append((row, token.start[1], token.end[1], '"' + token.string[1:-1] + '"'))
            elif token.type == tokenize.STRING and re.fullmatch(r'"[^\'"\\]*"', token.string) and rng.random() < 0.5:
                edits.append((row, token.start[1], token.end[1], "'" + token.string[1:-1] + "'"))
    text = _replace_spans(source, _without_overlaps(edits))
    lines = []
    for line in text.split("\n"):
        if not line.strip():
            if rng.random() < 0.5:
                lines.append("")
            continue
        lines.append(line)
        if rng.random() < 0.15 and not line.rstrip().endswith((",", "(", "[", "\\")):
            lines.append("")
    text = "\n".join(lines)
    indents = {len(line) - len(line.lstrip(" ")) for line in lines if line.strip() and line[0] == " "}
    if rng.random() < 0.5 and indents and min(indents) == 4:  # two spaces per level instead of four
        text = "\n".join(re.sub(r"^((?:    )+)", lambda m: "  " * (len(m.group(1)) // 4), line)
                         for line in text.split("\n"))
    ast.parse(text)
    return text


def _without_overlaps(edits):
    kept, last = [], {}
    for edit in sorted(edits):
        row, start, end, _ = edit
        if start >= last.get(row, -1):
            kept.append(edit)
            last[row] = max(end, start + 1)
    return kept


# --- reordered definitions -----------------------------------------------------------------

def reorder(source, rng):
    """The definitions of a cell (or file) in another order, imports first."""
    tree = ast.parse(source)
    lines = source.split("\n")
    nodes = tree.body
    if not nodes:
        return source
    starts = [min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]) - 1 for n in nodes]
    blocks = [lines[start:end] for start, end in zip(starts, starts[1:] + [len(lines)])]
    is_import = [isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes]
    rest = [(n, b) for n, b, i in zip(nodes, blocks, is_import) if not i]
    places = [i for i, (n, _) in enumerate(rest) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    moved = places[:]
    rng.shuffle(moved)
    placed = [b for _, b in rest]
    for place, origin in zip(places, moved):
        placed[place] = rest[origin][1]
    imports = [b for b, i in zip(blocks, is_import) if i]
    return "\n".join(lines[:starts[0]] + [line for block in imports + placed for line in block + [""]])


# --- dead statements -----------------------------------------------------------------------

def dead_code(source, rng):
    """Statements that change nothing, inserted after statements of the functions."""
    tree = ast.parse(source)
    lines = source.split("\n")
    inserts = []
    for function in _function_defs(tree):
        params = [a.arg for a in function.args.args] or ["0"]
        for statement in ast.walk(function):
            if _simple(statement) and not isinstance(statement, (ast.Return, ast.Raise)) and rng.random() < 0.35:
                inserts.append((statement.end_lineno, statement.col_offset, _dead(rng, rng.choice(params))))
    return _inserted(lines, inserts)


def _simple(node):
    """Whether ``node`` is a statement without a block of its own (after which a line can go)."""
    return isinstance(node, ast.stmt) and not any(hasattr(node, f) for f in ("body", "cases", "handlers"))


def _inserted(lines, inserts):
    """``lines`` with (row, column, text) inserted after each row, indented to the column."""
    for row, col, text in sorted(inserts, key=lambda i: (-i[0], i[1])):  # bottom up, outer first
        lines[row:row] = [" " * col + line for line in text.split("\n")]
    return "\n".join(lines)


def _dead(rng, name):
    unused = "unused_{}".format(rng.randrange(10000))
    return rng.choice([
        "{} = {}".format(unused, rng.randrange(100)),
        "{} = np.shape({})".format(unused, name),
        "{} = [{}, None]".format(unused, name),
        "pass",
        "if False:\n    {} = {}".format(unused, name),
        "None",
        name,
        '"{}"'.format(rng.choice(_DOCSTRINGS)),
    ])


# --- np.dot, @, np.matmul ---------------------------------------------------------------

def matmul(source, rng):
    """Each matrix product written another way: ``np.dot(a, b)``, ``a @ b``, ``np.matmul(a, b)``, ``a.dot(b)``."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        operands = None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            operands = (node.left, node.right)
        elif isinstance(node, ast.Call) and len(node.args) == 2 and not node.keywords and \
                isinstance(node.func, ast.Attribute) and node.func.attr in ("dot", "matmul") and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == "np":
            operands = tuple(node.args)
        elif isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
                isinstance(node.func, ast.Attribute) and node.func.attr == "dot" and \
                not (isinstance(node.func.value, ast.Name) and node.func.value.id == "np"):
            operands = (node.func.value, node.args[0])
        if operands:
            found.append((node, operands))
    lines = source.split("\n")
    chosen, spans = [], []
    for node, operands in sorted(found, key=lambda item: _span(lines, item[0])):
        span = _span(lines, node)
        if any(s[0] <= span[0] and span[1] <= s[1] for s in spans):
            continue  # inside a product already rewritten
        spans.append(span)
        chosen.append((span, operands))
    text = source
    for (start, end), (left, right) in sorted(chosen, reverse=True):
        a, b = (ast.get_source_segment(source, o) for o in (left, right))
        simple = isinstance(left, (ast.Name, ast.Attribute, ast.Subscript, ast.Call))
        form = rng.choice(["np.dot({a}, {b})", "(({a}) @ ({b}))", "np.matmul({a}, {b})"] +
                          (["{a}.dot({b})"] if simple else []))
        text = text[:start] + form.format(a=a, b=b) + text[end:]
    ast.parse(text)
    return text


def _span(lines, node):
    """(start, end) character offsets of ``node`` in the text of ``lines`` (ast counts columns in bytes)."""
    def offset(row, column):
        line = lines[row - 1]
        return sum(len(l) + 1 for l in lines[:row - 1]) + len(line.encode("utf-8")[:column].decode("utf-8", "ignore"))
    return offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)


# --- extra prints ---------------------------------------------------------------------------

def prints(source, rng):
    """``print`` calls after assignments, showing what was assigned."""
    tree = ast.parse(source)
    lines = source.split("\n")
    inserts = []
    for function in _function_defs(tree):
        for statement in ast.walk(function):
            if isinstance(statement, ast.Assign) and rng.random() < 0.4:
                names = [n.id for t in statement.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
                shown = rng.choice(["{}", "np.shape({})"]).format(names[0]) if names else "'ok'"
                label = rng.choice(["debug", "step", "значение", "check"])
                inserts.append((statement.end_lineno, statement.col_offset, 'print("{}:", {})'.format(label, shown)))
    return _inserted(lines, inserts)


DISGUISES = {"rename": rename, "comments": comments, "reformat": reformat, "reorder": reorder,
             "dead_code": dead_code, "matmul": matmul, "prints": prints}


def combined(source, rng):
    """Every disguise, one after another."""
    for name in ("dead_code", "prints", "matmul", "rename", "reorder", "comments", "reformat"):
        source = DISGUISES[name](source, rng)
    return source


def disguise(source, how, seed):
    """``source`` disguised ``how`` (a name of :data:`DISGUISES`, or "combined"), reproducibly."""
    rng = random.Random(repr(seed))
    return combined(source, rng) if how == "combined" else DISGUISES[how](source, rng)
