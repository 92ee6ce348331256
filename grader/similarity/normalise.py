"""A function's code as what it does, not as it is spelled: the usual disguises undone.

Parsed with :mod:`ast` (never run), the definitions of one graded function are
written out as canonical text, so that copies made with the usual disguises
read the same:

* comments, docstrings and layout are gone with the parse; annotations dropped;
* renamed variables: parameters become ``a0, a1, ...`` by position, other
  locals ``v0, v1, ...`` by first use, the student's own helpers ``h0, ...``;
* ``np.dot(a, b)``, ``np.matmul(a, b)``, ``a.dot(b)`` and ``a @ b`` are one
  operation, and so are ``np.multiply``/``*``, ``np.add``/``+``,
  ``np.subtract``/``-``, ``np.divide``/``/``; ``x op= y`` is ``x = x op y``;
  the operands of ``+``, ``*`` and ``==`` are put in one order, keyword
  arguments too (a graded function's own parameters passed by keyword are
  positional), and a sign is moved out of a product; numpy imported under
  any name is ``np``;
* dead statements go (the one change made to the tree): ``pass``, bare
  expressions, ``print``/``display`` calls, stores never read, ``if False:``
  blocks, code after ``return``;
* reordered definitions: helpers are taken in the order the function calls them.

:func:`canonical` then reads each function as what its results depend on
(:mod:`.dependence`: locals inlined, so independent statements may come in
any order and an extra local changes nothing) and returns the pieces of
canonical text -- each output, each sub-expression of one, the whole
function -- with the lines each came from, for :mod:`.fingerprints` to hash.
"""

import ast
import functools
import operator
from collections import Counter
from typing import NamedTuple

_SILENT_CALLS = frozenset({"print", "display", "pprint"})
_UFUNC_OPS = {"multiply": ast.Mult, "add": ast.Add, "subtract": ast.Sub, "divide": ast.Div,
              "true_divide": ast.Div, "matmul": ast.MatMult, "dot": ast.MatMult}
_COMMUTATIVE = (ast.Add, ast.Mult, ast.BitAnd, ast.BitOr, ast.BitXor)
_SIGNLESS = (ast.Mult, ast.MatMult, ast.Div)
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
        ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
        ast.BitXor: "^", ast.BitAnd: "&", ast.USub: "-", ast.UAdd: "+", ast.Not: "not ", ast.Invert: "~",
        ast.And: " and ", ast.Or: " or ", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=",
        ast.Gt: ">", ast.GtE: ">=", ast.Is: " is ", ast.IsNot: " is not ", ast.In: " in ",
        ast.NotIn: " not in "}
_ENDS_BLOCK = (ast.Return, ast.Raise, ast.Continue, ast.Break)
SOURCE_ORDER = operator.attrgetter("lineno", "col_offset")  # sort key: nodes as they are written
MAX_NODES = 20_000        # a unit larger than this is compared by tokens
MAX_CONSTANT = 60         # characters of a constant kept in canonical text


class TooLarge(ValueError):
    """The code is too large or too deep to normalise; compare it by tokens."""


class Piece(NamedTuple):
    """One canonical piece of a function: an output, a sub-expression, the whole function, a run of tokens."""

    kind: str       # "s" an output (:mod:`.dependence`), "b" a sub-expression of one,
                    # "u" the whole function, "t" a run of tokens (code that does not parse)
    text: str
    lines: tuple    # (first, last) line in the code the unit was parsed from


