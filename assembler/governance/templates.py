"""Static analysis of Legal's Jinja templates: the deal values a clause reads, and the text reachable for
a model and document."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.defaults import DEFAULT_NAMESPACE

from assembler.assembly.localise import context_paths as jurisdiction_paths
from assembler.deals.contract import Deal, term_paths
from assembler.library.loader import Library

# Deal data a clause must never print: the negotiation team's own positions, sign-offs, open asks, known
# constraints and the events log.
INTERNAL_VALUES = ("positions", "approvals", "asks", "constraints", "events")


def context_paths(library: Library) -> set[str]:
    """Every dotted name a clause body may read (see "Values available to a clause" in AUTHORING.md)."""
    paths = {p for p in term_paths(Deal) if p.split(".")[0] not in (*INTERNAL_VALUES, "model")}
    paths |= {
        "model",
        "model.id",
        "model.title",
        "document",
        "document.id",
        "document.title",
        "document.kind",
    }
    paths |= {"milestones", *(f"milestones.{m.id}" for m in library.timeline.milestones), "escalation_date"}
    paths |= jurisdiction_paths()
    return paths


def _chain(node: nodes.Node) -> list[str] | None:
    """`terms.reseller.discount_pct` (or `terms["reseller"]...`) as its parts; None for anything else."""
    parts: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            parts.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            parts.append(node.name)
            return parts[::-1]
        else:
            return None


def template_names(ast: nodes.Template) -> set[str]:
    """The dotted context names a template reads (loop variables, `set` names and Jinja globals excluded)."""
    local = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    local |= {"loop", *DEFAULT_NAMESPACE}
    found: set[str] = set()

    def walk(node: nodes.Node) -> None:
        chain = _chain(node)
        if chain is not None:
            if chain[0] not in local:
                found.add(".".join(chain))
            return
        for child in node.iter_child_nodes():
            walk(child)

    walk(ast)
    return found


def _resolve(name: str, known: set[str], parents: set[str]) -> tuple[str, bool]:
    """(the context value `name` reads, whether it exists). An attribute of a leaf value (a date's `.year`)
    reads that value; an unknown field of a group (`terms.referal_fee_pct`) does not exist."""
    parts = name.split(".")
    for size in range(len(parts), 0, -1):
        prefix = ".".join(parts[:size])
        if prefix in known:
            if size == len(parts) or prefix not in parents:
                return prefix, True
            return ".".join(parts[: size + 1]), False
    return parts[0], False


_UNKNOWN: Any = object()


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: bool(a == b),
    "ne": lambda a, b: bool(a != b),
    "in": lambda a, b: a in b,
    "notin": lambda a, b: a not in b,
}


def _value(node: nodes.Node, facts: dict[str, str]) -> Any:
    """The value of a test expression given the model/document facts, or _UNKNOWN when it depends on the
    deal (then both branches may be taken)."""
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.List | nodes.Tuple):
        items = [_value(item, facts) for item in node.items]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    chain = _chain(node)
    if chain is not None:
        return facts.get(".".join(chain), _UNKNOWN)
    if isinstance(node, nodes.Not):
        inner = _value(node.node, facts)
        return _UNKNOWN if inner is _UNKNOWN else not inner
    if isinstance(node, nodes.And | nodes.Or):
        left, right = _value(node.left, facts), _value(node.right, facts)
        deciding = not isinstance(node, nodes.And)  # a False decides an `and`, a True decides an `or`
        for side in (left, right):
            if side is not _UNKNOWN and bool(side) is deciding:
                return deciding
        return _UNKNOWN if _UNKNOWN in (left, right) else right
    if isinstance(node, nodes.Compare):
        left = _value(node.expr, facts)
        for operand in node.ops:
            right = _value(operand.expr, facts)
            if left is _UNKNOWN or right is _UNKNOWN:
                return _UNKNOWN
            compare = _COMPARISONS.get(operand.op)
            if compare is None:
                return _UNKNOWN
            if not compare(left, right):
                return False
            left = right
        return True
    return _UNKNOWN


def _reachable_text(node: nodes.Node, facts: dict[str, str]) -> Iterator[str]:
    """The literal text of a template that can appear in a document with these facts."""
    if isinstance(node, nodes.TemplateData):
        yield node.data
        return
    if isinstance(node, nodes.If):
        decided = False
        for branch in (node, *node.elif_):
            value = _value(branch.test, facts)
            if value is not _UNKNOWN and not value:
                continue
            for child in branch.body:
                yield from _reachable_text(child, facts)
            if value is not _UNKNOWN:
                decided = True
                break
        if not decided:
            for child in node.else_:
                yield from _reachable_text(child, facts)
        return
    for child in node.iter_child_nodes():
        yield from _reachable_text(child, facts)
