"""Communicators: the few collective operations data-parallel training needs.

`MPICommunicator` wraps an mpi4py communicator (MPI_COMM_WORLD by default) and uses its
buffer interface (upper-case methods: no pickling) for arrays. `LocalCommunicator` is the
one-process stand-in: every collective is the identity, and it needs no mpi4py, so code
written for N processes runs unchanged in a plain `python` session.

`world()` picks one: MPI when mpi4py is installed, the local stand-in otherwise, except
that a process started by a launcher for several processes (mpirun, srun) without mpi4py
gets an error instead of silently training alone.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

# Set by the launchers of MPICH/Intel MPI (PMI), Open MPI and Slurm in every process.
_LAUNCHER_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "SLURM_NTASKS")


class LocalCommunicator:
    """One process alone: rank 0 of 1; reductions and broadcasts leave the data as it is."""

    rank = 0
    size = 1
    library = "none (one process)"

    def allreduce_sum(self, buffer: np.ndarray) -> None:
        """Sum `buffer` over all processes, in place (here: nothing to add)."""

    def bcast_array(self, array: np.ndarray, root: int = 0) -> None:
        """Overwrite `array` with the root's values, in place."""

    def bcast_object(self, obj: Any, root: int = 0) -> Any:
        """The root's `obj` (any picklable value)."""
        return obj

    def allgather_object(self, obj: Any) -> list[Any]:
        """Every process's `obj`, in rank order."""
        return [obj]

    def barrier(self) -> None:
        """Wait until every process gets here."""

    def abort(self, code: int = 1) -> None:
        """Stop every process at once (here: this one)."""
        os._exit(code)


class MPICommunicator:
    """Collectives over an mpi4py communicator (`MPI.COMM_WORLD` unless one is given).

    Array collectives go through mpi4py's buffer methods (`Allreduce`, `Bcast`) on
    contiguous NumPy arrays, so no data is pickled on the training path.
    """

    def __init__(self, comm: Any = None) -> None:
        from mpi4py import MPI

        self._MPI = MPI
        self.comm = MPI.COMM_WORLD if comm is None else comm
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.library = MPI.Get_library_version().strip().splitlines()[0]

    def allreduce_sum(self, buffer: np.ndarray) -> None:
        """Sum a contiguous `buffer` over all processes, in place (one MPI_Allreduce)."""
        self.comm.Allreduce(self._MPI.IN_PLACE, buffer, op=self._MPI.SUM)

    def bcast_array(self, array: np.ndarray, root: int = 0) -> None:
        """Overwrite a contiguous `array` with the root's values, in place."""
        self.comm.Bcast(array, root=root)

    def bcast_object(self, obj: Any, root: int = 0) -> Any:
        """The root's `obj` (pickled), on every process."""
        return self.comm.bcast(obj, root=root)

    def allgather_object(self, obj: Any) -> list[Any]:
        """Every process's `obj` (pickled), in rank order."""
        return self.comm.allgather(obj)

    def barrier(self) -> None:
        self.comm.Barrier()

    def abort(self, code: int = 1) -> None:
        """MPI_Abort: the launcher stops every process of the job."""
        self.comm.Abort(code)


def launcher_size() -> int:
    """How many processes a launcher says it started (1 when none did)."""
    for name in _LAUNCHER_SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def world(comm: Any = None) -> Any:
    """The communicator of all processes: MPI when mpi4py is installed, else one process.

    Args:
        comm: an mpi4py communicator to use instead of MPI_COMM_WORLD, or an object with
            the methods of `LocalCommunicator` (used as it is).

    Raises:
        RuntimeError: the process was started as one of several (mpirun -n 2 ...) but
            mpi4py cannot be imported, so the processes could not train together.
    """
    if comm is not None:
        return comm if hasattr(comm, "allreduce_sum") else MPICommunicator(comm)
    try:
        import mpi4py.MPI  # noqa: F401  (initialises MPI)
    except ImportError as error:
        size = launcher_size()
        if size > 1:
            raise RuntimeError(
                f"DataParallel: this process is one of {size} started by a launcher, but "
                f"mpi4py cannot be imported ({error}); install it with "
                f'pip install "tensorgrad[mpi]" (or pip install mpi4py against your MPI)'
            ) from None
        return LocalCommunicator()
    return MPICommunicator()
