"""CPU per request between two snapshots of the workers and the database server."""
import os

import pytest

from bench import cpu

pytestmark = pytest.mark.unit


def test_cpu_per_request_counts_workers_alive_at_both_ends():
    before = {"workers": {1: 10.0, 2: 5.0, 3: 1.0}, "database": 100.0}
    after = {"workers": {1: 10.5, 2: 5.25, 4: 9.0}, "database": 100.5}  # 3 exited, 4 was born
    assert cpu.per_request_ms(before, after, 250) == {"workers": 3.0, "database": 2.0}


def test_cpu_per_request_leaves_an_uncounted_database_blank():
    snap = {"workers": {1: 1.0}, "database": None}
    assert cpu.per_request_ms(snap, {"workers": {1: 2.0}, "database": None}, 1000)["database"] is None
    assert cpu.per_request_ms(snap, snap, 0) == {"workers": None, "database": None}


def test_this_process_has_spent_cpu_and_a_remote_server_is_not_looked_for():
    assert cpu.cpu_seconds(os.getpid()) > 0
    assert cpu.cpu_seconds(2**22 + 1) is None  # above Linux's largest pid
    assert cpu.database_server_pid("db.example.com", 3306) is None
