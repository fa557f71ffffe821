"""Runnable examples from the book, each also a command.

``tensorgrad.examples.mnist`` is chapter 2's first network, the ``tensorgrad-mnist``
command (``python -m tensorgrad.examples.mnist --help``).
"""
