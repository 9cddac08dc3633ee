"""The server settings README recommends apply for a run only, and only where the server has them."""
import json
import os
import subprocess

import pytest
from django.db import connection

from bench import server_settings
from dmc_transfers.tests.server_globals import global_value, server_globals_turn, set_global

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def query_cache_type():
    return global_value("query_cache_type")


@pytest.fixture
def server_default(tmp_path, monkeypatch):
    """The server's own query_cache_type (``None``: it has no query cache, as MySQL), which the test must
    leave as it found it; put back before that is checked, so a failing test fails alone. Runs note what
    they replaced under ``tmp_path``."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    with server_globals_turn():
        before = query_cache_type()
        yield before
        after = query_cache_type()
        if after != before:
            set_global("query_cache_type", before)
        assert after == before


def session_query_cache_type():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@SESSION.query_cache_type")
        return cursor.fetchone()[0]


def test_the_recommended_settings_apply_to_new_sessions_during_the_run_only(server_default):
    messages = []
    with server_settings.recommended(messages.append) as applied:
        if server_default is None:
            assert applied == {} and messages == ["  the server has no query_cache_type: measured without it"]
            return
        assert applied == {"query_cache_type": "DEMAND"}
        assert query_cache_type() == "DEMAND" and session_query_cache_type() == "DEMAND"
        # Noted for the next run, should this one be killed.
        assert json.loads(server_settings.put_back_note().read_text()) == {"query_cache_type": server_default}
    assert messages == []
    assert session_query_cache_type() == server_default
    assert not server_settings.put_back_note().exists()


def leave_note(settings, *, pid=None):
    """The note a run left of the ``settings`` it replaced; by default a run that has ended."""
    if pid is None:
        ended = subprocess.Popen(["true"])
        ended.wait()
        pid = ended.pid
    note = server_settings.put_back_note(pid)
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(json.dumps(settings))
    return note


def test_what_a_killed_run_replaced_is_put_back_first(server_default):
    if server_default is None:
        return  # MySQL: nothing a run could have replaced
    note = leave_note({"query_cache_type": server_default})
    set_global("query_cache_type", "DEMAND")  # as the killed run left it
    messages = []
    with server_settings.recommended(messages.append) as applied:
        assert applied == {"query_cache_type": "DEMAND"}
        assert not note.exists()
        assert json.loads(server_settings.put_back_note().read_text()) == {"query_cache_type": server_default}
    assert messages == [f"  putting back query_cache_type = {server_default}, left replaced by a run that was killed"]
    assert query_cache_type() == server_default and not server_settings.put_back_note().exists()


def test_the_note_of_a_run_still_going_is_left_to_it(server_default):
    going = leave_note({"query_cache_type": "ON"}, pid=os.getppid())
    messages = []
    with server_settings.recommended(messages.append):
        pass
    assert "putting back" not in " ".join(messages) and query_cache_type() == server_default
    assert json.loads(going.read_text()) == {"query_cache_type": "ON"}


def test_the_server_own_values_come_back_when_the_run_fails(server_default):
    with pytest.raises(RuntimeError), server_settings.recommended(print):
        raise RuntimeError("the run failed")


def test_a_setting_the_server_lacks_or_refuses_is_said_and_left_alone(server_default, monkeypatch):
    monkeypatch.setattr(server_settings, "RECOMMENDED", {"no_such_setting": "1", "query_cache_type": "SOMETIMES"})
    messages = []
    with server_settings.recommended(messages.append) as applied:
        assert applied == {} and query_cache_type() == server_default
    assert messages[0] == "  the server has no no_such_setting: measured without it"
    expected = ("  the server has no query_cache_type" if server_default is None
                else "  could not set query_cache_type = SOMETIMES (")
    assert len(messages) == 2 and messages[1].startswith(expected)
    assert not server_settings.put_back_note().exists()  # nothing replaced, nothing to put back


def test_what_cannot_be_put_back_stays_noted_for_the_next_run(server_default):
    note = leave_note({"query_cache_type": "SOMETIMES"})  # a value the server refuses
    messages = []
    with server_settings.recommended(messages.append):
        pass
    assert messages[0] == "  putting back query_cache_type = SOMETIMES, left replaced by a run that was killed"
    assert messages[1].startswith("  could not put query_cache_type back (")
    assert json.loads(note.read_text()) == {"query_cache_type": "SOMETIMES"}
    assert query_cache_type() == server_default
