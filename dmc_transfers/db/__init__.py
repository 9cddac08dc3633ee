"""The database backend (``base.py``) and how to tell its errors apart."""
from django.db import OperationalError

# MySQL/MariaDB error numbers: a lock wait past innodb_lock_wait_timeout (DB_LOCK_WAIT_SECONDS), a deadlock victim.
LOCK_WAIT_TIMEOUT, DEADLOCK = 1205, 1213
# "Failed to read auto-increment value": how InnoDB reports either for a table's AUTO-INC lock, which an
# INSERT ... SELECT holds to its end under innodb_autoinc_lock_mode=1 (MariaDB's default). (Also an
# UNSIGNED counter at its end; ours are signed, which says 167 there.)
AUTO_INCREMENT_LOCK = 1467


def is_lock_error(exc, codes=(LOCK_WAIT_TIMEOUT, DEADLOCK, AUTO_INCREMENT_LOCK)):
    """Another transaction held what this one needed (the transaction may be tried again), not an outage."""
    return isinstance(exc, OperationalError) and bool(exc.args) and exc.args[0] in codes