def canonical(functions, numpy_names=frozenset({"np", "numpy"}), from_numpy=None):
    """The canonical :class:`Piece` s of a graded function and the helpers it calls.

    ``functions``: its ``ast.FunctionDef`` first, then its helpers (in call
    order). ``numpy_names``: what numpy is imported as; ``from_numpy``: {local
    name: numpy attribute} of ``from numpy import ...``. Raises :class:`TooLarge`.
    Each output of :mod:`.dependence` is a statement piece ("s"), each of its
    sub-expressions a "b" piece, all of them in order one "u" piece.
    """
    from .dependence import Dependence, Tracker

    helpers = {f.name: "h{}".format(i) for i, f in enumerate(functions[1:])}
    pieces, texts, size = [], [], 0
    try:
        for function in functions:
            nodes = walk(function)
            size += len(nodes)
            if size > MAX_NODES:
                raise TooLarge("too many nodes")
            local = _prune(function, nodes)
            tracker = Tracker(_Names(function, local, helpers, numpy_names, from_numpy or {}))
            serialiser = _Serialiser(pieces, tracker)
            header = serialiser._header(function)
            outputs = Dependence(serialiser, tracker).run(function)
            subtrees = {}
            for output in outputs:
                pieces.append(Piece("s", output.text, output.lines))
                for text, lines in sorted(output.subtrees):  # a set: sorted, so the lines kept are the same every run
                    subtrees.setdefault(text, lines)
            pieces.extend(Piece("b", text, lines) for text, lines in sorted(subtrees.items()))
            texts.append(header + "{" + "; ".join(sorted(o.text for o in outputs)) + "}")
    except RecursionError:
        raise TooLarge("nested too deep") from None
    first = functions[0]
    pieces.append(Piece("u", " ".join(texts), (first.lineno, first.end_lineno)))
    return pieces


# Node type -> its fields that may hold nodes worth visiting; none for the plain values found in fields.
_FIELDS = {ast.Name: (), ast.Constant: (), ast.MatchSingleton: (), str: (), int: (), bool: (), float: (), complex: (),
           bytes: (), type(None): (), type(...): ()}
# Fields that never hold a node (names, flags, ``ctx`` and operators): not visited at all.
_PLAIN_FIELDS = frozenset({"ctx", "op", "ops", "id", "name", "asname", "arg", "attr", "module", "level", "simple",
                           "conversion", "is_async", "type_comment", "kind", "kwd_attrs", "rest", "tag"})


def _fields(kind):
    """The fields of an AST node type that may hold nodes worth visiting."""
    fields = _FIELDS.get(kind)
    if fields is None:
        plain = _PLAIN_FIELDS | ({"names"} if kind in (ast.Global, ast.Nonlocal) else set())  # strings, not aliases
        if kind.__name__ == "TypeAlias":
            plain = plain - {"name"}  # ``type X = ...`` (Python 3.12): its name is a node
        fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in plain)
    return fields


def walk(node):
    """Every node below ``node``, itself included, but for ``ctx`` and operators (``ast.walk``, cheaper)."""
    seen, known = [node], _FIELDS
    append, extend = seen.append, seen.extend
    for current in seen:  # grows as it is read
        kind = type(current)
        fields = known.get(kind)
        for name in _fields(kind) if fields is None else fields:
            value = getattr(current, name, None)
            if type(value) is list:
                extend(value)  # lists of names and Nones (a dict's ``**``) are weeded out below
            elif value is not None:
                append(value)
    return [n for n in seen if isinstance(n, ast.AST)]


def statements(block):
    """Every statement in ``block`` and in the blocks nested in it (bodies, branches, handlers, cases).

    Statements never sit inside expressions, so this finds every one that
    :func:`walk` would, without visiting the expressions.
    """
    found, index = list(block), 0
    while index < len(found):
        statement = found[index]
        index += 1
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if type(inner) is list:
                found.extend(inner)
        for branch in (getattr(statement, "handlers", None) or []) + (getattr(statement, "cases", None) or []):
            found.extend(branch.body)
    return found


def _is_np(node, numpy_names):
    return type(node) is ast.Name and node.id in numpy_names


def _is_silent(statement):
    """A statement that does nothing a grader can see: pass, a bare value, a print, a bare annotation."""
    kind = type(statement)
    if kind is ast.Pass or (kind is ast.AnnAssign and statement.value is None):
        return True
    if kind is ast.Expr:
        value = statement.value
        if type(value) in (ast.Constant, ast.Name, ast.Attribute):
            return True
        if type(value) is ast.Call and type(value.func) is ast.Name and value.func.id in _SILENT_CALLS:
            return True
    return False


