"""Progbar: Keras' progress line, `469/469 [=====] - 3s 6ms/step - loss: 0.2575`.

On a terminal or in a Jupyter kernel the line is redrawn in place (at most every
`interval` seconds); anywhere else (a log file, CI, captured output) it is written once,
when done, as one plain line with no carriage returns or backspaces.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any


def dynamic_display() -> bool:
    """True when output can be redrawn in place: a terminal, or a Jupyter kernel."""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        tty = bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        tty = False
    return tty or "ipykernel" in sys.modules


def format_time(seconds: float, unit_name: str = "step") -> str:
    """Time per unit as Keras shows it: `2s/step`, `6ms/step` or `85us/step`.

    >>> format_time(0.0061)
    '6ms/step'
    """
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def format_value(value: float) -> str:
    """A metric value as Keras shows it: 4 decimals, or scientific notation when tiny."""
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _format_eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds) // 3600}:{int(seconds) % 3600 // 60:02d}:{int(seconds) % 60:02d}"
    if seconds > 60:
        return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    return f"{int(seconds)}s"


class Progbar:
    """A progress bar with metric values, as in Keras.

    Args:
        target: total number of steps, or None when unknown.
        width: characters of the bar itself.
        verbose: 0 silent, 1 bar, 2 one short line when done.
        interval: least seconds between two redraws of a live bar.
        stateful_metrics: names whose values are shown as given; others are averaged
            over the steps (weighted by how many steps each update covers).
        unit_name: what a step is called in `6ms/step`.

    >>> bar = Progbar(3)
    >>> for step in range(1, 4):
    ...     bar.update(step, {"loss": 1.0 / step})  # doctest: +ELLIPSIS
    3/3 [==============================] - 0s ...s/step - loss: 0.6111
    """

    def __init__(
        self,
        target: int | None,
        width: int = 30,
        verbose: int = 1,
        interval: float = 0.1,
        stateful_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
    ) -> None:
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self.dynamic = dynamic_display()
        self._values: dict[str, list[float]] = {}  # name -> [weighted sum, weight]
        self._seen = 0
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._drawn_width = 0

    def update(
        self,
        current: int,
        values: Mapping[str, float] | Iterable[tuple[str, float]] | None = None,
        finalize: bool | None = None,
    ) -> None:
        """Record progress up to step `current` with the latest `values`, and draw if due."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if values:
            self._record(current, values)
        self._seen = current
        if not self.verbose:
            return
        now = time.perf_counter()
        if self.verbose == 1 and self.dynamic:
            if not finalize and now - self._last_draw < self.interval:
                return
            line = self._bar_line(current, now, finalize)
            padding = " " * max(self._drawn_width - len(line), 0)
            self._drawn_width = len(line)
            self._write("\r" + line + padding + ("\n" if finalize else ""))
        elif finalize:
            line = (
                self._bar_line(current, now, True)
                if self.verbose == 1
                else self._short_line(current, now)
            )
            self._write(line + "\n")
        self._last_draw = now

    def add(self, n: int, values: Mapping[str, float] | None = None) -> None:
        """Advance by `n` steps."""
        self.update(self._seen + n, values)

    def _record(self, current: int, values: Any) -> None:
        items = values.items() if isinstance(values, Mapping) else values
        weight = max(current - self._seen, 1)
        for name, value in items:
            value = float(value)
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            elif name in self._values:
                total = self._values[name]
                total[0] += value * weight
                total[1] += weight
            else:
                self._values[name] = [value * weight, weight]

    def _metrics_text(self) -> str:
        return "".join(
            f" - {name}: {format_value(total / weight)}"
            for name, (total, weight) in self._values.items()
        )

    def _counter(self, current: int) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = len(str(self.target))
        return f"{current:{digits}d}/{self.target}"

    def _bar_line(self, current: int, now: float, done: bool) -> str:
        line = self._counter(current)
        if self.target is not None:
            fraction = min(current / self.target, 1.0) if self.target else 1.0
            filled = int(self.width * fraction)
            bar = "=" * max(filled - 1, 0)
            if filled:
                bar += "=" if current >= self.target else ">"
            line += " [" + bar + "." * (self.width - filled) + "]"
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        if done:
            line += f" - {elapsed:.0f}s {format_time(per_step, self.unit_name)}"
        elif self.target is not None:
            line += f" - ETA: {_format_eta(per_step * (self.target - current))}"
        return line + self._metrics_text()

    def _short_line(self, current: int, now: float) -> str:
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        return (
            f"{self._counter(current)} - {elapsed:.0f}s - {format_time(per_step, self.unit_name)}"
            + self._metrics_text()
        )

    @staticmethod
    def _write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()
