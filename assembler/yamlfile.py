"""Safe YAML loading (YAML 1.2: `NO` stays a string, `017` is 17, duplicate keys are an error).

Every file is held to budgets before anything is built from it: its size, its node count with aliases
expanded (a "billion laughs" alias bomb is a few hundred bytes), its nesting depth and the length of each
scalar (a 10,000-digit integer would crash the int conversion).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)
from ruamel.yaml.reader import ReaderError

from assembler.safe_files import FileRefused, read_regular_file


class _DatesAsText(SafeConstructor):
    """Leaves timestamps as text so pydantic validates them and can name the key of a bad date."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


class YamlFileError(ValueError):
    """The file is unreadable or is not valid YAML; the message names the line."""


MAX_YAML_BYTES = 1024 * 1024  # the largest library file is under 20 KB


MAX_YAML_NODES = 50_000  # scalars and collections, counting every alias as the nodes it stands for


MAX_YAML_DEPTH = 32  # deal.yaml nests 4 levels deep


MAX_SCALAR_CHARS = 100_000  # one value; the deal model's own per-field limits are far tighter


def _check_budgets(yaml: YAML, text: str, name: str) -> None:
    """Walk the parse events (no objects are built) and refuse a file over any budget."""
    nodes, depth = 0, 0
    sizes: dict[str, int] = {}  # anchor -> nodes in the anchored subtree
    open_anchors: list[tuple[str | None, int]] = []
    for event in yaml.parse(text):
        if isinstance(event, AliasEvent):
            nodes += sizes.get(str(event.anchor), 1)
        elif isinstance(event, NodeEvent):
            nodes += 1
        if isinstance(event, ScalarEvent):
            if len(event.value) > MAX_SCALAR_CHARS:
                raise _over(
                    name, event, f"a value of {len(event.value)} characters (limit {MAX_SCALAR_CHARS})"
                )
            if event.anchor:
                sizes[str(event.anchor)] = 1
        elif isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _over(name, event, f"nesting deeper than {MAX_YAML_DEPTH} levels")
            open_anchors.append((event.anchor, nodes))
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
            anchor, start = open_anchors.pop()
            if anchor:
                sizes[str(anchor)] = nodes - start + 1
        if nodes > MAX_YAML_NODES:
            raise _over(name, event, f"more than {MAX_YAML_NODES} values (aliases expanded)")


def _over(name: str, event: object, what: str) -> YamlFileError:
    mark = getattr(event, "start_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return YamlFileError(f"{name}: {where}{what}; the file is over budget, simplify it")


def _yaml(fast: bool) -> YAML:
    # The C scanner (ruamel.yaml.clib) is 4x faster for the library's many files; the pure-Python one gives
    # the most precise messages, which matter for the hand-edited deal files.
    yaml = YAML(typ="safe", pure=not fast)
    yaml.Constructor = _DatesAsText
    yaml.allow_duplicate_keys = False
    return yaml


# One command reads the same deal file several times (validation, wording, approvals): each text is parsed
# once per process and handed out as a deep copy, so no caller sees another's changes.
_PARSED: dict[tuple[str, bool], Any] = {}
_PARSED_LIMIT = 256


def parse_yaml(text: str, name: str, *, fast: bool = False) -> Any:
    """Parse YAML text within the budgets; `name` is used in error messages."""
    key = (text, fast)
    if key in _PARSED:
        return copy.deepcopy(_PARSED[key])
    value = _parse_yaml(text, name, fast)
    if len(_PARSED) >= _PARSED_LIMIT:
        _PARSED.clear()
    _PARSED[key] = value
    return copy.deepcopy(value)


def _parse_yaml(text: str, name: str, fast: bool) -> Any:
    if len(text) > MAX_YAML_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise YamlFileError(f"{name}: the file is over {MAX_YAML_BYTES} bytes; it cannot be this large")
    try:
        yaml = _yaml(fast)
        _check_budgets(yaml, text, name)
        return yaml.load(text)
    except YamlFileError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in problem:
            problem = problem.split(" with value")[0]
        raise YamlFileError(f"{name}: {where}: {problem}") from None
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise YamlFileError(
            f"{name}: line {line}, column {column}: the control character U+{exc.character:04X} is not "
            "allowed; remove it"
        ) from None
    except YAMLError as exc:
        raise YamlFileError(f"{name}: {str(exc).splitlines()[0]}") from None
    except ValueError:  # an integer of more digits than Python converts (over 4300)
        raise YamlFileError(f"{name}: a number has too many digits to be read; shorten it") from None


def load_yaml(path: Path, name: str | None = None, *, fast: bool = False) -> Any:
    """Read and parse a YAML file."""
    label = name or str(path)
    try:
        text = read_regular_file(path, MAX_YAML_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise YamlFileError(f"{label}: file not found") from None
    except FileRefused as exc:
        raise YamlFileError(f"{label}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlFileError(f"{label}: cannot read ({exc})") from None
    return parse_yaml(text, label, fast=fast)


def edit_yaml(text: str, change: Callable[[Any], None]) -> str:
    """`text` (an already validated file) loaded round trip, changed in place by `change`, dumped in the house
    layout of deal files, so comments, quotes and untouched lines come back as they were and a commit of the
    edit shows only what changed."""
    yaml = YAML(typ="rt")
    yaml.width = 110
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)  # "  - item" under a key
    data = yaml.load(text)
    change(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
