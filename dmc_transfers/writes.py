"""``save()`` of the rows every booking and confirmation writes, as one hand-written statement each.

Through the ORM a one-row INSERT costs two to three times the CPU of the
statement itself (query object, compiler, returning clause: README,
Performance). These do what ``Model.save()`` does for a plain model of one
table: each field's ``pre_save`` (``auto_now``, ``auto_now_add``) and
``get_db_prep_save``, the ``pre_save``/``post_save`` signals, the new id and
the instance's state, with the statement written once per model from its own
columns. Tests hold each row to what ``save()`` writes. Everything else
(amendments, the admin, commands) saves through the ORM.
"""
import functools

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
        names = ", ".join(column(model, field.name) for field in self.inserted)
        self.insert_sql = f"INSERT INTO {table(model)} ({names}) VALUES ({', '.join(['%s'] * len(self.inserted))})"
        self.where_pk = f" WHERE {column(model, 'pk')} = %s"
        self.updates = {}  # names -> (fields, statement): every confirmation updates the same columns

    def insert(self, instance):
        connection = this_connection()
        self._signal(signals.pre_save, instance, update_fields=None)
        values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in self.inserted]
        with connection.cursor() as cursor:
            cursor.execute(self.insert_sql, values)
            instance.pk = cursor.lastrowid
        instance._state.adding, instance._state.db = False, DEFAULT_DB_ALIAS
        self._signal(signals.post_save, instance, update_fields=None, created=True)
        return instance

    def update(self, instance, names):
        connection = this_connection()
        update_fields = frozenset(names)
        self._signal(signals.pre_save, instance, update_fields=update_fields)
        fields, sql = self._update_of(tuple(names))
        values = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*values, instance.pk])
            if cursor.rowcount != 1:  # matched rows (Django's MySQL connections count found, not changed, rows)
                raise DatabaseError("Save with update_fields did not affect any rows.")
        self._signal(signals.post_save, instance, update_fields=update_fields, created=False)

    def _update_of(self, names):
        if names not in self.updates:
            fields = [self.model._meta.get_field(name) for name in names]
            assignments = ", ".join(f"{column(self.model, field.name)} = %s" for field in fields)
            self.updates[names] = fields, f"UPDATE {table(self.model)} SET {assignments}{self.where_pk}"
        return self.updates[names]

    def _signal(self, signal, instance, **kwargs):
        signal.send(sender=self.model, instance=instance, raw=False, using=DEFAULT_DB_ALIAS, **kwargs)


@functools.cache
def _writes(model):
    return ModelWrites(model)


def insert(instance):
    """``instance.save()`` of a new row: one ``INSERT``; the instance, its id set."""
    return _writes(type(instance)).insert(instance)


def update(instance, names):
    """``instance.save(update_fields=names)``: one ``UPDATE`` of those columns."""
    _writes(type(instance)).update(instance, names)
