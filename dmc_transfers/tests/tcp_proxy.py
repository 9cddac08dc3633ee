"""A loopback TCP proxy with a switch, to break the path between a service and its database.

``TcpProxy(("127.0.0.1", 3306))`` listens on ``127.0.0.1:<port>`` and pipes
each connection to the upstream. ``pause(when=b"...")`` holds every byte
from the first chunk sent upstream that contains ``when`` on (so a request
can be caught mid-transaction); ``cut()`` resets every connection and refuses
new ones; ``restore()`` lets connections in again. The database itself is
never touched: only this path breaks.
"""
import socket
import struct
import threading


def _reset(sock):
    """Drop a connection at once (RST), waking any thread blocked on it."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class TcpProxy:
    def __init__(self, upstream):
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs = set()
        self._refusing = False
        self._trigger = None
        self._flowing = threading.Event()
        self._flowing.set()
        self.holding = threading.Event()  # set once a held chunk waits
        threading.Thread(target=self._accept, daemon=True).start()

    def pause(self, when=b""):
        with self._lock:
            self.holding.clear()
            self._trigger = when

    def cut(self):
        with self._lock:
            self._refusing, self._trigger = True, None
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for sock in pair:
                _reset(sock)
        self._flowing.set()  # held chunks wake up to find their sockets gone

    def restore(self):
        with self._lock:
            self._refusing = False

    def close(self):
        self.cut()
        self._listener.close()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            try:
                with self._lock:
                    if self._refusing:
                        raise ConnectionRefusedError
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            threading.Thread(target=self._pump, args=(client, upstream, pair, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, pair, False), daemon=True).start()

    def _pump(self, source, target, pair, to_upstream):
        try:
            while data := source.recv(65536):
                with self._lock:
                    if to_upstream and self._trigger is not None and self._trigger in data:
                        self._trigger = None
                        self._flowing.clear()
                    held = not self._flowing.is_set()
                    if held:
                        self.holding.set()
                if held:
                    self._flowing.wait()
                with self._lock:
                    if pair not in self._pairs:
                        return
                target.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                gone = pair in self._pairs
                self._pairs.discard(pair)
            if gone:
                for sock in pair:
                    _reset(sock)
