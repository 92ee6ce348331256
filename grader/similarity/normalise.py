"""A function's code as what it does, not as it is spelled: the usual disguises undone.

Parsed with :mod:`ast` (never run), the definitions of one graded function are
rewritten so that copies made with the usual disguises read the same:

* comments, docstrings and layout are gone with the parse; annotations dropped;
* renamed variables: parameters become ``a0, a1, ...`` by position, other
  locals ``v0, v1, ...`` by first use, the student's own helpers ``h0, ...``;
* ``np.dot(a, b)``, ``np.matmul(a, b)``, ``a.dot(b)`` and ``a @ b`` are one
  operation, and so are ``np.multiply``/``*``, ``np.add``/``+``,
  ``np.subtract``/``-``, ``np.divide``/``/``; ``x op= y`` is ``x = x op y``;
  the operands of ``+``, ``*`` and ``==`` are put in one order, keyword
  arguments too; numpy imported under any name is ``np``;
* dead statements go: ``pass``, bare expressions, ``print``/``display`` calls,
  stores never read, ``if False:`` blocks, code after ``return``;
* reordered definitions: helpers are taken in the order the function calls them.

:func:`canonical` returns the pieces of canonical text -- each statement,
each two statements in a row, the whole function -- with the lines each came
from, for :mod:`.fingerprints` to hash.
"""

import ast
import copy
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
MAX_NODES = 20_000        # a unit larger than this is compared by tokens
MAX_CONSTANT = 60         # characters of a constant kept in canonical text


class TooLarge(ValueError):
    """The code is too large or too deep to normalise; compare it by tokens."""


class Piece(NamedTuple):
    """One canonical piece of a function: a statement, two in a row, the whole function, a run of tokens."""

    kind: str       # "s" a statement (a compound one's header), "b" two statements in a row,
                    # "u" the whole function, "t" a run of tokens (code that does not parse)
    text: str
    lines: tuple    # (first, last) line in the code the unit was parsed from


def canonical(functions, numpy_names=frozenset({"np", "numpy"}), from_numpy=None):
    """The canonical :class:`Piece` s of a graded function and the helpers it calls.

    ``functions``: its ``ast.FunctionDef`` first, then its helpers (in call
    order). ``numpy_names``: what numpy is imported as; ``from_numpy``: {local
    name: numpy attribute} of ``from numpy import ...``. Raises :class:`TooLarge`.
    """
    helpers = {f.name: "h{}".format(i) for i, f in enumerate(functions[1:])}
    pieces, texts, size = [], [], 0
    try:
        for function in functions:
            rewriter = _Canonical(numpy_names, from_numpy or {})
            rewriter.rewrite(function)
            nodes = _prune_dead(function, rewriter.nodes)
            size += len(nodes)
            if size > MAX_NODES:
                raise TooLarge("too many nodes")
            _rename(function, nodes, helpers)
            texts.append(_Serialiser(pieces).block_text([function]))
    except RecursionError:
        raise TooLarge("nested too deep") from None
    first = functions[0]
    pieces.append(Piece("u", " ".join(texts), (first.lineno, first.end_lineno)))
    return pieces


_FIELDS = {ast.Name: (), ast.Constant: ()}  # node type -> its fields that may hold nodes worth visiting


def _fields(kind):
    """The fields of an AST node type that may hold nodes worth visiting (not ``ctx`` or operators)."""
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in ("ctx", "op", "ops"))
    return fields


def walk(node):
    """Every node below ``node``, itself included, but for ``ctx`` and operators (``ast.walk``, cheaper)."""
    out, index, ast_type = [node], 0, ast.AST
    while index < len(out):
        current = out[index]
        index += 1
        for name in _fields(type(current)):
            value = getattr(current, name, None)
            if type(value) is list:
                out.extend(v for v in value if isinstance(v, ast_type))
            elif isinstance(value, ast_type):
                out.append(value)
    return out


