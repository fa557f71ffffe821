"""Training one model with several processes: data parallelism over MPI.

`DataParallel` splits each global batch across the processes started by `mpirun`, sums
their gradients with one Allreduce, and makes N processes compute exactly the updates one
process would. Without MPI it is one replica and changes nothing. Install MPI with
`pip install "tensorgrad[mpi]"` (mpi4py and MPICH; a system MPI also works).

>>> import tensorgrad
>>> strategy = tensorgrad.distribute.DataParallel()
>>> strategy.rank, strategy.size, strategy.is_chief
(0, 1, True)
"""

from tensorgrad.distribute.communicator import LocalCommunicator, MPICommunicator, world
from tensorgrad.distribute.strategy import (
    DataParallel,
    Strategy,
    get_strategy,
    in_scope,
    strategy_for,
)

__all__ = [
    "DataParallel",
    "LocalCommunicator",
    "MPICommunicator",
    "Strategy",
    "get_strategy",
    "in_scope",
    "strategy_for",
    "world",
]
