"""Django's MySQL/MariaDB backend: fewer round trips per transaction.

Django opens a transaction by turning the session's autocommit off and, after
the commit, on again: a round trip each, on every booking and confirmation.
Here the session stays in autocommit and ``START TRANSACTION`` travels with
the transaction's first statement, in the same round trip (mysqlclient
enables stacked statements on every connection): the server runs the two in
order, and the statement's own result, or its error, is the one the caller
gets. ``START TRANSACTION`` takes no lock and no snapshot (under READ
COMMITTED each statement reads its own), so sending it with the first
statement is the same transaction. One that sent nothing has nothing to
commit or roll back, and sends neither.

Stacked statements are also what ``dmc_transfers.writes.together`` sends;
``nextset`` moves to the next one's result and raises its error as
``execute`` would. And a transaction's last write can travel with its
``COMMIT`` (``send_with_commit``, several stacked too): the server stops at the
write's error and never commits, so the error is the commit's, and the
transaction rolls back. Any other statement of the transaction sends a write
waiting for the ``COMMIT`` first, so the transaction still reads its own writes;
if that fails, the commit fails too, whatever the caller made of the error.
An on-commit hook's write can follow the ``COMMIT`` in the same round trip
(``dmc_transfers.writes.insert_on_commit``): the server runs it only once the
``COMMIT`` succeeded, in autocommit, and its error goes to the hook.
"""
import logging
from contextlib import contextmanager

from django.db import DatabaseError, Error, IntegrityError
from django.db.backends.mysql import base

BEGIN, COMMIT = "START TRANSACTION", "COMMIT"
logger = logging.getLogger(__name__)


class CursorWrapper(base.CursorWrapper):
    def __init__(self, cursor, database):
        super().__init__(cursor)
        self.database = database

    @contextmanager
    def _errors_mapped(self):
        # As Django's execute does (which ``execute`` uses): errors the driver misfiles as operational.
        try:
            yield
        except base.Database.OperationalError as e:
            if e.args[0] in self.codes_for_integrityerror:
                raise IntegrityError(*tuple(e.args)) from e
            raise

    def execute(self, query, args=None):
        self.database.send_waiting_write()
        if not self.database.take_pending_begin():
            return super().execute(query, args)
        with self._begin_kept_pending_unless_sent():
            super().execute(f"{BEGIN}; {query}", args)
        self.nextset()  # to the statement's own result: its error, if any, is raised here
        return self.cursor.rowcount

    def executemany(self, query, args):
        # The driver rewrites a batch of INSERTs into one statement only when
        # the text is that INSERT alone: the transaction opens on its own.
        self.database.send_waiting_write()
        self._begin_alone()
        return super().executemany(query, args)

    def callproc(self, procname, args=()):
        # A procedure's results come as several sets: the transaction opens on its own.
        self.database.send_waiting_write()
        self._begin_alone()
        with self._errors_mapped():
            return self.cursor.callproc(procname, args)

    def _begin_alone(self):
        if self.database.take_pending_begin():
            with self._begin_kept_pending_unless_sent():
                super().execute(BEGIN)

    @contextmanager
    def _begin_kept_pending_unless_sent(self):
        # An error here (arguments that do not format, a lost connection) means
        # START TRANSACTION did not run: a caller that goes on in its atomic
        # block must not find its next statements in autocommit. A later
        # statement's error is raised by ``nextset``, once the transaction runs.
        try:
            yield
        except BaseException:
            self.database.begin_pending = True
            raise

    def nextset(self):
        with self._errors_mapped():
            return self.cursor.nextset()