class _Canonical:
    """One spelling for numpy's aliases and operators; prints, docstrings and dead blocks dropped.

    Rewrites a tree bottom-up in place: :meth:`rewrite` returns what replaces
    a node (a statement's replacement may be None: dropped).
    """

    _BLOCKS = ("body", "orelse", "finalbody")

    def __init__(self, numpy_names, from_numpy):
        self.numpy_names, self.from_numpy, self.nodes = numpy_names, from_numpy, []
        self.handlers = {ast.Call: self._call, ast.BinOp: self._binop, ast.AugAssign: self._augassign,
                         ast.AnnAssign: self._annassign, ast.arg: self._arg, ast.FunctionDef: self._function,
                         ast.AsyncFunctionDef: self._function}

    def rewrite(self, node):
        self.nodes.append(node)
        kind = type(node)
        if kind is ast.Name:
            return self._name(node)
        if kind is ast.Constant:
            return node
        for name in _fields(kind):
            value = getattr(node, name, None)
            if type(value) is list:
                if name in self._BLOCKS and value and isinstance(value[0], ast.stmt):
                    setattr(node, name, self._block(value))
                else:
                    value[:] = [self.rewrite(v) if isinstance(v, ast.AST) else v for v in value]
            elif isinstance(value, ast.AST):
                setattr(node, name, self.rewrite(value))
        handler = self.handlers.get(type(node))
        return handler(node) if handler else node

    def _name(self, node):
        if type(node.ctx) is ast.Load:
            if node.id in self.from_numpy:
                return ast.copy_location(ast.Attribute(ast.Name("np", ast.Load()), self.from_numpy[node.id],
                                                       ast.Load()), node)
            if node.id in self.numpy_names:
                node.id = "np"
        return node

    def _call(self, node):
        func = node.func
        node.keywords.sort(key=lambda k: k.arg or "")
        if type(func) is ast.Attribute and len(node.args) == 2 and not node.keywords and \
                _is_np(func.value) and func.attr in _UFUNC_OPS:
            return self._binop(ast.copy_location(ast.BinOp(node.args[0], _UFUNC_OPS[func.attr](), node.args[1]),
                                                 node))
        if type(func) is ast.Attribute and func.attr == "dot" and len(node.args) == 1 and not node.keywords \
                and not _is_np(func.value):
            return self._binop(ast.copy_location(ast.BinOp(func.value, ast.MatMult(), node.args[0]), node))
        return node

    def _binop(self, node):
        """``(-a) * b``, ``a @ (-b)`` and the like are ``-(a * b)``: one sign, outside the product."""
        if isinstance(node.op, _SIGNLESS):
            negated = [isinstance(side, ast.UnaryOp) and isinstance(side.op, ast.USub)
                       for side in (node.left, node.right)]
            if negated[0] != negated[1]:
                if negated[0]:
                    node.left = node.left.operand
                else:
                    node.right = node.right.operand
                return ast.copy_location(ast.UnaryOp(ast.USub(), node), node)
        return node

    def _augassign(self, node):
        load = _as_load(node.target)
        self.nodes.extend(walk(load))
        value = ast.copy_location(ast.BinOp(load, node.op, node.value), node)
        return ast.copy_location(ast.Assign([node.target], value, None), node)

    def _annassign(self, node):
        return None if node.value is None else ast.copy_location(ast.Assign([node.target], node.value, None), node)

    def _arg(self, node):
        node.annotation = None
        return node

    def _function(self, node):
        node.returns = None
        return node

    def _block(self, statements):
        out = []
        for statement in statements:
            if _is_silent(statement):
                continue
            if type(statement) in (ast.If, ast.While) and type(statement.test) is ast.Constant:
                kept = statement.body if statement.test.value and type(statement) is ast.If else \
                    (statement.orelse if not statement.test.value else None)
                if kept is not None:
                    out.extend(self._block(kept))
                    continue
            rewritten = self.rewrite(statement)
            if rewritten is not None:
                out.append(rewritten)
            if isinstance(statement, _ENDS_BLOCK):
                break  # the rest of the block never runs
        return out


def _is_np(node):
    return isinstance(node, ast.Name) and node.id == "np"


