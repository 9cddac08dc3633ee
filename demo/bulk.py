"""Writing many rows at once, without the ORM's cost per value."""
from django.db import connection, models


# Rows per executemany, and characters per multi-row INSERT (as the driver's own
# executemany splits them: well below any server's max_allowed_packet).
BATCH_SIZE = 5000
MAX_STATEMENT = 1_000_000


def insert_rows(model, fields, rows):
    """INSERT ``rows`` (tuples of Python values in ``fields`` order) into ``model``'s table.

    For loads of millions of rows: ``bulk_create`` spends most of its time
    compiling SQL value by value, while one multi-row INSERT per batch does
    the same job several times faster. Like bulk_create it sends no signals;
    unlike it, ``auto_now`` does not apply, so callers give every value,
    timestamps included.
    """
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    required = {name for name, f in by_name.items() if not (f.null or f.primary_key or f.has_db_default())}
    if missing := required - set(fields):
        raise ValueError(f"{model.__name__} rows need {', '.join(sorted(missing))}.")
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(by_name[name].column) for name in fields)})"
    columns = [by_name[name] for name in fields]
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            # Past Django's query log, as executemany's "N times" entry was: under DEBUG it
            # would keep every statement of a load, a megabyte each.
            with connection.wrap_database_errors:
                for values in _values_lists(columns, rows):
                    cursor.cursor.execute(f"{head} VALUES {values}")
        else:
            adapted = _adapted(columns)
            sql = f"{head} VALUES ({', '.join(['%s'] * len(fields))})"
            for start in range(0, len(rows), BATCH_SIZE):
                cursor.executemany(sql, [adapted(row) for row in rows[start : start + BATCH_SIZE]])


def _adapted(columns):
    """Rows with their datetimes as the database backend stores them."""
    adapt = connection.ops.adapt_datetimefield_value
    timestamps = [i for i, f in enumerate(columns) if isinstance(f, models.DateTimeField)]

    def adapted(row):
        row = list(row)
        for i in timestamps:
            row[i] = adapt(row[i])
        return row

    return adapted


def _values_lists(columns, rows):
    """MySQL's ``VALUES`` list for ``rows``, ``(...), (...)``, in pieces of at most about ``MAX_STATEMENT`` characters.

    The driver's ``executemany`` escapes value by value through several
    Python calls (its ``literal``, the encoder, the backend's datetime
    adapter); a million transfers and their histories are millions of
    values, and that was a third of the load's time. Here each value is
    written by its column's type: numbers as numbers, text by the driver's
    own C escaping on the live connection (its character set), datetimes as
    ``adapt_datetimefield_value`` makes them (tests hold them to it).
    """
    escape, zone = connection.connection.string_literal, connection.timezone

    def number(value):
        return "NULL" if value is None else str(int(value))

    def text(value):
        return "NULL" if value is None else escape(str(value).encode()).decode()

    def moment(value):
        if value is None:
            return "NULL"
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return f"'{value}'"

    def writer(field):
        if isinstance(field, models.DateTimeField):
            return moment
        if isinstance(field, (models.IntegerField, models.BooleanField, models.AutoField, models.ForeignKey)):
            return number
        return text

    writers, piece, size = [writer(f) for f in columns], [], 0
    for row in rows:
        values = f"({', '.join([write(value) for write, value in zip(writers, row, strict=True)])})"
        piece.append(values)
        size += len(values) + 2
        if size >= MAX_STATEMENT:
            yield ", ".join(piece)
            piece, size = [], 0
    if piece:
        yield ", ".join(piece)
