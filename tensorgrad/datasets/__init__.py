"""Datasets in the ``keras.datasets`` style: ``mnist`` and ``fashion_mnist``.

``mnist.load_data()`` and ``fashion_mnist.load_data()`` return
``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, exactly as Keras does.
Files are looked up locally first (``path=``, the cache under
``$TENSORGRAD_HOME``, ``$TENSORGRAD_DATA_PATH``, system data directories) and
downloaded only as a last resort; every file is verified before use.
``load_idx`` reads any IDX file, compressed or not.
"""

from tensorgrad.datasets import boston_housing, cifar10, cifar100, fashion_mnist, mnist
from tensorgrad.datasets.cache import CorruptFileError, DatasetError, DatasetNotFoundError
from tensorgrad.datasets.idx import IdxError, load_idx

__all__ = [
    "CorruptFileError",
    "DatasetError",
    "DatasetNotFoundError",
    "IdxError",
    "boston_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "load_idx",
    "mnist",
]
