"""A function as what its results depend on: reordering, extra locals and dead stores undone.

As program-dependence-graph clone detectors do, a function is read as the
values it produces -- what it returns, what it stores into its arguments or
into objects that reach them, what it raises or asserts -- each written out
as one expression with every local replaced by the expression that defined it
("value numbering"). So

* independent statements in another order give the same outputs (an output
  names values, never the order they were computed in);
* an extra local (``t = W @ A; Z = t + b``) reads as ``Z = W @ A + b``;
* a store no output reads, and a container filled but never returned, are
  not outputs at all, however they are written.

Loops and branches stay as context: an output inside ``for l in range(L)``
is prefixed with the loop's iteration, a value carried from one iteration to
the next is ``phi(<its value before the loop>)``, a value set in a branch is
``ifv(<test>, <then>, <else>)``. Values longer than :data:`MAX_INLINE`
characters are named by a hash of their text, so inlining stays linear.
Every output, and each sub-expression of one (a call, an operation, a
subscript, a comparison), is a piece to fingerprint.
"""

import ast
import hashlib
from typing import NamedTuple

from .normalise import statements, walk

MAX_INLINE = 160        # a value's text longer than this is inlined as a hash of it
MAX_SUBTREES = 64       # sub-expressions kept per value (a long chain of locals stays linear)
MIN_SUBTREE = 8         # shorter sub-expressions (``str(l)``) are not pieces of their own


class Value(NamedTuple):
    """A local's current value: its text, the bindings it was computed from, the sub-expressions in it."""

    text: str
    reads: frozenset        # labels of the bindings it depends on (its own included)
    subtrees: frozenset     # (text, lines) of the sub-expressions it was computed with


class Output(NamedTuple):
    """Something a caller can see: its text, what it read, what it mutates (None: always visible)."""

    text: str
    reads: frozenset
    subtrees: frozenset
    lines: tuple
    mutates: frozenset = None   # labels of the local objects it changes; visible when one of them is read


def short(text):
    """``text``, or a hash naming it when it is too long to inline."""
    if len(text) <= MAX_INLINE:
        return text
    return "@" + hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=6).hexdigest()


class Tracker:
    """Name resolution for the serialiser: a local reads as its value, and each read is recorded."""

    def __init__(self, names):
        self.base, self.env = names, {}
        self.reads, self.subtrees = set(), set()
        for attribute in ("function", "node", "numpy_names", "from_numpy", "local", "helpers"):
            setattr(self, attribute, getattr(names, attribute))

    def __call__(self, name):
        value = self.env.get(name)
        if value is None:
            return self.base(name)
        self.reads |= value.reads
        self.subtrees |= value.subtrees
        return value.text

    def start(self):
        self.reads, self.subtrees = set(), set()


