"""A fork server for the fault campaign in test_history_heals.py: the commit part of `build`, run again and
again in forked children that a test hook kills at random moments.

`python tests/fault_driver.py ROOT SPEC` imports the package once, then for each JSON line on stdin
(`{"kill": [STEP, SECONDS] | null, "fault_at": STEP | null, "trace": PATH | null}`) forks a child that
does what `build` does once the document is rendered — under the writer lock (which first heals what an
earlier crash left), tag the rounds a crash left untagged, and commit the round with the real commit
sequence unless a commit already claims it — and answers `{"status": EXIT}` once the child and every git
process it started have ended (-9: the kill landed). SPEC holds a real round as `build` committed it: its
files, message, date and tag. Forking keeps a kill cheap (no interpreter start, no import, no render), so a
default test run can afford a hundred of them.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from assembler.errors import AssemblerError
from assembler.rounds.git import Repository
from assembler.rounds.round import ensure_tags, latest_round, rounds
from assembler.rounds.sequence import record, writing


def commit_round(root: Path, spec: dict[str, Any]) -> None:
    """build's locked part for an already rendered round (`spec`)."""
    repo = Repository.of_workspace(root)
    with writing(repo, 60, spec["branch"]):
        ensure_tags(repo, rounds(repo, spec["deal"]))
        latest = latest_round(repo, spec["deal"], spec["document"])
        if latest is None or latest.number < spec["number"]:
            files = {path: base64.b64decode(data) for path, data in spec["files"].items()}
            record(repo, files, spec["message"], spec["date"], [(spec["tag"][0], spec["tag"][1])])


def _child(root: Path, spec: dict[str, Any], order: dict[str, Any]) -> None:
    for hook in ("ASSEMBLER_KILL_AFTER", "ASSEMBLER_FAULT_TRACE", "ASSEMBLER_FAULT_AT"):
        os.environ.pop(hook, None)
    if order.get("fault_at"):
        os.environ["ASSEMBLER_FAULT_AT"] = order["fault_at"]
    if order.get("kill"):
        step, delay = order["kill"]
        os.environ["ASSEMBLER_KILL_AFTER"] = f"{step}={delay}"
    if order.get("trace"):
        os.environ["ASSEMBLER_FAULT_TRACE"] = order["trace"]
    code = 0
    try:
        commit_round(root, spec)
    except AssemblerError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        code = 1
    except Exception:
        traceback.print_exc()
        code = 3
    sys.stderr.flush()
    os._exit(code)


def wait_for_group(group: int) -> None:
    """A killed child's git processes run on to their end (only the assembler process died); wait for them
    so the test looks at the state the crash really left."""
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.002)


def main() -> None:
    """Serve orders from stdin until it closes."""
    root, spec = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    for line in sys.stdin:
        order = json.loads(line)
        pid = os.fork()
        if pid == 0:
            os.setpgid(0, 0)
            _child(root, spec, order)
        with contextlib.suppress(PermissionError, ProcessLookupError):
            os.setpgid(pid, pid)  # the child does it too; whichever comes first
        _, status = os.waitpid(pid, 0)
        wait_for_group(pid)
        print(json.dumps({"status": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
