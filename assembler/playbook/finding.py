"""A finding: one playbook rule's verdict on a deal, with a stable rule id, a severity and a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["blocking", "warning", "info"]


SEVERITY_ORDER = {"blocking": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """A rule's verdict: `blocking` stops a round being committed; the message says what to do."""

    rule: str
    severity: Severity
    message: str
