"""Django's MySQL/MariaDB backend, opening a transaction in one round trip instead of two.

Django opens a transaction by turning the session's autocommit off and, after
the commit, on again: a round trip each, on every booking and confirmation.
``START TRANSACTION`` leaves the session in autocommit, so after the
``COMMIT`` mysqlclient sees autocommit already on and sends nothing. The
transaction is the same (isolation level, savepoints, rollback), as SQLite's
backend does it with ``BEGIN``.
"""
from django.db.backends.mysql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self):
        self.cursor().execute("START TRANSACTION")