# --- dead statements -------------------------------------------------------------------

def _prune(function, nodes):
    """Drop dead statements until nothing changes; the names ``function`` binds (its locals, not imports).

    Dead: silent statements, blocks under a constant false test (a constant
    true one is its body), statements after ``return``/``raise``/``break``/
    ``continue``, stores never read, and blocks left empty. Reads are
    counted, so dropping a statement forgets its reads without walking the
    function again.
    """
    reads, local, outside, read = Counter(), set(), set(), []
    for node in nodes:
        kind = type(node)
        if kind is ast.Name:
            if type(node.ctx) is ast.Store:
                local.add(node.id)
            else:
                read.append(node.id)  # counted below, in one step
        elif kind is ast.arg:
            local.add(node.arg)
        elif kind is ast.AugAssign:
            reads.update(n.id for n in walk(node.target) if type(n) is ast.Name)  # x += 1 reads x
        elif kind in (ast.Global, ast.Nonlocal):
            reads.update(dict.fromkeys(node.names, 1 << 30))  # bound elsewhere: always read
            outside.update(node.names)
        elif kind in (ast.Import, ast.ImportFrom):
            outside.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ExceptHandler) and node is not function \
                and node.name:
            local.add(node.name)
    reads.update(read)
    for _ in range(20):
        if not _prune_block(function, "body", reads):
            break
    return local - outside


def _prune_block(node, field, reads):
    """Prune a block in place; whether a read was forgotten for good (a store may have died)."""
    forgot, kept, block = False, [], getattr(node, field)
    for index, statement in enumerate(block):
        kind = type(statement)
        if _is_silent(statement):
            forgot |= _forget(statement, reads)
            continue
        if kind in (ast.If, ast.While) and type(statement.test) is ast.Constant and \
                (kind is ast.If or not statement.test.value):
            taken, dropped = (statement.body, statement.orelse) if statement.test.value else \
                (statement.orelse, statement.body)
            forgot |= any([_forget(s, reads) for s in dropped])
            inner = ast.Module(taken, [])
            forgot |= _prune_block(inner, "body", reads)
            kept.extend(inner.body)
            continue
        for inner in ("body", "orelse", "finalbody"):  # nested functions too: a helper inside the function
            if isinstance(getattr(statement, inner, None), list):
                forgot |= _prune_block(statement, inner, reads)
        for branch in (getattr(statement, "handlers", None) or []) + (getattr(statement, "cases", None) or []):
            forgot |= _prune_block(branch, "body", reads)
        if _is_dead(statement, reads):
            forgot |= _forget(statement, reads)
            continue
        kept.append(statement)
        if kind in _ENDS_BLOCK:
            forgot |= any([_forget(s, reads) for s in block[index + 1:]])
            break  # the rest of the block never runs
    setattr(node, field, kept)
    return forgot


def _forget(statement, reads):
    """Forget the reads of a dropped statement; whether a name is no longer read at all."""
    gone = False
    for node in walk(statement):
        kind = type(node)
        names = [node.id] if kind is ast.Name and type(node.ctx) is not ast.Store else \
            [n.id for n in walk(node.target) if type(n) is ast.Name] if kind is ast.AugAssign else ()
        for name in names:
            reads[name] -= 1
            gone |= reads[name] <= 0
    return gone


def _is_dead(statement, live):
    kind = type(statement)
    if kind in (ast.Assign, ast.AnnAssign):
        stores = []
        for target in statement.targets if kind is ast.Assign else [statement.target]:
            if not _plain_names(target, stores):
                return False  # a subscript or an attribute is written: not dead
        return bool(stores) and not any(live[name] > 0 for name in stores)
    if kind in (ast.For, ast.While, ast.If, ast.With):
        return not statement.body and not getattr(statement, "orelse", None)
    return False


