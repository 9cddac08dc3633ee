"""Domain errors: what a service raises when a rule says no.

They carry a machine ``code`` and a human ``detail`` and know nothing of
HTTP; the API's exception handler, the admin and the commands each turn them
into their own kind of message.
"""


class DomainError(Exception):
    code = "error"

    def __init__(self, detail, *, code=None, **extra):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request is well formed but the current state forbids it."""

    code = "conflict"


class Invalid(DomainError):
    """Input breaks a rule; ``errors`` maps each field to its messages."""

    code = "validation_error"

    def __init__(self, errors, detail="Invalid input."):
        super().__init__(detail)
        self.errors = {field: list(messages) for field, messages in errors.items()}

    @classmethod
    def field(cls, name, message):
        return cls({name: [message]})


class Unreadable:
    """A value the API could not read as its field, with the ``messages`` saying why.

    Handed on instead of refused where API.md orders that field's check after
    the service's own (a status change's ``driver_name``): the service refuses
    it at that step, and ignores it where the field does not apply.
    """

    def __init__(self, messages):
        self.messages = [str(message) for message in messages]
