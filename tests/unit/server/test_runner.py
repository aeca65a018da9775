"""The server's listening socket: accepted connections send without Nagle's delay (a
response written in two pieces waited about 40 ms for the client's delayed ACK)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from writer_app.server.runner import bind


def test_the_socket_names_tcp():
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_connections_accepted_by_asyncio_have_nodelay():
    """uvicorn serves through asyncio, which turns TCP_NODELAY on for TCP sockets."""
    seen: list[int] = []

    async def main() -> None:
        sock = bind("127.0.0.1", 0)
        accepted = asyncio.Event()

        def on_client(reader, writer) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()
            accepted.set()

        server = await asyncio.start_server(on_client, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            await asyncio.wait_for(accepted.wait(), 5)
            writer.close()

    asyncio.run(main())
    assert seen and seen[0] != 0


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
def test_ipv6_loopback_names_tcp_too():
    try:
        sock = bind("::1", 0)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