def _plain_names(target, names):
    """Whether ``target`` only binds names (``a``, ``a, b``, ``[a, *b]``); they are appended to ``names``."""
    kind = type(target)
    if kind is ast.Name:
        names.append(target.id)
        return True
    if kind is ast.Starred:
        return _plain_names(target.value, names)
    if kind in (ast.Tuple, ast.List):
        return all(_plain_names(item, names) for item in target.elts)
    return False


# --- names -------------------------------------------------------------------------------

class _Names:
    """What a name is called in canonical text: parameters by position, other locals by first use.

    The student's helpers by call order, numpy (under any name) ``np``, a
    name imported from numpy ``np.<name>``; any other name (a lab function,
    a builtin) as it is.
    """

    def __init__(self, function, local, helpers, numpy_names, from_numpy):
        args = function.args
        params = [a.arg for a in args.posonlyargs + args.args] + \
            ([args.vararg.arg] if args.vararg else []) + [a.arg for a in args.kwonlyargs] + \
            ([args.kwarg.arg] if args.kwarg else [])
        self.names = {p: "a{}".format(i) for i, p in enumerate(params)}
        self.count, self.local = 0, local
        self.helpers, self.numpy_names, self.from_numpy = helpers, numpy_names, from_numpy
        self.node, self.function = function, helpers.get(function.name, "f")

    def __call__(self, name):
        found = self.names.get(name)
        if found is not None:
            return found
        if name in self.local:
            found = self.names[name] = "v{}".format(self.count)
            self.count += 1
            return found
        if name in self.helpers:
            return self.helpers[name]
        if name in self.numpy_names:
            return "np"
        if name in self.from_numpy:
            return "np." + self.from_numpy[name]
        return name


# --- canonical text ------------------------------------------------------------------

