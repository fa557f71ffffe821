"""Progbar: Keras' progress line; live only on a terminal or in Jupyter."""

from __future__ import annotations

import re

import pytest

from tensorgrad.utils import progbar
from tensorgrad.utils.progbar import Progbar

LINE = re.compile(r"^5/5 \[=+\] - \d+s \d+(s|ms|us)/step - loss: 0\.\d{4} - acc: 0\.5000$")


def test_not_a_terminal_one_plain_line_when_done(capsys):
    bar = Progbar(5)
    for step in range(1, 6):
        bar.update(step, {"loss": 1.0 / step, "acc": 0.5})
    out = capsys.readouterr().out
    assert "\r" not in out and "\b" not in out
    lines = out.splitlines()
    assert len(lines) == 1 and LINE.match(lines[0]), out
    assert lines[0].count("=") == 30


def test_values_are_averaged_unless_stateful(capsys):
    bar = Progbar(2, stateful_metrics=["acc"])
    bar.update(1, {"loss": 1.0, "acc": 0.2})
    bar.update(2, {"loss": 3.0, "acc": 0.6})
    out = capsys.readouterr().out
    assert "loss: 2.0000" in out and "acc: 0.6000" in out


def test_live_bar_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(progbar, "dynamic_display", lambda: True)
    bar = Progbar(4, interval=0.0)
    for step in range(1, 5):
        bar.update(step, {"loss": 0.5})
    out = capsys.readouterr().out
    assert out.count("\r") == 4 and out.endswith("\n")
    assert "ETA" in out and ">" in out


def test_live_bar_redraws_at_most_every_interval(capsys, monkeypatch):
    monkeypatch.setattr(progbar, "dynamic_display", lambda: True)
    bar = Progbar(1000, interval=60.0)
    for step in range(1, 1001):
        bar.update(step, {"loss": 0.5})
    out = capsys.readouterr().out
    assert out.count("\r") <= 2  # the first redraw, then only the final one


def test_jupyter_counts_as_live(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "ipykernel", object())
    assert progbar.dynamic_display()


def test_verbose_2_and_0(capsys):
    bar = Progbar(3, verbose=2)
    bar.update(3, {"loss": 0.25})
    assert re.match(r"^3/3 - \d+s - \d+(s|ms|us)/step - loss: 0\.2500\n$", capsys.readouterr().out)
    Progbar(3, verbose=0).update(3, {"loss": 0.25})
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "seconds, text", [(2.4, "2s/step"), (0.0061, "6ms/step"), (8.5e-5, "85us/step")]
)
def test_format_time(seconds, text):
    assert progbar.format_time(seconds) == text


def test_tiny_values_use_scientific_notation():
    assert progbar.format_value(0.2575) == "0.2575"
    assert progbar.format_value(0.0001234) == "1.2340e-04"
