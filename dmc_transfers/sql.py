"""Hand-written statements for the API's hottest reads (README, Performance).

Building and compiling a queryset costs more Python than the round trip of a
simple statement (about 0.3 ms a query on the benchmark machine), and every
API request pays for a few. The statements that run on every request are
written here once, from the models' own table and column names; their values
go through Django's own converters, as the ORM's would. Everything else uses
the ORM.
"""
import functools
import inspect

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models.base import Model, ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init
from django_fsm import FSMFieldDescriptor


# The largest id a BIGINT holds: a larger one matches no row (and SQLite could not even bind it).
MAX_ID = 2**63 - 1

# After SELECT: MariaDB keeps the answer in its query cache when that is on
# (query_cache_type DEMAND, README, Performance) and drops it at the commit of
# any write to a table it read, so a read of rarely written tables (API keys,
# users, groups) costs a hash lookup instead of a join. MySQL, which has no
# query cache, and SQLite read it as a comment.
QUERY_CACHE_HINT = "/*M! SQL_CACHE */ "


def this_connection():
    """This thread's connection itself, to take once per use: the ``connection`` proxy looks it up
    again (through asgiref's thread-local) on every attribute, some 40 times per booking."""
    return connections[DEFAULT_DB_ALIAS]


def table(model):
    return connection.ops.quote_name(model._meta.db_table)


def column(model, name, alias=None):
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    quoted = connection.ops.quote_name(field.column)
    return f"{alias}.{quoted}" if alias else quoted


def columns(model, names, alias):
    return ", ".join(column(model, name, alias) for name in names)


def stored_text(expression):
    """A datetime column as the UTC text Django stored (``dmc_transfers.rows``)."""
    return f"CAST({expression} AS CHAR)"


def selected(model, names, alias=None, datetimes=()):
    """``columns``, those named in ``datetimes`` as stored text, for ``dmc_transfers.rows.as_dicts``."""
    return ", ".join(
        stored_text(column(model, name, alias)) if name in datetimes else column(model, name, alias) for name in names
    )


def for_update():
    """`` FOR UPDATE`` where the database has row locks (MySQL); SQLite has none (the try-out, one process)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def fetch_all(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class Converters:
    """Django's converters for ``fields`` of ``model``: raw values as the ORM would give them."""

    def __init__(self, model, fields):
        self.steps = []
        for name in fields:
            col = model._meta.get_field(name).get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            self.steps.append((col, found))

    def __call__(self, values, connection):
        converted = []
        for value, (col, steps) in zip(values, self.steps, strict=True):
            for step in steps:
                value = step(value, col, connection)
            converted.append(value)
        return converted


class ModelRead:
    """``SELECT`` every column of ``model`` (as ``t``), ``WHERE ...`` hand-written: model instances, as the ORM builds them."""

    def __init__(self, model):
        self.model = model
        self.fields = [field.attname for field in model._meta.concrete_fields]
        self.select = f"SELECT {self.columns('t')} FROM {table(model)} t "
        self.convert = Converters(model, self.fields)
        # Model.__init__ sets each field through its class attribute; where the model keeps Django's
        # own __init__ and from_db and all of those attributes only store the value, ``instance``
        # may store the values itself.
        self.stored_plainly = (
            model.__init__ is Model.__init__
            and model.from_db.__func__ is Model.from_db.__func__
            and all(_only_stores(model, name) for name in self.fields)
        )

    def columns(self, alias):
        """Every column, in the order ``instance`` takes them: to select in a statement of one's own."""
        return columns(self.model, self.fields, alias)

    def instance(self, values):
        """The instance ``Model.from_db`` builds. ``Model.__init__``'s general path (arguments by
        name, deferred fields, its signals) was about 3 % of a confirmation's instructions: where no
        ``pre_init`` or ``post_init`` receiver would hear of it, the values go in as it would put them."""
        values = self.convert(values, this_connection())
        model = self.model
        if not self.stored_plainly or pre_init.receivers or post_init.receivers:
            return model.from_db(DEFAULT_DB_ALIAS, self.fields, values)
        new = model.__new__(model)
        state = new._state = ModelState()
        state.adding, state.db = False, DEFAULT_DB_ALIAS
        new.__dict__.update(zip(self.fields, values))
        return new

    def __call__(self, where, params):
        return [self.instance(row) for row in fetch_all(self.select + where, params)]

    def first(self, where, params):
        """The first instance, or ``None``."""
        found = self(where, params)
        return found[0] if found else None


def _only_stores(model, name):
    """Whether setting attribute ``name`` on a new ``model`` instance only stores the value in its
    ``__dict__``: a plain field, a foreign key's id, django-fsm's state where it changes no class."""
    attribute = inspect.getattr_static(model, name, None)
    if isinstance(attribute, FSMFieldDescriptor):
        return not attribute.field.state_proxy
    return not hasattr(type(attribute), "__set__") or type(attribute) is ForeignKeyDeferredAttribute


@functools.cache
def model_read(model):
    return ModelRead(model)
