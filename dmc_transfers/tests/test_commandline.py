"""From a shell, a bad argument or a refused request is one line on stderr and a non-zero exit."""
import pytest
from django.core.management import load_command_class

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def run_from_shell(app, name, *args):
    command = load_command_class(app, name)
    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(["manage.py", name, *args])
    return exit_info.value.code


def test_a_bad_argument_is_one_line_without_the_usage(capsys):
    assert run_from_shell("bookings", "manifest", "--date", "2026-13-01") == 2
    assert capsys.readouterr().err == (
        "manage.py manifest: error: argument --date: '2026-13-01' is not a date in the form YYYY-MM-DD (see --help)\n"
    )


def test_a_refusal_is_one_line_and_exit_1(capsys):
    assert run_from_shell("bookings", "manifest", "--date", "2026-03-29", "--vehicle", "nope") == 1
    assert capsys.readouterr().err == "CommandError: No vehicle has plate 'NOPE'.\n"
