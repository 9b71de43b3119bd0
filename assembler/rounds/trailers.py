"""The one writer and reader of commit trailers, for every kind of commit the assembler makes.

A round (`Deal:`, `Document:`, `Round:`, `Model:`, `Clause-Library:`, `Docx-SHA256:`, `Inputs:`), a received
counterparty draft (`Received-From:`, `Received-SHA256:`) and an execution (`Executed-On:`) are all commits
whose last paragraph is a trailer block. They are written here and read back with git's own `%(trailers)`
parser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# The digest of a round's inputs (rounds/inputs.py), recorded when building those inputs again prints nothing
# but "up to date": such a build then says so without rendering.
INPUTS = "Inputs"

# git log's format for the trailers of each commit, unfolded, one "Key: value" line each.
LOG_FORMAT = "%H%x1f%(trailers:only,unfold)"

Trailers = dict[str, str]


def one_line(text: str, limit: int = 200) -> str:
    """A value safe for a trailer: whitespace (including newlines) collapsed, length bounded."""
    return " ".join(text.split())[:limit]


def commit_message(subject: str, body: Iterable[str], trailers: Mapping[str, object]) -> str:
    """A commit message: subject line, optional body paragraph(s), then the trailer block."""
    lines = [one_line(subject, 500), ""]
    body = list(body)
    if body:
        lines += [*body, ""]
    lines += [f"{key}: {one_line(str(value))}" for key, value in trailers.items()]
    return "\n".join(lines) + "\n"


def parse_trailer_block(text: str) -> Trailers:
    """`Key: value` lines as git prints them (%(trailers:only,unfold)); the first of a repeated key wins."""
    found: Trailers = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key and " " not in key:
            found.setdefault(key, value.strip())
    return found


def parse_log(raw: str) -> list[tuple[str, Trailers]]:
    """(commit, trailers) for each record of `git log -z --format=LOG_FORMAT`."""
    entries = []
    for record in raw.split("\x00"):
        if "\x1f" in record:
            sha, block = record.split("\x1f", 1)
            entries.append((sha.strip(), parse_trailer_block(block)))
    return entries
