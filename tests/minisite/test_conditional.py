"""``not_modified``: the one rule for conditional requests, shared by the mini-site and the tests' fixture server."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import Message

import pytest

from defcorpus.minisite.server import not_modified

MODIFIED = datetime(2024, 9, 3, 9, 30, 15, 250_000, tzinfo=UTC)


def _headers(**values: str) -> Message:
    message = Message()
    for name, value in values.items():
        message[name.replace("_", "-")] = value
    return message


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({"If_None_Match": '"v1"'}, True),
        ({"If_None_Match": '"v0", "v1"'}, True),  # a list: any match
        ({"If_None_Match": "*"}, True),
        ({"If_None_Match": '"v0"'}, False),
        # If-None-Match wins: a stale tag is modified even where the date says otherwise
        ({"If_None_Match": '"v0"', "If_Modified_Since": "Tue, 03 Sep 2024 09:30:15 GMT"}, False),
        ({"If_Modified_Since": "Tue, 03 Sep 2024 09:30:15 GMT"}, True),  # to the second
        ({"If_Modified_Since": "Tue, 03 Sep 2024 09:30:14 GMT"}, False),
        ({"If_Modified_Since": "not a date"}, False),
    ],
    ids=["none", "tag", "tag-list", "star", "stale-tag", "tag-wins", "date", "older-date", "bad-date"],
)
def test_a_conditional_request_is_answered_by_rfc_9110(headers: dict[str, str], expected: bool) -> None:
    assert not_modified(_headers(**headers), '"v1"', MODIFIED) is expected


def test_without_a_validator_nothing_is_not_modified() -> None:
    assert not not_modified(_headers(If_None_Match="*"), None, None)
    assert not not_modified(_headers(If_Modified_Since="Tue, 03 Sep 2024 09:30:15 GMT"), None, None)
