"""The invariant checker's registry: each app contributes its own checks.

A check is a function ``check(*, start=None, end=None)`` that yields
``Violation``s for transfers whose pickup falls in ``[start, end)`` (all when
``None``). Apps register theirs in ``AppConfig.ready`` so imports keep
pointing one way (notifications -> bookings -> fleet -> dmc_transfers).
"""
from dataclasses import dataclass

_checks = []


@dataclass(frozen=True)
class Violation:
    check: str
    detail: str

    def __str__(self):
        return f"[{self.check}] {self.detail}"


def register(check):
    if check not in _checks:
        _checks.append(check)
    return check


def registered_checks():
    return list(_checks)


def find_violations(*, start=None, end=None):
    """Run every registered check; return all violations found."""
    return [violation for check in _checks for violation in check(start=start, end=end)]
