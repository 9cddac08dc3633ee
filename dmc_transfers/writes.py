"""``save()`` of the rows every booking and confirmation writes, as one hand-written statement each.

Through the ORM a one-row INSERT costs two to three times the CPU of the
statement itself (query object, compiler, returning clause: README,
Performance). These do what ``Model.save()`` does for a plain model of one
table: each field's ``pre_save`` (``auto_now``, ``auto_now_add``) and
``get_db_prep_save``, the ``pre_save``/``post_save`` signals, the new id and
the instance's state, with the statement written once per model from its own
columns. Tests hold each row to what ``save()`` writes. Everything else
(amendments, the admin, commands) saves through the ORM.

``together`` sends several of these writes in one round trip where the
database takes stacked statements (MySQL/MariaDB; SQLite gets one each): a
booking's transfer with its history row, a status change's ``UPDATE`` with
its history row. Each statement's result is still checked, as if sent alone.
``with_commit`` sends a transaction's last write with its ``COMMIT``, and
``together_with_commit`` several.
"""
import functools
from collections.abc import Callable
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.models import signals

from dmc_transfers.sql import column, table, this_connection


class ModelWrites:
    def __init__(self, model):
        meta = model._meta
        if meta.parents:
            raise TypeError(f"{model.__name__} spans several tables: save it through the ORM")
        self.model = model
        self.inserted = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
        self.inserts = {}  # (linked foreign key or None, condition) -> statement: every booking writes the same ones
        self.where_pk = f" WHERE {column(model, 'pk')} = %s"
        self.updates = {}  # names -> (fields, statement): every confirmation updates the same columns

    def _insert_of(self, linked, only_if):
        """The ``INSERT``; ``linked`` (a foreign key, or ``None``) takes the id the statement before it
        inserted; with ``only_if`` (``FROM ... WHERE ...``), an ``INSERT ... SELECT`` of the values there."""
        if (linked, only_if) not in self.inserts:
            names = ", ".join(column(self.model, field.name) for field in self.inserted)
            values = ", ".join("LAST_INSERT_ID()" if field is linked else "%s" for field in self.inserted)
            rows = f"VALUES ({values})" if only_if is None else f"SELECT {values} {only_if}"
            self.inserts[linked, only_if] = f"INSERT INTO {table(self.model)} ({names}) {rows}"
        return self.inserts[linked, only_if]

    def inserting(self, instance, linked_to=None, only_if=None):
        """The ``INSERT`` of ``instance`` as a step of ``together``.

        ``linked_to`` is ``(foreign key name, the step that inserts its row)``,
        a step before this one in the same ``together``: stacked, the key is the
        id that step's statement inserted (``LAST_INSERT_ID()``); one at a time,
        that id is known by the time this statement is sent. ``only_if`` is
        ``(FROM ... WHERE ..., its parameters)``: the row is inserted where that
        finds one, else nothing is and the instance stays unsaved.
        """
        link = None if linked_to is None else self.model._meta.get_field(linked_to[0])
        condition, condition_params = (None, []) if only_if is None else only_if

        def prepare(connection, stacked):
            if link is not None and not stacked:
                setattr(instance, link.attname, linked_to[1].instance.pk)
            self._signal(signals.pre_save, instance, update_fields=None)
            linked = link if stacked else None
            values = [
                field.get_db_prep_save(field.pre_save(instance, True), connection)
                for field in self.inserted
                if field is not linked
            ]
            return self._insert_of(linked, condition), [*values, *condition_params]

        def finish(result):
            if condition is not None and result.rowcount == 0:
                return  # not inserted: the condition found no row
            instance.pk = result.lastrowid
            if link is not None:
                setattr(instance, link.attname, linked_to[1].instance.pk)
            instance._state.adding, instance._state.db = False, DEFAULT_DB_ALIAS
            self._signal(signals.post_save, instance, update_fields=None, created=True)

        return Step(instance, prepare, finish)

    def updating(self, instance, names):
        """The ``UPDATE`` of ``names`` of ``instance`` as a step of ``together``."""
        update_fields = frozenset(names)

        def prepare(connection, stacked):
            self._signal(signals.pre_save, instance, update_fields=update_fields)
            fields, sql = self._update_of(tuple(names))
            values = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in fields]
            return sql, [*values, instance.pk]

        def finish(result):
            if result.rowcount != 1:  # matched rows (Django's MySQL connections count found, not changed, rows)
                raise DatabaseError("Save with update_fields did not affect any rows.")
            self._signal(signals.post_save, instance, update_fields=update_fields, created=False)

        return Step(instance, prepare, finish)

    def _update_of(self, names):
        if names not in self.updates:
            fields = [self.model._meta.get_field(name) for name in names]
            assignments = ", ".join(f"{column(self.model, field.name)} = %s" for field in fields)
            self.updates[names] = fields, f"UPDATE {table(self.model)} SET {assignments}{self.where_pk}"
        return self.updates[names]

    def _signal(self, signal, instance, **kwargs):
        signal.send(sender=self.model, instance=instance, raw=False, using=DEFAULT_DB_ALIAS, **kwargs)


class Step(NamedTuple):
    """One write of ``together``: its instance, its statement (``prepare``) and what its result means (``finish``)."""

    instance: object
    prepare: Callable  # (connection, stacked) -> (sql, params)
    finish: Callable  # (its statement's Result) -> None