class _Serialiser:
    """Canonical text of statements and expressions; each statement's pieces are appended to ``pieces``.

    The canonical forms are chosen here, as the text is written: names by
    :class:`_Names`, numpy's products and operators as operators, ``x op= y``
    as ``x = x op y``, one sign outside a product, operands and keywords in
    one order.
    """

    def __init__(self, pieces, names):
        self.pieces, self.names = pieces, names
        self.collect = None   # a list: the text of every sub-expression worth a piece is appended to it
        self.negated = set()  # ids of nodes whose text is ``-`` and the rest (a sign to move out of a product)

    def block_text(self, statements):
        texts, previous = [], None
        for statement in statements:
            header, whole = self.statement(statement)
            if previous is not None:
                self.pieces.append(Piece("b", previous[0] + " ; " + header, (previous[1], _header_end(statement))))
            previous = (header, statement.lineno)
            texts.append(whole)
        return "; ".join(texts)

    def statement(self, node):
        """(header text, whole text) of a statement; its header and its blocks' statements become pieces."""
        header = self._header(node)
        self.pieces.append(Piece("s", header, (node.lineno, _header_end(node))))
        parts = [header]
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block:
                parts.append("{}{{{}}}".format("" if field == "body" else field + " ", self.block_text(block)))
        for handler in getattr(node, "handlers", None) or []:
            parts.append("except {}{{{}}}".format(self.expr(handler.type) if handler.type else "",
                                                   self.block_text(handler.body)))
        for case in getattr(node, "cases", None) or []:
            parts.append("case {}{{{}}}".format(self.expr(case.pattern), self.block_text(case.body)))
        return header, " ".join(parts)

    def _header(self, node):
        e, kind = self.expr, type(node)
        if kind is ast.Assign:
            return " = ".join([e(t) for t in node.targets] + [e(node.value)])
        if kind is ast.AugAssign:
            target = e(node.target)
            return target + " = " + self._product(node.target, node.op, node.value, node)
        if kind is ast.AnnAssign:
            return e(node.target) + " = " + e(node.value)
        if kind is ast.Expr:
            return e(node.value)
        if kind is ast.Return:
            return "return " + (e(node.value) if node.value else "")
        if kind in (ast.For, ast.AsyncFor):
            return "for {} in {}".format(e(node.target), e(node.iter))
        if kind in (ast.If, ast.While):
            return "{} {}".format("if" if kind is ast.If else "while", e(node.test))
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef):
            name = self.names.function if node is self.names.node else self.names(node.name)
            return "def {}({})".format(name, self._arguments(node.args))
        if kind in (ast.With, ast.AsyncWith):
            return "with " + ", ".join(e(i.context_expr) + (" as " + e(i.optional_vars) if i.optional_vars else "")
                                       for i in node.items)
        if kind is ast.Assert:
            return "assert " + e(node.test) + (", " + e(node.msg) if node.msg else "")
        if kind is ast.Raise:
            return "raise " + (e(node.exc) if node.exc else "")
        if kind is ast.Match:
            return "match " + e(node.subject)
        if kind in (ast.Import, ast.ImportFrom):
            return "import " + ",".join(sorted(a.name for a in node.names))
        if kind is ast.Delete:
            return "del " + ", ".join(e(t) for t in node.targets)
        if kind is ast.Try:
            return "try"
        return kind.__name__.lower()

    def _arguments(self, args):
        names = [self.names(a.arg) for a in args.posonlyargs + args.args]
        defaults = [None] * (len(names) - len(args.defaults)) + list(args.defaults)
        out = [n if d is None else n + "=" + self.expr(d) for n, d in zip(names, defaults)]
        if args.vararg:
            out.append("*" + self.names(args.vararg.arg))
        out += [self.names(a.arg) for a in args.kwonlyargs]
        if args.kwarg:
            out.append("**" + self.names(args.kwarg.arg))
        return ",".join(out)

    def _product(self, left, op, right, node):
        """Canonical text of ``left op right`` (``node`` stands for it): one sign out front, operands in order."""
        left_text, right_text = self.expr(left), self.expr(right)
        negated = tuple(id(node) in self.negated or (type(node) is ast.Name and text[:1] == "-")  # a local: its value
                        for node, text in ((left, left_text), (right, right_text)))
        sign = ""
        if isinstance(op, _SIGNLESS) and negated[0] != negated[1]:
            left_text, right_text = (left_text[1:], right_text) if negated[0] else (left_text, right_text[1:])
            sign = "-"
            self.negated.add(id(node))
        if type(op) is ast.Mult:  # x * (1/m), (1/m) * x and x * 1 read as x / m and x
            for one, other in ((left_text, right_text), (right_text, left_text)):
                if one == "1":
                    return sign + other if sign else other
                divisor = _reciprocal(one)
                if divisor is not None:
                    return "{}({}/{})".format(sign, other, divisor)
        if isinstance(op, _COMMUTATIVE) and right_text < left_text:
            left_text, right_text = right_text, left_text
        return "{}({}{}{})".format(sign, left_text, _OPS[type(op)], right_text)

    def _numpy(self, func):
        """The numpy function ``func`` names (``np.dot``, ``dot`` from numpy), or None."""
        if type(func) is ast.Attribute and _is_np(func.value, self.names.numpy_names):
            return func.attr
        if type(func) is ast.Name and func.id in self.names.from_numpy and func.id not in self.names.local:
            return self.names.from_numpy[func.id]
        return None

    def expr(self, node):
        """Canonical text of an expression (or any node below a statement)."""
        text = self._expr(node)
        if self.collect is not None and isinstance(node, _SUBTREES):
            self.collect.append(text)
        return text

    def _expr(self, node):
        e = self.expr
        kind = type(node)
        if kind is ast.Name:
            return self.names(node.id)
        if kind is ast.Constant:
            value = node.value
            if type(value) is float and value.is_integer() and abs(value) < 2 ** 53:
                value = int(value)  # 1, 1. and 1.0 are one number
            return repr(value)[:MAX_CONSTANT]
        if kind is ast.Attribute:
            return e(node.value) + "." + node.attr
        if kind is ast.BinOp:
            return self._product(node.left, node.op, node.right, node)
        if kind is ast.UnaryOp:
            if type(node.op) is ast.USub:
                self.negated.add(id(node))
            return _OPS[type(node.op)] + e(node.operand)
        if kind is ast.Compare and len(node.ops) == 1:
            left, right = e(node.left), e(node.comparators[0])
            op = type(node.ops[0])
            if op in (ast.Eq, ast.NotEq) and right < left:
                left, right = right, left
            return "({}{}{})".format(left, _OPS[op], right)
        if kind is ast.Call:
            func, args = node.func, node.args
            if len(args) == 2 and not node.keywords and self._numpy(func) in _UFUNC_OPS:
                return self._product(args[0], _UFUNC_OPS[self._numpy(func)](), args[1], node)
            if type(func) is ast.Attribute and func.attr == "dot" and len(args) == 1 and not node.keywords \
                    and not _is_np(func.value, self.names.numpy_names):
                return self._product(func.value, ast.MatMult(), args[0], node)
            args, keywords = _positional(func, args, node.keywords)
            parts = [e(a) for a in args]
            parts += ["{}={}".format(k.arg, e(k.value)) if k.arg else "**" + e(k.value)
                      for k in sorted(keywords, key=lambda k: k.arg or "")]
            return "{}({})".format(e(func), ",".join(parts))
        if kind is ast.Subscript:
            return "{}[{}]".format(e(node.value), e(node.slice))
        if kind in (ast.Tuple, ast.List, ast.Set):
            brackets = {ast.Tuple: "()", ast.List: "[]", ast.Set: "{}"}[kind]
            return brackets[0] + ",".join(e(i) for i in node.elts) + brackets[1]
        if kind is ast.Dict:
            return "{" + ",".join((e(k) if k is not None else "**") + ":" + e(v)
                                  for k, v in zip(node.keys, node.values)) + "}"
        if kind is ast.arg:
            return self.names(node.arg)
        parts = []
        for field, value in ast.iter_fields(node):
            if field not in ("ctx", "type_comment", "annotation", "returns"):
                for item in value if isinstance(value, list) else [value]:
                    parts.append(e(item) if isinstance(item, ast.AST) else repr(item)[:MAX_CONSTANT])
        return "{}({})".format(kind.__name__, ",".join(parts))