def _is_silent(statement):
    """A statement that does nothing a grader can see: pass, a bare value, a print."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr):
        value = statement.value
        if isinstance(value, (ast.Constant, ast.Name, ast.Attribute)):
            return True
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _SILENT_CALLS:
            return True
    return False


def _as_load(target):
    """A copy of an assignment target, read instead of written (``x`` of ``x += 1``)."""
    load = copy.deepcopy(target)
    for node in walk(load):
        if hasattr(node, "ctx"):
            node.ctx = ast.Load()
    return load


# --- dead stores ---------------------------------------------------------------

def _prune_dead(function, nodes):
    """Drop stores never read, and blocks left empty, until nothing changes; the nodes left.

    ``nodes``: every node of ``function`` (a superset will do: unused ones only keep a store alive).
    """
    for _ in range(20):
        live = {n.id for n in nodes if type(n) is ast.Name and type(n.ctx) is not ast.Store}
        live.update(name for n in nodes if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names)
        if not _prune_block(function, "body", live):
            return nodes
        nodes = walk(function)
    return nodes


def _prune_block(node, field, live):
    changed = False
    kept = []
    for statement in getattr(node, field):
        for inner in ("body", "orelse", "finalbody"):
            if isinstance(getattr(statement, inner, None), list) and not isinstance(statement, ast.FunctionDef):
                changed |= _prune_block(statement, inner, live)
        if isinstance(statement, ast.Try):
            for handler in statement.handlers:
                changed |= _prune_block(handler, "body", live)
        if _is_dead(statement, live):
            changed = True
            continue
        kept.append(statement)
    setattr(node, field, kept)
    return changed


def _is_dead(statement, live):
    kind = type(statement)
    if kind is ast.Assign:
        stores = []
        for target in statement.targets:
            if not _plain_names(target, stores):
                return False  # a subscript or an attribute is written: not dead
        return bool(stores) and not any(name in live for name in stores)
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


# --- renaming --------------------------------------------------------------------

def _rename(function, nodes, helpers):
    """Parameters by position, other locals by first use, the student's helpers by call order."""
    args = function.args
    params = [a.arg for a in args.posonlyargs + args.args] + \
        ([args.vararg.arg] if args.vararg else []) + [a.arg for a in args.kwonlyargs] + \
        ([args.kwarg.arg] if args.kwarg else [])
    names = {p: "a{}".format(i) for i, p in enumerate(params)}
    kept, local, uses = set(), set(), []
    for node in nodes:
        kind = type(node)
        if kind is ast.Name:
            uses.append(node)
            if type(node.ctx) is ast.Store:
                local.add(node.id)
        elif kind is ast.arg:
            local.add(node.arg)
        elif kind in (ast.Import, ast.ImportFrom):
            kept.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif kind in (ast.Global, ast.Nonlocal):
            kept.update(node.names)
        elif kind in (ast.FunctionDef, ast.ExceptHandler) and node is not function and node.name:
            local.add(node.name)
    local -= kept
    uses.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    for node in uses:
        if node.id in local and node.id not in names:
            names[node.id] = "v{}".format(len(names) - len(params))
    for node in nodes:
        kind = type(node)
        if kind is ast.Name:
            node.id = names.get(node.id) or helpers.get(node.id) or node.id
        elif kind is ast.arg:
            node.arg = names.get(node.arg, node.arg)
        elif kind in (ast.FunctionDef, ast.ExceptHandler) and node is not function and node.name:
            node.name = names.get(node.name, node.name)
    function.name = helpers.get(function.name, "f")


# --- canonical text ------------------------------------------------------------------

