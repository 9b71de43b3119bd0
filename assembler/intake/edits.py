"""A received tracked change, re-applied to a clause's Markdown.

Word gives us the changed paragraph as plain text before and after the change; the clause is Markdown (with
escapes, emphasis, `[[ref:...]]` cross-references and, in library text, Jinja). The paragraph's words are
aligned with the Markdown's tokens, and only the changed words are replaced, so the rest of the clause — its
markup, references and template code — stays as it was.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass

from assembler.assembly import markdown

_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")
_REF = re.compile(r"\[\[ref:([a-z0-9-]+)(?:\.([1-9][0-9]*))?\]\]")
# "Section 9" and "Section 9.2" are one word: they are what one `[[ref:...]]` prints.
_PLAIN_WORD = re.compile(r"Section \d+(?:\.\d+)?[^\s]*|\S+")
# A token runs to the next space outside template tags, so `notice.{% if x %}` is one token reading "notice.".
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_MD_TOKEN = re.compile(r"(?:\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\S)+", re.S)
_LIST_MARK = re.compile(r"^\(([a-z]{1,3}|[ivxl]+)\)$")
_TYPOGRAPHIC = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "}
)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    plain: str


def words(text: str) -> list[str]:
    """A paragraph's words as Word shows them ("Section 9" counted as one)."""
    return _PLAIN_WORD.findall(text.translate(_TYPOGRAPHIC))


def _plain_token(token: str, numbers: dict[str, int]) -> str:
    def section(match: re.Match[str]) -> str:
        number = numbers.get(match.group(1))
        if number is None:
            return match.group(0)
        return f"Section {number}" + (f".{match.group(2)}" if match.group(2) else "")

    token = _JINJA.sub("", token)
    token = _REF.sub(section, token)
    token = re.sub(r"\*+", "", token)
    token = re.sub(r"\\(.)", r"\1", token)
    return token.translate(_TYPOGRAPHIC)


def _tokens(text: str, start: int, end: int, numbers: dict[str, int]) -> list[_Token]:
    found = []
    for match in _MD_TOKEN.finditer(text, start, end):
        plain = _plain_token(match.group(0), numbers)
        if not plain or _LIST_MARK.match(plain):
            continue  # template code prints no word of its own; Word numbers list items ("(a)") itself
        found.append(_Token(match.start(), match.end(), plain))
    return found


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every block and of every line of a multi-line block (list items are paragraphs)."""
    spans, position = [], 0
    for piece in [*_BLOCK_BREAK.split(text)]:
        start = text.index(piece, position)
        end = start + len(piece)
        position = end
        if piece.strip():
            spans.append((start, end))
            if "\n" in piece.strip():
                offset = start
                for line in piece.split("\n"):
                    if line.strip():
                        spans.append((offset, offset + len(line)))
                    offset += len(line) + 1
    return spans


def _matched(tokens: list[_Token], target: list[str]) -> int:
    matcher = difflib.SequenceMatcher(None, [t.plain for t in tokens], target, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def _best_span(text: str, before: list[str], numbers: dict[str, int]) -> tuple[int, int] | None:
    """The block (or list line) of `text` whose words best match the paragraph before the change."""
    best, best_score = None, (0.0, 0.0)
    for start, end in _spans(text):
        tokens = _tokens(text, start, end, numbers)
        if not tokens:
            continue
        matched = _matched(tokens, before)
        # Most of the paragraph's words found in the block first; then the block made of little else.
        score = (round(matched / len(before), 6), matched / len(tokens))
        if score > best_score:
            best, best_score = (start, end), score
    return best if best is not None and best_score[0] >= 0.6 else None


def markdown_words(new: list[str], numbers: dict[str, int]) -> str:
    """Received words as Markdown: escaped, and "Section N" written back as the reference it stands for."""
    by_number = {f"Section {n}": clause_id for clause_id, n in numbers.items()}
    out = []
    for word in new:
        match = re.match(r"(Section \d+)(?:\.(\d+))?(.*)$", word)
        if match and match.group(1) in by_number:
            sub = f".{match.group(2)}" if match.group(2) else ""
            out.append(f"[[ref:{by_number[match.group(1)]}{sub}]]" + safe(match.group(3)))
        else:
            out.append(safe(word))
    return " ".join(out)


def safe(text: str) -> str:
    """Escaped Markdown that is also never Jinja: `{%` would open a tag even with its brace escaped."""
    return markdown.escape(text).replace("{%", "{\\%")


def apply_change(text: str, before: str, after: str, numbers: dict[str, int]) -> str | None:
    """`text` with the paragraph `before` changed to `after`, or None when the paragraph is not found."""
    old, new = words(before), words(after)
    if not old:
        return None  # a new paragraph: where it goes is not known from the text alone
    span = _best_span(text, old, numbers)
    if span is None:
        return None
    start, end = span
    if not new:  # the whole paragraph deleted
        head, tail = text[:start].rstrip(" \t\n"), text[end:].lstrip(" \t\n")
        joiner = "\n\n" if "\n\n" in text[max(0, start - 2) : start] + text[end : end + 2] else "\n"
        return (head + joiner + tail if head and tail else head or tail).strip("\n") + "\n"
    tokens = _tokens(text, start, end, numbers)
    aligned = difflib.SequenceMatcher(None, [t.plain for t in tokens], old, autojunk=False)
    token_of: dict[int, int] = {}
    for block in aligned.get_matching_blocks():
        for k in range(block.size):
            token_of[block.b + k] = block.a + k
    same: dict[int, int] = {}  # old word → new word, where the change left it as it was
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            same.update({i1 + k: j1 + k for k in range(i2 - i1)})
    # Anchors: words unchanged by the edit and found in the Markdown. Between two anchors, the Markdown is
    # replaced by the new words when the change touched that stretch; everything else stays byte for byte.
    stable = [i for i in sorted(same) if i in token_of]
    anchors = [-1, *stable, len(old)]
    new_index = {-1: -1, len(old): len(new), **same}
    edits: list[tuple[int, int, str]] = []
    for a, b in itertools.pairwise(anchors):
        old_part, new_part = old[a + 1 : b], new[new_index[a] + 1 : new_index[b]]
        if old_part == new_part:
            continue
        first = token_of[a] + 1 if a >= 0 else 0
        last = token_of[b] if b < len(old) else len(tokens)
        replacement = markdown_words(new_part, numbers)
        if first < last:
            edits.append((tokens[first].start, tokens[last - 1].end, replacement))
        elif a >= 0:
            position = tokens[token_of[a]].end
            edits.append((position, position, " " + replacement if replacement else ""))
        elif tokens:
            position = tokens[0].start
            edits.append((position, position, replacement + " " if replacement else ""))
        else:
            return None
    for edit_start, edit_end, replacement in sorted(edits, reverse=True):
        if not replacement and edit_start > 0 and text[edit_start - 1] == " ":
            edit_start -= 1  # a deleted word takes its space with it
        text = text[:edit_start] + replacement + text[edit_end:]
    return text
