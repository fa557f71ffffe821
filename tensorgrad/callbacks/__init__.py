"""Callbacks: code that `fit`, `evaluate` and `predict` run at the start and end of each
epoch and batch, with Keras' hooks and names.

`History` records each epoch's logs (fit returns it); `ProgbarLogger` prints progress;
`EarlyStopping` stops when a monitored value stops improving; `TerminateOnNaN` stops when
the loss becomes NaN or infinite; `LambdaCallback` wraps plain functions;
`ReduceLROnPlateau` and `LearningRateScheduler` change the learning rate; `CSVLogger` and
`TensorBoard` write each epoch's logs to a CSV file or to TensorBoard event files. A callback
stops training by setting `self.model.stop_training = True`: fit finishes the current
batch and stops (Keras' behaviour).

>>> from tensorgrad import callbacks
>>> seen = []
>>> cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
>>> cb.on_epoch_end(0, {"loss": 0.5})
>>> seen
[0]
"""

from tensorgrad.callbacks.base import Callback, History
from tensorgrad.callbacks.callback_list import CallbackList
from tensorgrad.callbacks.checkpoints import BackupAndRestore, ModelCheckpoint
from tensorgrad.callbacks.csv_logger import CSVLogger
from tensorgrad.callbacks.lambda_callback import LambdaCallback
from tensorgrad.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from tensorgrad.callbacks.progbar_logger import ProgbarLogger
from tensorgrad.callbacks.stopping import EarlyStopping, TerminateOnNaN
from tensorgrad.callbacks.tensorboard import TensorBoard

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TensorBoard",
    "TerminateOnNaN",
]