class Dependence:
    """The outputs of one function (its body pruned of dead statements already)."""

    def __init__(self, serialiser, tracker):
        self.e, self.t, self.s = serialiser.expr, tracker, serialiser
        self.outputs, self.labels, self.mutated = [], 0, set()

    def run(self, function):
        self.mutated = _mutated(function)
        self.block(function.body, "")
        return self.visible()

    def label(self, name):
        """A new label for a binding of ``name``, when it is an object something changes (else none to track)."""
        if name not in self.mutated:
            return frozenset()
        self.labels += 1
        return frozenset(["{}#{}".format(name, self.labels)])

    # --- values ---------------------------------------------------------------------------------

    def evaluate(self, node, lines, write=None):
        """(text, reads, subtrees) of an expression (or of what ``write()`` writes), its sub-expressions collected."""
        self.t.start()
        collected = []
        self.s.collect = collected
        try:
            text = self.e(node) if write is None else write()
        finally:
            self.s.collect = None
        subtrees = set(self.t.subtrees)
        subtrees.update((c, lines) for c in collected if MIN_SUBTREE <= len(c) <= MAX_INLINE and c[:3] != "(1/")
        if len(subtrees) > MAX_SUBTREES:
            subtrees = set(sorted(subtrees)[:MAX_SUBTREES])
        return text, frozenset(self.t.reads), frozenset(subtrees)

    def bind(self, target, text, reads, subtrees, context, lines):
        """Bind ``target`` to a value; a store into an object is an output that mutates it."""
        kind = type(target)
        if kind is ast.Name:
            self.t.env[target.id] = Value(short(text), reads | self.label(target.id), subtrees)
        elif kind in (ast.Tuple, ast.List):
            for index, item in enumerate(target.elts):
                star = type(item) is ast.Starred
                self.bind(item.value if star else item, "{}#{}{}".format(short(text), "*" if star else "", index),
                          reads, subtrees, context, lines)
        elif kind is ast.Starred:
            self.bind(target.value, text, reads, subtrees, context, lines)
        else:  # a subscript or an attribute: the object changes
            where, where_reads, where_subtrees = self.evaluate(target, lines)
            self.output(context + where + " := " + text, reads | where_reads, subtrees | where_subtrees, lines,
                        self.owner(target))

    def owner(self, node):
        """Labels of the local object ``node`` (``x[...]``, ``x.a``, ``x.append``) belongs to; None: not local."""
        while type(node) in (ast.Subscript, ast.Attribute, ast.Call):
            node = node.func if type(node) is ast.Call else node.value
        if type(node) is ast.Name and node.id in self.t.env:
            return frozenset(r for r in self.t.env[node.id].reads if r.startswith(node.id + "#"))
        return None

    def output(self, text, reads, subtrees, lines, mutates=None):
        self.outputs.append(Output(text, reads, subtrees, lines, mutates or None))

    # --- statements -----------------------------------------------------------------------------

    def block(self, statements, context):
        for statement in statements:
            self.statement(statement, context)

    def statement(self, node, context):
        kind, lines = type(node), _lines(node)
        if kind in (ast.Assign, ast.AnnAssign):
            targets = node.targets if kind is ast.Assign else [node.target]
            if len(targets) == 1 and _pairs(targets[0], node.value):  # a, b = x, y: each its own value
                values = [self.evaluate(v, lines) for v in node.value.elts]
                for target, value in zip(targets[0].elts, values):
                    self.bind(target, *value, context, lines)
                return
            text, reads, subtrees = self.evaluate(node.value, lines)
            for target in targets:
                self.bind(target, text, reads, subtrees, context, lines)
        elif kind is ast.AugAssign:
            text, reads, subtrees = self.evaluate(node, lines, lambda: self.s._product(node.target, node.op,
                                                                                       node.value, node))
            self.bind(node.target, text, reads, subtrees, context, lines)
        elif kind is ast.Expr:
            text, reads, subtrees = self.evaluate(node.value, lines)
            call = node.value
            mutates = self.owner(call.func) if type(call) is ast.Call and type(call.func) is ast.Attribute else None
            self.output(context + text, reads, subtrees, lines, mutates)
        elif kind in (ast.For, ast.AsyncFor, ast.While):
            self.loop(node, context, lines)
        elif kind is ast.If:
            self.branch(node, context, lines)
        elif kind in (ast.With, ast.AsyncWith):
            for item in node.items:
                text, reads, subtrees = self.evaluate(item.context_expr, lines)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, text, reads, subtrees, context, lines)
                else:
                    self.output(context + "with " + text, reads, subtrees, lines)
            self.block(node.body, context)
        elif kind in (ast.Try, getattr(ast, "TryStar", ast.Try)):
            self.block(node.body, context + "try:")
            for handler in node.handlers:
                caught = self.e(handler.type) if handler.type is not None else ""
                self.block(handler.body, context + "except " + caught + ":")
            self.block(node.orelse, context + "try-else:")
            self.block(node.finalbody, context)
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            self.t.env[node.name] = Value(short("def:" + self.s.statement(node)[1]), frozenset(), frozenset())
        elif kind in (ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom, ast.Delete, ast.Pass):
            return
        else:  # return, raise, assert, match and the rest: seen by the caller as they are
            header, reads, subtrees = self.evaluate(node, lines, lambda: self.s._header(node))
            self.output(context + header, reads, subtrees, lines)

    def loop(self, node, context, lines):
        inside = [n for s in node.body + node.orelse for n in walk(s) if type(n) is ast.Name]
        header = [n for part in ((node.test,) if type(node) is ast.While else (node.target, node.iter))
                  for n in walk(part) if type(n) is ast.Name]  # the body is walked once, for both sets
        stored = {n.id for n in inside if type(n.ctx) is ast.Store}
        read = {n.id for n in inside + header if type(n.ctx) is ast.Load}
        for name in sorted(stored & read & set(self.t.env)):  # carried from one iteration to the next
            before = self.t.env[name]
            self.t.env[name] = Value(short("phi(" + before.text + ")"), before.reads | self.label(name),
                                     before.subtrees)
        if type(node) is ast.While:
            test, reads, subtrees = self.evaluate(node.test, lines)
            inner = context + "while[" + test + "]:"
            self.output(inner, reads, subtrees, lines)
        else:
            iteration, reads, subtrees = self.evaluate(node.iter, lines)
            inner = context + "for[" + iteration + "]:"
            self.bind(node.target, "it(" + iteration + ")", reads, subtrees, context, lines)
        self.block(node.body, inner)
        self.block(node.orelse, context + "for-else:")

    def branch(self, node, context, lines):
        test, reads, subtrees = self.evaluate(node.test, lines)
        before = dict(self.t.env)
        self.block(node.body, context + "if[" + test + "]:")
        taken, self.t.env = self.t.env, dict(before)
        self.block(node.orelse, context + "else[" + test + "]:")
        other = self.t.env
        for name in set(taken) | set(other):
            a, b = taken.get(name), other.get(name)
            if a is b:
                continue
            a, b = a or Value("?", frozenset(), frozenset()), b or Value("?", frozenset(), frozenset())
            self.t.env[name] = Value(short("ifv({},{},{})".format(test, a.text, b.text)),
                                     a.reads | b.reads | reads, a.subtrees | b.subtrees | subtrees)

    # --- what a caller sees ---------------------------------------------------------------------

    def visible(self):
        """The outputs a caller can see: those not mutating a local object, and those whose object is read."""
        live = [o.mutates is None for o in self.outputs]
        reached = set()
        for index, o in enumerate(self.outputs):
            if live[index]:
                reached |= o.reads
        changed = True
        while changed:
            changed = False
            for index, o in enumerate(self.outputs):
                if not live[index] and o.mutates & reached:
                    live[index], changed = True, True
                    reached |= o.reads
        return [o for o, keep in zip(self.outputs, live) if keep]


