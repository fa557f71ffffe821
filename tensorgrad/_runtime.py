"""Process settings tensorgrad makes before NumPy loads its BLAS library.

OpenBLAS keeps its idle threads spinning for about a tenth of a second after every call.
Training alternates matrix products with element-wise work, so on a small machine those
spinning threads take a core away from the element-wise passes and the optimizer's
threads: fit runs 20-30% slower at batch sizes 32 to 128 on two cores. A short spin (2**18
cycles, about the wait OpenMP uses by default) gives the core back. The setting only takes
effect if NumPy has not been imported yet, and a value already in the environment wins;
the thread count is left at the BLAS library's default.
"""

import os
import sys

if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "18")
