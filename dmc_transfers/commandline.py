"""What every management command shares: argument types, errors, progress.

Commands are thin edges: they parse arguments with these types, call a
service, and let ``domain_errors`` turn a rule's "no" into one line on
stderr and exit status 1 (Django prints a ``CommandError`` that way).
"""
import argparse
import contextlib
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dmc_transfers.errors import DomainError, Invalid


class OperationsCommand(BaseCommand):
    """A command whose bad arguments, too, get one line on stderr (exit 2).

    argparse prints its whole usage before the error; the error alone says
    what is wrong, and ``--help`` has the rest.
    """

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        raise_for_call_command = parser.error

        def error(message):
            if parser.called_from_command_line:
                parser.exit(2, f"{parser.prog}: error: {message} (see --help)\n")
            raise_for_call_command(message)

        parser.error = error
        return parser


def int_at_least(minimum):
    """An argparse type: a whole number no smaller than ``minimum``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least {minimum}")
        return value

    return parse


def iso_date(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def describe(error):
    """A domain error as one readable line."""
    if isinstance(error, Invalid):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.errors.items())
    return error.detail


@contextlib.contextmanager
def domain_errors():
    """Turn a service's domain error into a ``CommandError`` (one line, exit 1)."""
    try:
        yield
    except DomainError as exc:
        raise CommandError(describe(exc)) from exc


def progress_bar(command, **kwargs):
    """A tqdm bar on the command's stderr, silent when stderr is not a terminal.

    tqdm redraws with carriage returns, so it writes to the raw stream under
    Django's ``OutputWrapper`` (which would add a newline to every write).
    """
    return tqdm(file=command.stderr._out, disable=None, dynamic_ncols=True, **kwargs)
