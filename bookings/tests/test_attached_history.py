"""The history a service attaches to the transfer it answers with, in the history's order, without a database."""
import datetime as dt

import pytest

from bookings.choices import TransferStatus as S
from bookings.models import Transfer, TransferStatusHistory
from bookings.services import attach_history, attached_history

pytestmark = pytest.mark.unit

AT = dt.datetime(2027, 5, 1, 9, 30, tzinfo=dt.UTC)


def change(pk, changed_at, to_status):
    return TransferStatusHistory(pk=pk, changed_at=changed_at, to_status=to_status)


def test_changes_are_attached_oldest_first_then_by_id():
    rows = [change(9, AT, S.CANCELLED), change(4, AT - dt.timedelta(seconds=1), S.PENDING), change(7, AT, S.CONFIRMED)]
    transfer = Transfer()
    attach_history(transfer, rows)
    assert [row.pk for row in attached_history(transfer)] == [4, 7, 9]


def test_a_change_still_to_be_written_comes_after_those_of_its_instant():
    # Its id comes with the COMMIT (writes.together_with_commit): the largest, once it has one.
    to_come = change(None, AT, S.CANCELLED)
    transfer = Transfer()
    attach_history(transfer, [to_come, change(12, AT, S.CONFIRMED), change(3, AT - dt.timedelta(minutes=5), S.PENDING)])
    assert [row.to_status for row in attached_history(transfer)] == [S.PENDING, S.CONFIRMED, S.CANCELLED]
    assert attached_history(transfer)[-1] is to_come


def test_nothing_attached_is_none_and_the_attached_list_is_a_copy():
    transfer = Transfer()
    assert attached_history(transfer) is None
    attach_history(transfer, [])
    attached_history(transfer).append(change(1, AT, S.PENDING))
    assert attached_history(transfer) == []
