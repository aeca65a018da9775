"""ServerThread: uvicorn on a socket bound before it starts, so that a port in use is a
clear error for the caller (uvicorn itself would exit the process), and port 0 gives a
free port whose number is known at once."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on (host, port); raises OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say
    # so, and with it on, each response waited about 40 ms for the client's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)  # connections wait in the backlog until uvicorn takes over
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class ServerThread:
    """Serve ``app`` on (host, port): ``start()`` in a thread of its own, or
    ``run()`` in the calling thread (Ctrl+C stops it). Never logs requests itself."""

    def __init__(self, app, host: str, port: int) -> None:  # app None: see use()
        self.socket = bind(host, port)
        self.host = host
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_keep_alive=5, timeout_graceful_shutdown=3)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def use(self, app) -> None:
        """Serve ``app`` (bound first, the app can come once the models have loaded)."""
        self.server.config.app = app

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def run(self) -> None:
        self.server.run(sockets=[self.socket])

    def start(self, timeout: float = 10.0, wait: bool = True) -> None:
        """Serve from a thread of its own; with ``wait``, return once uvicorn is up
        (without, requests wait in the socket's backlog until it is)."""
        self._thread = threading.Thread(target=self.run, name="serve-http", daemon=True)
        self._thread.start()
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while not self.server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start in time")
            time.sleep(0.01)
        if not self.server.started:
            raise RuntimeError("the server stopped while starting")

    def stop(self, timeout: float = 5.0, wait: bool = True) -> None:
        """Stop serving; with ``wait``, until the port is free again (at most
        ``timeout`` s). Without, the server's thread finishes on its own."""
        self.server.should_exit = True
        if wait and self._thread is not None:
            self._thread.join(timeout)
            self.socket.close()
