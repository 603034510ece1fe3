"""`core.http.is_id`: what a form or query string may pass as a database id (ASCII digits, 1 to 18 of
them). `str.isdigit()` also takes "١٢" and "²", which then reach `int()` or the database."""

from __future__ import annotations

import pytest

from core.http import is_id


@pytest.mark.parametrize("value", ["1", "42", "007", "9" * 18])
def test_ascii_digits_are_ids(value):
    assert is_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "9" * 19,
        "١٢",
        "²",
        "٣",
        "１２",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1.0",
        "1e3",
        "0x1",
        "abc",
        None,
        12,
        1.0,
        b"12",
    ],
)
def test_anything_else_is_not(value):
    assert not is_id(value)
