"""The database server settings README recommends for production, applied for a run.

The benchmark measures the service as production should run it, so what
README's *Production recommendations* change on the server is changed here
too, for the run only: the server's own values come back afterwards, even
when the run fails. A setting the server does not have (MySQL has no query
cache) or that this user may not change is left alone and said so.

A run killed outright (SIGKILL, a lost machine) cannot put them back: what
it replaced is noted in a file first (``put_back_note``), and the next run
puts that back before anything else.
"""
import contextlib
import json
import os
from pathlib import Path

from django.db import DatabaseError, connection

# The API key lookup asks for the query cache (dmc_transfers.sql.QUERY_CACHE_HINT); nothing else does.
RECOMMENDED = {"query_cache_type": "DEMAND"}


def global_variables(names):
    """The server's global values of the variables ``names`` it has, by name."""
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({', '.join(['%s'] * len(names))})", names)
        return dict(cursor.fetchall())


def _set(name, value):
    with connection.cursor() as cursor:
        cursor.execute(f"SET GLOBAL {name} = %s", [value])


def put_back_note(pid=None):
    """Where the run ``pid`` (this one) notes the server's own values while it has replaced them."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    db = connection.settings_dict
    server = f"{db['HOST'] or 'localhost'}-{db['PORT'] or 3306}"
    return state / "dmc-transfers-bench" / f"{server}-{os.getpid() if pid is None else pid}.json"


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        pass
    return True


def _put_back_after_killed_runs(log):
    """The values runs that never ended noted as the server's own, put back; a note stays for what
    could not be. The notes of runs still going (other benchmarks at the same time) are theirs."""
    every_run = put_back_note("*")
    for note in sorted(every_run.parent.glob(every_run.name)):
        pid = int(note.stem.rsplit("-", 1)[1])
        if _running(pid):
            continue
        try:
            left = json.loads(note.read_text())
        except ValueError:
            left = {}  # cut short while written: nothing was replaced yet
        for name, value in left.items():
            log(f"  putting back {name} = {value}, left replaced by a run that was killed")
        failed = _put_back(left, log)
        if failed:
            note.write_text(json.dumps(failed))  # for the next run to try again
        else:
            note.unlink()


def _note_put_back(replaced):
    """Note ``replaced`` (name: the server's own value) as this run's to put back; nothing: no note."""
    note = put_back_note()
    if not replaced:
        note.unlink(missing_ok=True)
        return
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(json.dumps(replaced))


@contextlib.contextmanager
def recommended(log):
    """Apply ``RECOMMENDED`` where the server has it; yields those in effect for the run (name: value).

    A session takes the global values when it connects: Django's connection
    is closed once they are set, so this process's next one has them too.
    """
    _put_back_after_killed_runs(log)
    before = global_variables(list(RECOMMENDED))
    replaced = {}  # name: the server's own value, to put back
    try:
        for name, value in RECOMMENDED.items():
            if name not in before:
                log(f"  the server has no {name}: measured without it")
            elif before[name] != value:
                _note_put_back({**replaced, name: before[name]})  # before it is replaced: a kill may follow
                try:
                    _set(name, value)
                except DatabaseError as exc:
                    log(f"  could not set {name} = {value} ({exc}): measured without it")
                    _note_put_back(replaced)  # maybe none: no note
                else:
                    replaced[name] = before[name]
        connection.close()
        yield {name: value for name, value in RECOMMENDED.items() if name in replaced or before.get(name) == value}
    finally:
        if replaced:
            _note_put_back(_put_back(replaced, log))


def _put_back(replaced, log):
    """The server's own values, each on its own, from a fresh session (the run may have ended with a
    broken one); returns those that could not be put back."""
    connection.close()
    failed = {}
    for name, value in replaced.items():
        try:
            _set(name, value)
        except DatabaseError as exc:
            log(f"  could not put {name} back ({exc}): run SET GLOBAL {name} = '{value}' on the server")
            failed[name] = value
    connection.close()
    return failed
