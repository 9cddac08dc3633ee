"""Reading as another session would: on a connection of its own, in a thread of its own."""
import threading

from django.db import connection


def on_another_connection(read):
    """What ``read()`` returns on a connection of its own: another session's view, committed rows only."""
    found = []

    def run():
        try:
            found.append(read())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and found, "the other session did not answer"
    return found[0]