class DatabaseWrapper(base.DatabaseWrapper):
    stacks_statements = True  # several statements in one round trip (dmc_transfers.writes.together)
    begin_pending = False
    with_commit = None  # send_with_commit's arguments, to send in the round trip of the transaction's COMMIT
    sent_early_failed = None  # the error of such a write sent before the COMMIT: the commit's error

    def send_with_commit(self, sql, params, *, statements=1, then=None):
        """Run ``sql``, one statement (or ``statements`` stacked), as the transaction's last, in the
        round trip of its ``COMMIT``; ``then(results)`` gets each statement's ``(rowcount, lastrowid)``
        once they ran; sent with the COMMIT, its failure is logged, not raised: the transaction stands.

        Their error is then raised by the commit (``atomic()``'s exit), which
        rolls the transaction back; a rollback never sends them. Any other
        statement sent before the commit sends them first, at once, in their
        place in the transaction (``send_waiting_write``): another write for
        the commit, a read, a savepoint. Their error, or ``then``'s, is then
        raised by that statement and by the commit again, which rolls back:
        a caller that takes it for its own statement's (a savepoint's
        duplicate key, say) and goes on cannot commit without them. Outside
        the outermost atomic block (in a savepoint, which could be rolled back
        on its own, or in no transaction) they run at once. A test case's
        transaction, never committed, counts as no transaction.
        """
        self.validate_no_broken_transaction()  # as any statement would
        sending = (sql, params, statements, then)
        if self.in_atomic_block and not self.savepoint_ids and not self.atomic_blocks[0]._from_testcase:
            self.send_waiting_write()
            self.with_commit = sending
            return
        self._send_now(*sending)

    def send_waiting_write(self):
        """Send the write waiting for the ``COMMIT``, if any, now: a statement of its transaction is
        about to follow it, and must find it written (a read, say, must see it)."""
        while self.with_commit is not None:  # ``then`` may leave another to send
            waiting, self.with_commit = self.with_commit, None
            try:
                self._send_now(*waiting)
            except BaseException as exc:
                self.sent_early_failed = exc
                raise

    def _send_now(self, sql, params, statements, then):
        with self.cursor() as cursor:
            cursor.execute(sql, params)
            results = self.stacked_results(cursor, statements)
        if then is not None:
            then(results)

    def _start_transaction_under_autocommit(self):
        self.begin_pending = True

    def take_pending_begin(self):
        """Whether ``START TRANSACTION`` is still to be sent: true once, inside the transaction Django opened."""
        pending, self.begin_pending = self.begin_pending and not self.autocommit, False
        return pending

    def create_cursor(self, name=None):
        return CursorWrapper(self.connection.cursor(), self)

    def _commit(self):
        last, self.with_commit = self.with_commit, None
        if self.sent_early_failed is not None:
            failed = self.sent_early_failed
            self._roll_back_for_atomic()
            raise failed
        if last is None and self.take_pending_begin():
            return  # nothing sent: nothing to commit
        after = self._writes_after_commit()
        if last is None and not after:
            return super()._commit()
        sql, params, statements, then = last or (None, [], 0, None)
        try:
            results = self._commit_with(sql, params, statements, after)
        except DatabaseError:
            raise  # atomic() rolls back
        except BaseException:
            # Nothing was sent (arguments that do not encode) or nothing
            # was read.
            self._roll_back_for_atomic()
            raise
        if then is not None:
            try:
                then(results)
            except Exception:
                # Committed already: raised from commit(), this would pass for a failed commit
                # (atomic() would drop the on-commit hooks, or leave them to the next commit).
                logger.exception("After a COMMIT that succeeded, the writes' follow-up failed")

    def _writes_after_commit(self):
        """The on-commit hooks whose write can follow the ``COMMIT`` in its round trip, with it.

        Such a hook (``dmc_transfers.writes.insert_on_commit``) has a
        ``statement()`` (``None``: not with the ``COMMIT``); it runs once the commit returned, as any hook, and
        finds there the result its write had (``sent_with_commit``). Only
        while the session is in autocommit, where a statement after the
        ``COMMIT`` is a transaction of its own, as the hook's would be.
        """
        if not self.run_on_commit or not self.connection.get_autocommit():
            return []
        return [hook for _, hook, _ in self.run_on_commit if hasattr(hook, "sent_with_commit")]

    def _roll_back_for_atomic(self):
        # atomic() rolls back when the commit raises a DatabaseError only; after
        # another error the session, in autocommit, would keep the transaction and
        # its locks until the next START TRANSACTION committed them.
        try:
            self.rollback()
        except Exception:
            self.close()

    def _commit_with(self, sql, params, statements, after):
        """``sql`` (``statements`` stacked, or none) then ``COMMIT``, then the writes of the hooks ``after``;
        the results of ``sql``'s statements."""
        afterwards = []
        for hook in after:  # in the hooks' order: those after one that cannot go write their own
            try:
                statement = hook.statement(self)
            except Exception:  # committed or not, the hook, run without it, says what went wrong
                break
            if statement is None:
                break
            afterwards.append((hook, *statement))
        with self.cursor() as cursor:  # a pending START TRANSACTION goes first (CursorWrapper.execute)
            cursor.execute(
                "; ".join([*([sql] if sql else []), COMMIT, *(write for _, write, _ in afterwards)]),
                [*params, *(value for _, _, values in afterwards for value in values)],
            )
            results = self.stacked_results(cursor, statements) if sql else []
            # To COMMIT's result: its error, if any, is raised here.
            if sql and cursor.nextset() is None:
                raise DatabaseError(
                    f"COMMIT's result went missing (not {statements} statement(s) before it?): {sql[:80]}"
                )
            self._read_after_commit(cursor, [hook for hook, _, _ in afterwards])
        return results

    @staticmethod
    def _read_after_commit(cursor, hooks):
        # Committed: a write's error is its hook's, never the commit's. The
        # server runs none after a failed one; their hooks send them themselves.
        for hook in hooks:
            try:
                if not cursor.nextset():
                    raise DatabaseError("A write sent after the COMMIT left no result.")
            except Error as exc:  # the driver's InterfaceError too: not a DatabaseError
                hook.sent_with_commit(exc)
                return
            hook.sent_with_commit((cursor.rowcount, cursor.lastrowid))

    def _rollback(self):
        self.with_commit = self.sent_early_failed = None
        if not self.take_pending_begin():
            return super()._rollback()

    def _set_autocommit(self, autocommit):
        self.begin_pending, self.with_commit, self.sent_early_failed = False, None, None
        super()._set_autocommit(autocommit)

    def _close(self):
        self.begin_pending, self.with_commit, self.sent_early_failed = False, None, None
        return super()._close()

    @staticmethod
    def stacked_results(cursor, statements):
        """``(rowcount, lastrowid)`` of each of the ``statements`` stacked statements the cursor has just sent."""
        results = [(cursor.rowcount, cursor.lastrowid)]
        for _ in range(statements - 1):
            # To the next statement's result; its error, if any, is raised here.
            if not cursor.nextset():
                raise DatabaseError("A stacked statement's result went missing (fewer sent? read by another query?).")
            results.append((cursor.rowcount, cursor.lastrowid))
        return results
