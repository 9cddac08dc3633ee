"""Logged exceptions keep their type, database error number and stack, never their message.

Exception messages quote data: MySQL's ``Duplicate entry 'ada@example.com'
for key ...``, a ValueError showing the value it refused. Passengers'
personal data must not reach the logs, so the message is left out; the
request id in the same line leads to the request.
"""
import logging
import traceback


def exception_summary(exc):
    """``module.Type [code]``: what failed, without the message (``code``: a database error number)."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    return name if code is None else f"{name} [{code}]"


def withheld_traceback(exc):
    """The traceback Python would print, causes included, each message replaced."""
    chain = []
    while exc is not None and not any(exc is seen for seen in chain):
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    parts = [
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_tb(link.__traceback__))
        + f"{exception_summary(link)}: (message withheld)"
        for link in reversed(chain)
    ]
    return "\n\nThe above exception led to:\n\n".join(parts)


class WithholdExceptionMessages(logging.Filter):
    """Replace a record's exception by its :func:`withheld_traceback`.

    Formatters print a ready ``exc_text`` as they would the exception; the
    exception object itself is dropped so that no handler can print its message.
    """

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = withheld_traceback(record.exc_info[1])
            record.exc_info = None
        return True
