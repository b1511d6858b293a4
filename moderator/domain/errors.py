"""Errors a service raises when a request cannot be carried out; nothing is written then."""

from __future__ import annotations


class ServiceError(ValueError):
    """A request that makes no sense for the data as it stands; the message says why."""


class NotFoundError(ServiceError):
    """A comment, article or profile id that does not exist."""


class TransitionError(ServiceError):
    """A decision that does not apply to a comment in its present state."""


class MissingInputError(ServiceError):
    """A decision that lacks something it needs, such as the reason for hiding."""


class ConflictError(TransitionError):
    """A decision on a comment that someone else changed after the decider last saw it."""
