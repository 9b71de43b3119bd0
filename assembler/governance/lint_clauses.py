"""The part of `library lint` that looks at one clause file at a time: parse it, parse its templates (the
body and each fallback) and find red-flag language in it. Each file's result depends on that file alone, so
a large library is split over processes (one per CPU), and the results come back in file order: the same
results, in the same order, as one process gives.
"""

from __future__ import annotations

import concurrent.futures
import functools
import multiprocessing
from dataclasses import dataclass

import jinja2
from jinja2 import nodes

from assembler.assembly.sandbox import sandbox
from assembler.governance.templates import template_names
from assembler.library.loader import AUTHORING, Clause, read_clause_file
from assembler.library.patterns import RedFlagPatterns
from assembler.subprocesses import usable_cpus

# Below this many clause files, starting processes costs more than it saves.
PARALLEL_FROM = 300


@dataclass(frozen=True)
class ClauseTemplate:
    """One template of a clause that parses: where it is, its text and the context names it reads."""

    where: str  # "the body" or "fallback <id>"
    text: str
    names: tuple[str, ...]  # sorted


@dataclass(frozen=True)
class ClauseWork:
    """What lint learns from one clause file on its own."""

    source: str
    clause: Clause | str  # the clause, or the problem line saying why the file does not parse
    problems: list[str]  # its templates' problems, in template order
    templates: list[ClauseTemplate]
    hits: list[tuple[str, str]]  # (red-flag pattern id, first passage it matched), in the order found


@functools.cache
def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    """A plain Jinja environment to parse with, and the sandbox whose filters and tests clauses may use."""
    return jinja2.Environment(), sandbox("USD")


def _templates(clause: Clause) -> tuple[list[str], list[ClauseTemplate]]:
    env, real = _environments()
    problems, parsed = [], []
    sources = [("the body", clause.body), *((f"fallback {f.id}", f.text) for f in clause.meta.fallbacks)]
    for where, text in sources:
        try:
            ast = env.parse(text)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(
                f"{clause.path}: template syntax error in {where}, line {exc.lineno}: {exc.message}; "
                "fix the Jinja tag"
            )
            continue
        for node in ast.find_all((nodes.Filter, nodes.Test)):
            table = real.filters if isinstance(node, nodes.Filter) else real.tests
            if node.name not in table:
                kind = "filter" if isinstance(node, nodes.Filter) else "test"
                problems.append(
                    f"{clause.path}: {where} uses the {kind} {node.name!r}, which does not exist; "
                    f"use one listed in {AUTHORING} (Filters) or a Jinja built-in"
                )
        parsed.append(ClauseTemplate(where, text, tuple(sorted(template_names(ast)))))
    return problems, parsed


def _hits(clause: Clause, patterns: RedFlagPatterns) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for text in [clause.meta.title, clause.body, *(f.text for f in clause.meta.fallbacks)]:
        for item, passage in patterns.matches(text):
            found.setdefault(item.id, passage)
    return list(found.items())


def clause_work(items: list[tuple[str, bytes]], patterns: RedFlagPatterns | None) -> list[ClauseWork]:
    """Each clause file's result, in the order given (`patterns`: None when they do not load)."""
    results = []
    for source, data in items:
        clause = read_clause_file(source, data)
        if isinstance(clause, str):
            results.append(ClauseWork(source, clause, [], [], []))
            continue
        problems, templates = _templates(clause)
        hits = _hits(clause, patterns) if patterns is not None else []
        results.append(ClauseWork(source, clause, problems, templates, hits))
    return results


def lint_workers(files: int, workers: int | None = None) -> int:
    """How many processes lint `files` clause files: `workers` when given, else one per CPU this process
    may use for a large library and one for a small one."""
    if workers is None:
        if files < PARALLEL_FROM:
            return 1
        workers = usable_cpus()
    return max(1, min(workers, files))


def clauses_work(
    files: dict[str, bytes], patterns: RedFlagPatterns | None, workers: int | None = None
) -> list[ClauseWork]:
    """Every clause file's result, in path order, `lint_workers` processes at a time."""
    items = sorted(files.items())
    count = lint_workers(len(items), workers)
    if count == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return clause_work(items, patterns)
    # A few chunks per process even out clauses of different sizes; each chunk keeps its files in order.
    size = -(-len(items) // (count * 4))
    chunks = [items[at : at + size] for at in range(0, len(items), size)]
    context = multiprocessing.get_context("fork")  # the children start with the library already imported
    with concurrent.futures.ProcessPoolExecutor(count, mp_context=context) as pool:
        done = pool.map(clause_work, chunks, [patterns] * len(chunks))
        return [result for chunk in done for result in chunk]