class _Serialiser:
    """Canonical text of statements and expressions; a statement's pieces are appended to ``pieces``."""

    def __init__(self, pieces):
        self.pieces = pieces

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
        e = self.expr
        if isinstance(node, ast.Assign):
            return " = ".join([e(t) for t in node.targets] + [e(node.value)])
        if isinstance(node, ast.Expr):
            return e(node.value)
        if isinstance(node, ast.Return):
            return "return " + (e(node.value) if node.value else "")
        if isinstance(node, (ast.For, ast.AsyncFor)):
            return "for {} in {}".format(e(node.target), e(node.iter))
        if isinstance(node, (ast.If, ast.While)):
            return "{} {}".format("if" if isinstance(node, ast.If) else "while", e(node.test))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return "def {}({})".format(node.name, self._arguments(node.args))
        if isinstance(node, (ast.With, ast.AsyncWith)):
            return "with " + ", ".join(e(i.context_expr) + (" as " + e(i.optional_vars) if i.optional_vars else "")
                                       for i in node.items)
        if isinstance(node, ast.Assert):
            return "assert " + e(node.test) + (", " + e(node.msg) if node.msg else "")
        if isinstance(node, ast.Raise):
            return "raise " + (e(node.exc) if node.exc else "")
        if isinstance(node, ast.Match):
            return "match " + e(node.subject)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return "import " + ",".join(sorted(a.name for a in node.names))
        if isinstance(node, ast.Delete):
            return "del " + ", ".join(e(t) for t in node.targets)
        if isinstance(node, ast.Try):
            return "try"
        return type(node).__name__.lower()

    def _arguments(self, args):
        names = [a.arg for a in args.posonlyargs + args.args]
        defaults = [None] * (len(names) - len(args.defaults)) + list(args.defaults)
        out = [n if d is None else n + "=" + self.expr(d) for n, d in zip(names, defaults)]
        if args.vararg:
            out.append("*" + args.vararg.arg)
        out += [a.arg for a in args.kwonlyargs]
        if args.kwarg:
            out.append("**" + args.kwarg.arg)
        return ",".join(out)

    def expr(self, node):
        """Canonical text of an expression (or any node below a statement)."""
        e = self.expr
        kind = type(node)
        if kind is ast.Name:
            return node.id
        if kind is ast.Constant:
            value = node.value
            if type(value) is float and value.is_integer() and abs(value) < 2 ** 53:
                value = int(value)  # 1, 1. and 1.0 are one number
            return repr(value)[:MAX_CONSTANT]
        if kind is ast.Attribute:
            return e(node.value) + "." + node.attr
        if kind is ast.BinOp:
            left, right = e(node.left), e(node.right)
            if isinstance(node.op, _COMMUTATIVE) and right < left:
                left, right = right, left
            return "({}{}{})".format(left, _OPS[type(node.op)], right)
        if kind is ast.UnaryOp:
            return _OPS[type(node.op)] + e(node.operand)
        if kind is ast.Compare and len(node.ops) == 1:
            left, right = e(node.left), e(node.comparators[0])
            op = type(node.ops[0])
            if op in (ast.Eq, ast.NotEq) and right < left:
                left, right = right, left
            return "({}{}{})".format(left, _OPS[op], right)
        if kind is ast.Call:
            parts = [e(a) for a in node.args]
            parts += ["{}={}".format(k.arg, e(k.value)) if k.arg else "**" + e(k.value) for k in node.keywords]
            return "{}({})".format(e(node.func), ",".join(parts))
        if kind is ast.Subscript:
            return "{}[{}]".format(e(node.value), e(node.slice))
        if kind in (ast.Tuple, ast.List, ast.Set):
            brackets = {ast.Tuple: "()", ast.List: "[]", ast.Set: "{}"}[kind]
            return brackets[0] + ",".join(e(i) for i in node.elts) + brackets[1]
        if kind is ast.Dict:
            return "{" + ",".join((e(k) if k is not None else "**") + ":" + e(v)
                                  for k, v in zip(node.keys, node.values)) + "}"
        parts = []
        for field, value in ast.iter_fields(node):
            if field not in ("ctx", "type_comment"):
                for item in value if isinstance(value, list) else [value]:
                    parts.append(e(item) if isinstance(item, ast.AST) else repr(item)[:MAX_CONSTANT])
        return "{}({})".format(type(node).__name__, ",".join(parts))


def _header_end(node):
    """The last line of a statement's header: the line before its body, or its last line."""
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
        return max(node.lineno, body[0].lineno - 1)
    return node.end_lineno or node.lineno