class Result(NamedTuple):
    """What a step's ``finish`` reads of its statement's result, as the cursor had it."""

    rowcount: int
    lastrowid: int

    @classmethod
    def of(cls, cursor):
        return cls(cursor.rowcount, cursor.lastrowid)


@functools.cache
def _writes(model):
    return ModelWrites(model)


def inserting(instance, linked_to=None, only_if=None):
    """A step of ``together``: ``instance.save()`` of a new row (``ModelWrites.inserting``)."""
    return _writes(type(instance)).inserting(instance, linked_to, only_if)


def updating(instance, names):
    """A step of ``together``: ``instance.save(update_fields=names)``."""
    return _writes(type(instance)).updating(instance, names)


def together(*steps):
    """Run the steps in order: in one round trip where the database takes stacked statements, else one each.

    Each statement's result is checked as if it were sent alone; a failed
    one raises its own error, and the server runs none after it. A check
    that fails on a result (``updating``'s row count) raises too, and the
    caller's transaction, rolled back, undoes what ran after it.
    """
    connection = this_connection()
    # Only inside a transaction: stacked, a statement after one whose result
    # then fails its check (an UPDATE matching no row) has already run, and
    # only a rollback undoes it.
    stacked = len(steps) > 1 and connection.in_atomic_block and getattr(connection, "stacks_statements", False)
    statements = [step.prepare(connection, stacked) for step in steps] if stacked else None
    with connection.cursor() as cursor:
        if not stacked:
            for step in steps:
                cursor.execute(*step.prepare(connection, False))
                step.finish(Result.of(cursor))
            return
        cursor.execute("; ".join(sql for sql, _ in statements), [value for _, values in statements for value in values])
        # Each statement's result in turn; its error, if any, is raised there.
        results = [Result(*result) for result in connection.stacked_results(cursor, len(steps))]
    # Every result read before any step finishes: a post_save receiver that
    # queries would otherwise read, and discard, the results still waiting.
    for step, result in zip(steps, results, strict=True):
        step.finish(result)


def together_with_commit(*steps):
    """``together``, as the last writes of the caller's transaction: in its ``COMMIT``'s round trip
    where the backend can (as ``with_commit``), for rows the caller holds locked.

    Each step's result is then checked once the transaction has committed,
    too late to undo it: an ``UPDATE`` of a row locked since it was read
    matches it. And a ``post_save`` receiver would only run after the
    commit, where ``save()`` runs it inside the transaction: with one
    connected for a step's model, the steps run at once (``together``).
    """
    connection = this_connection()
    send = getattr(connection, "send_with_commit", None)
    models = {type(step.instance) for step in steps}
    if send is None or not connection.in_atomic_block or any(signals.post_save.has_listeners(m) for m in models):
        together(*steps)
        return
    statements = [step.prepare(connection, True) for step in steps]

    def finish(results):
        for step, result in zip(steps, results, strict=True):
            step.finish(Result(*result))

    sql, params = "; ".join(sql for sql, _ in statements), [value for _, values in statements for value in values]
    send(sql, params, statements=len(steps), then=finish)


def with_commit(sql, params):
    """Run ``sql`` as the last write of the caller's transaction: in its ``COMMIT``'s round trip where
    the backend can (``dmc_transfers.db.base``; its error then leaves ``atomic()``), else at once."""
    connection = this_connection()
    send = getattr(connection, "send_with_commit", None)
    if send is not None:
        send(sql, params)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_on_commit(model, build, *, otherwise):
    """On commit (``transaction.on_commit``), the ``INSERT`` of the new ``model`` row ``build()`` gives,
    where the backend can, in the ``COMMIT``'s round trip, after it; else ``otherwise(error)`` is the
    hook: ``error`` is ``None`` where it could not go so, else the error it had there (``InsertOnCommit``)."""
    this_connection().on_commit(InsertOnCommit(model, build, otherwise))


class InsertOnCommit:
    """An on-commit hook whose ``INSERT`` the backend may send after the ``COMMIT``, in its round trip
    (``dmc_transfers.db.base``): in autocommit, a transaction of its own, as the hook's would be. Run, it
    finishes the row so sent, else runs ``otherwise(error)``, which writes it as a hook always did."""

    def __init__(self, model, build, otherwise):
        self.model, self.build, self.otherwise = model, build, otherwise
        self.step = self.result = None

    def statement(self, connection):
        """The ``INSERT`` to send after the ``COMMIT`` (the backend asks once it commits); ``None`` where a
        save signal has receivers: ``save()`` sends them around the write, here they would hear of it
        inside the ``COMMIT``."""
        if any(signal.has_listeners(self.model) for signal in (signals.pre_save, signals.post_save)):
            return None
        self.step = inserting(self.build())
        return self.step.prepare(connection, False)

    def sent_with_commit(self, result):
        """What the ``INSERT`` sent after the ``COMMIT`` gave: ``(rowcount, lastrowid)``, or its error."""
        self.result = result

    def __call__(self):
        if isinstance(self.result, tuple):
            self.step.finish(Result(*self.result))
        else:  # not sent with the COMMIT (None), or its error there (a row the sweep wrote first, say)
            self.otherwise(self.result)


def insert(instance):
    """``instance.save()`` of a new row: one ``INSERT``; the instance, its id set."""
    together(inserting(instance))
    return instance


def update(instance, names):
    """``instance.save(update_fields=names)``: one ``UPDATE`` of those columns."""
    together(updating(instance, names))
