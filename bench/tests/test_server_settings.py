"""The server settings README recommends apply for a run only, and only where the server has them."""
import pytest
from django.db import connection

from bench import server_settings
from dmc_transfers.tests.server_globals import global_value, server_globals_turn, set_global

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def query_cache_type():
    return global_value("query_cache_type")


@pytest.fixture
def server_default():
    """The server's own query_cache_type (``None``: it has no query cache, as MySQL), which the test must
    leave as it found it; put back before that is checked, so a failing test fails alone."""
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
    assert messages == []
    assert session_query_cache_type() == server_default


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
