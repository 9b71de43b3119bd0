"""Safe YAML loading (YAML 1.2: `NO` stays a string, `017` is 17, duplicate keys are an error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError


class _DatesAsText(SafeConstructor):
    """Leaves timestamps as text so pydantic validates them and can name the key of a bad date."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


class YamlFileError(ValueError):
    """The file is unreadable or is not valid YAML; the message names the line."""


def _yaml(fast: bool) -> YAML:
    # The C scanner (ruamel.yaml.clib) is 4x faster for the library's many files; the pure-Python one gives
    # the most precise messages, which matter for the hand-edited deal files.
    yaml = YAML(typ="safe", pure=not fast)
    yaml.Constructor = _DatesAsText
    yaml.allow_duplicate_keys = False
    return yaml


def parse_yaml(text: str, name: str, *, fast: bool = False) -> Any:
    """Parse YAML text; `name` is used in error messages."""
    try:
        return _yaml(fast).load(text)
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


def load_yaml(path: Path, name: str | None = None, *, fast: bool = False) -> Any:
    """Read and parse a YAML file."""
    label = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlFileError(f"{label}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlFileError(f"{label}: cannot read ({exc})") from None
    return parse_yaml(text, label, fast=fast)
