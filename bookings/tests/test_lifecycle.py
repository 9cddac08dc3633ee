"""The lifecycle table, every (from, to) pair, without a database."""
import itertools

import pytest

from bookings.choices import TransferStatus as S
from bookings.models import Transfer

pytestmark = pytest.mark.unit

ALLOWED = {
    (S.PENDING, S.CONFIRMED),
    (S.PENDING, S.CANCELLED),
    (S.CONFIRMED, S.IN_PROGRESS),
    (S.CONFIRMED, S.CANCELLED),
    (S.IN_PROGRESS, S.COMPLETED),
}


@pytest.mark.parametrize("source,target", list(itertools.product(S.values, S.values)))
def test_every_pair_is_allowed_exactly_when_the_lifecycle_says(source, target):
    transfer = Transfer(status=source, driver_name="Marta")
    assert transfer.can_move_to(target) is ((source, target) in ALLOWED)
    assert (target in Transfer.allowed_targets(source)) is ((source, target) in ALLOWED)


@pytest.mark.parametrize("source,target", sorted(ALLOWED))
def test_allowed_transition_moves_the_status(source, target):
    transfer = Transfer(status=source, driver_name="Marta")
    transfer.transition_method(target)()
    assert transfer.status == target


@pytest.mark.parametrize("driver_name", [None, "", "   "])
def test_starting_needs_a_non_blank_driver(driver_name):
    transfer = Transfer(status=S.CONFIRMED, driver_name=driver_name)
    assert not transfer.can_move_to(S.IN_PROGRESS)
    assert S.IN_PROGRESS in Transfer.allowed_targets(S.CONFIRMED)  # the lifecycle allows it; the condition does not


def test_terminal_statuses_allow_nothing():
    assert Transfer.allowed_targets(S.COMPLETED) == []
    assert Transfer.allowed_targets(S.CANCELLED) == []


def test_status_cannot_be_assigned_directly():
    transfer = Transfer(status=S.PENDING)
    with pytest.raises(AttributeError):
        transfer.status = S.COMPLETED


def reachable_from(status):
    found, frontier = set(), set(Transfer.allowed_targets(status))
    while frontier:
        found |= frontier
        frontier = {t for s in frontier for t in Transfer.allowed_targets(s)} - found
    return found


@pytest.mark.parametrize("status", S.values)
def test_no_status_comes_back_once_left(status):
    # change_status relies on it: an unchanged status means no change, so no new history row.
    assert status not in reachable_from(status)
