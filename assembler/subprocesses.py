"""Every external program the assembler starts (pandoc, LibreOffice, the redline engine) runs through here,
with a time budget: on overrun its whole process group is killed and the caller gets a clear error."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence

from assembler.errors import ToolTimeout, tool_timeout


def usable_cpus() -> int:
    """How many CPUs this process may run on (its affinity on Linux, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_bounded(
    command: Sequence[str],
    *,
    tool: str,
    budget: str,
    default_seconds: float,
    hint: str,
    data: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `command` (stdin `data`, output captured) within ASSEMBLER_<BUDGET>_TIMEOUT or `default_seconds`.

    The program gets its own process group, so helpers it starts (LibreOffice's soffice.bin) are stopped too.
    """
    seconds = tool_timeout(budget, default_seconds)
    with subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(data, timeout=seconds)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):  # it may have just ended by itself
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ToolTimeout(tool, seconds, hint) from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
