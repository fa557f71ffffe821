"""Stopping every process when one fails, instead of leaving the others waiting forever.

In data-parallel training every process meets the others at each step's Allreduce. If one
process raises and exits, the rest would wait in that Allreduce for ever. The hook below
prints the error as Python would, then calls MPI_Abort, and the launcher (mpirun) stops
every process of the job with a non-zero exit status.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

_installed: list[Any] = []


def abort_on_uncaught_exception(communicator: Any) -> None:
    """Make an uncaught exception in this process stop all processes (installed once).

    Exceptions the program catches itself are left alone: a process that catches an error
    and carries on alone must stop its peers itself (`communicator.abort()`).
    """
    if _installed:
        return
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        previous(kind, value, tb)
        sys.stderr.write(
            f"tensorgrad.distribute: rank {communicator.rank} of {communicator.size} stopped "
            f"on {kind.__name__}; aborting all ranks\n"
        )
        sys.stdout.flush()
        sys.stderr.flush()
        # MPI_Abort makes the launcher kill every process at once, possibly before it has
        # passed on what this one just wrote: give it a moment to forward the message.
        time.sleep(0.2)
        communicator.abort(1)

    sys.excepthook = hook
    _installed.append(hook)
