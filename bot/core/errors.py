"""Errors whose message is safe and useful to show a runner as it is."""

from __future__ import annotations


class UserFacingError(Exception):
    """A refusal the coach replies with: one line that says what to do instead."""
