"""Errors whose message is safe and useful to show a runner as it is."""

from __future__ import annotations


class UserFacingError(Exception):
    """A refusal the coach replies with: one line that says what to do instead."""


class DeliveryError(Exception):
    """A message the bot started (a reminder) could not be delivered."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: a rate limit, a timeout, the platform briefly down."""


class RecipientUnreachable(DeliveryError):
    """Never worth retrying: the user blocked the bot, left, or cannot be messaged."""


class ModelError(Exception):
    """The language model could not answer; the coach falls back to its vetted entries."""


class ModelTimeout(ModelError):
    """The answer took longer than the configured limit."""


class ModelUnavailable(ModelError):
    """The model could not be loaded or reached (a missing file, a server that is down)."""


class ModelBusy(ModelError):
    """The model could not start on this question soon enough (others are ahead of it): the
    runner is answered from the notes at once rather than kept waiting."""
