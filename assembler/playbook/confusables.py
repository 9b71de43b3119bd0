"""Unicode TS #39 confusable detection on Unicode's own data: skeleton() and the Script property.

The tables are Unicode's files, vendored verbatim in playbook/unicode/ (confusables.txt from the security
data, Scripts.txt from the UCD) with Unicode's licence; unicode/README.md says how to refresh them. They are
read once per process. Python's `unicodedata` has no Script property and no confusables, hence the files.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from importlib import resources

# Scripts a character shares with every other script (TS #39 counts them as part of any script).
SHARED_SCRIPTS = frozenset({"Common", "Inherited"})


def _data(name: str) -> str:
    return resources.files("assembler.playbook").joinpath("unicode", name).read_text(encoding="utf-8")


def _code_points(field: str) -> str:
    return "".join(chr(int(point, 16)) for point in field.split())


@functools.cache
def prototypes() -> dict[str, str]:
    """confusables.txt as a map from each source character to its prototype string."""
    table: dict[str, str] = {}
    for line in _data("confusables.txt").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) >= 2 and fields[0].strip():
            table[_code_points(fields[0])] = _code_points(fields[1])
    return table


@functools.cache
def _script_ranges() -> tuple[list[int], list[int], list[str]]:
    rows: list[tuple[int, int, str]] = []
    for line in _data("Scripts.txt").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) == 2 and fields[0].strip():
            first, _, last = fields[0].strip().partition("..")
            rows.append((int(first, 16), int(last or first, 16), fields[1].strip()))
    rows.sort()
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def script(char: str) -> str:
    """The Unicode Script property of one character ("Latin", "Cyrillic", "Han", "Common", ...);
    "Unknown" for an unassigned code point."""
    starts, ends, names = _script_ranges()
    at = bisect.bisect_right(starts, ord(char)) - 1
    return names[at] if at >= 0 and ord(char) <= ends[at] else "Unknown"


def skeleton(text: str) -> str:
    """The TS #39 skeleton: NFD, each character replaced by its confusables.txt prototype, NFD again.
    Two strings are confusable when their skeletons are equal."""
    table = prototypes()
    mapped = "".join(table.get(char, char) for char in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


def data_version(name: str) -> str:
    """The Unicode version a vendored data file states in its header ("18.0.0")."""
    header = _data(name)[:2000]
    found = re.search(r"^# (?:Version: |Scripts-)(\d+\.\d+\.\d+)", header, re.MULTILINE)
    return found.group(1) if found else "unknown"


def shown(char: str) -> str:
    """A code point as a finding names it: U+0410 CYRILLIC CAPITAL LETTER A."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"
