"""Running a command as a benchmark measures it: wall time and memory of its whole process tree.

Memory is the peak, sampled every 50 ms, of the proportional set sizes (PSS) of the process and
all its descendants: a page shared among them — the Sudachi dictionary mlq's workers map — is
counted once, shared out, not once a process as summed resident sets would. Beside it, the
largest resident set of any one process (``ru_maxrss`` from ``wait4``, what `/usr/bin/time`
reports). And CPU time: the whole tree's (``wait4``: the process and the workers it waited
for) and the first process's own, sampled with the memory (what a parallel build's parent
spends gathering its workers' results).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from typing import NamedTuple


class Measured(NamedTuple):
    seconds: float
    #: Peak PSS of the process tree, MB.
    peak_mb: float
    #: Largest resident set of any one of its processes, MB.
    largest_mb: float
    stdout: str
    returncode: int
    #: CPU seconds of the process and the descendants it waited for.
    cpu: float = 0.0
    #: CPU seconds of the process alone, as last sampled (up to 50 ms before its end).
    own_cpu: float = 0.0


def tree_pss_kb(root: int) -> int:
    """The proportional set size of process ``root`` and its descendants, in kB."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grown = {root}, True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
        except (OSError, ValueError):
            continue
    return total


def own_cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of process ``pid`` alone so far (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14 and 15


def run_measured(command: list[str], env: dict[str, str] | None = None, check: bool = True) -> Measured:
    """Run ``command`` to its end, measured; with ``check``, exit on a status other than 0 or 1."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, own, done = 0, 0.0, threading.Event()
    out: list[str] = []
    err: list[str] = []

    def sample() -> None:
        nonlocal peak, own
        while not done.is_set():
            peak = max(peak, tree_pss_kb(process.pid))
            own = max(own, own_cpu_seconds(process.pid) or 0.0)
            time.sleep(0.05)

    threads = [
        threading.Thread(target=sample, daemon=True),
        threading.Thread(target=lambda: out.append(process.stdout.read()), daemon=True),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err.append(process.stderr.read()), daemon=True),  # type: ignore[union-attr]
    ]
    for thread in threads:
        thread.start()
    # wait4, not wait: its usage is this process's and its workers', for this run alone.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    for thread in threads:
        thread.join()
    if check and process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command[:4])}…: {''.join(err).strip()[-500:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(seconds, peak / 1024, usage.ru_maxrss / 1024, "".join(out), process.returncode, cpu, own)