def _mutated(function):
    """Names of the locals something changes in place (``x[i] = ...``, ``x.a = ...``, ``x.append(...)``).

    Only their bindings are tracked for :meth:`Dependence.visible`, so a long
    chain of plain values costs no more than its length. Only statements can
    store or call for nothing, so only they are looked at (not every node).
    """
    roots = []
    for node in statements(function.body):
        kind = type(node)
        if kind in (ast.Assign, ast.AugAssign, ast.AnnAssign):
            for target in node.targets if kind is ast.Assign else [node.target]:
                if type(target) is not ast.Name:
                    roots.extend(t for t in walk(target) if type(t) in (ast.Subscript, ast.Attribute))
        elif kind is ast.Expr and type(node.value) is ast.Call and type(node.value.func) is ast.Attribute:
            roots.append(node.value.func)
    names = set()
    for node in roots:
        while type(node) in (ast.Subscript, ast.Attribute, ast.Call):
            node = node.func if type(node) is ast.Call else node.value
        if type(node) is ast.Name:
            names.add(node.id)
    return names


def _pairs(target, value):
    """Whether ``target = value`` binds item by item (``a, b = x, y``, no starred item)."""
    return type(target) in (ast.Tuple, ast.List) and type(value) in (ast.Tuple, ast.List) and \
        len(target.elts) == len(value.elts) and not any(type(i) is ast.Starred for i in target.elts + value.elts)


def _lines(node):
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
        return (node.lineno, max(node.lineno, body[0].lineno - 1))
    return (node.lineno, node.end_lineno or node.lineno)