def _positional(func, args, keywords):
    """(args, keywords) of a call to a graded function, its keywords named as the lab names them made positional.

    ``linear_activation_backward(dA, cache, activation="relu")`` and
    ``linear_activation_backward(dA, cache, "relu")`` are one call; this lab's
    answers write both.
    """
    names = _lab_parameters().get(func.id) if type(func) is ast.Name else None
    if not names or any(type(a) is ast.Starred for a in args):
        return args, keywords
    args, named = list(args), {k.arg: k for k in keywords if k.arg}
    while len(args) < len(names) and names[len(args)] in named:
        args.append(named.pop(names[len(args)]).value)
    return args, [k for k in keywords if not k.arg or k.arg in named]


@functools.lru_cache(maxsize=1)
def _lab_parameters():
    from ..checks.graded_functions import SPECS

    return {spec.name: spec.arg_names for spec in SPECS}


_SUBTREES = (ast.BinOp, ast.Call, ast.Subscript, ast.Compare, ast.BoolOp)


def _reciprocal(text):
    """``m`` when ``text`` is ``(1/m)`` as one parenthesised quotient, else None."""
    if not (text.startswith("(1/") and text.endswith(")")):
        return None
    depth = 0
    for index, char in enumerate(text):
        depth += (char in "([{") - (char in ")]}")
        if depth == 0 and index < len(text) - 1:
            return None
    return text[3:-1]


def _header_end(node):
    """The last line of a statement's header: the line before its body, or its last line."""
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
        return max(node.lineno, body[0].lineno - 1)
    return node.end_lineno or node.lineno
