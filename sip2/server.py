"""The SIP2 TCP server: asyncio for the connections, a thread pool for the database work.

One process serves many terminals: each connection is a coroutine that reads frames and hands
each one to ``Session.handle`` in a worker thread (the ORM is synchronous; each thread keeps its
own database connection). Messages of one connection are answered in order, one at a time.
Several processes may share a port (``reuse_port``), e.g. one per core.

A frame ends at CR, LF or CRLF. A connection is closed after too many unreadable frames, a
frame longer than ``MAX_FRAME`` bytes, or ``idle_seconds`` without a frame. TLS is native when
a certificate and key are given (or put stunnel in front; docs/sip2.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sip2.session import Outcome, Session

log = logging.getLogger("sip2.server")

MAX_FRAME = 8192
_TERMINATORS = (b"\r", b"\n")


@dataclass(frozen=True)
class Config:
    host: str = "0.0.0.0"  # noqa: S104 (a server for machines on the library network)
    port: int = 6001
    threads: int = 16
    idle_seconds: float = 3600.0
    reuse_port: bool = False
    tls_cert: str | None = None
    tls_key: str | None = None


def tls_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    if not cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key or None)
    return context


def split_frames(buffer: bytearray) -> list[bytes]:
    """Take every complete frame out of ``buffer`` (empty lines dropped: CRLF is CR + LF)."""
    frames = []
    while True:
        ends = [i for i in (buffer.find(t) for t in _TERMINATORS) if i != -1]
        if not ends:
            return frames
        end = min(ends)
        frame = bytes(buffer[:end])
        del buffer[: end + 1]
        if frame.strip():
            frames.append(frame)


class Server:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.executor = ThreadPoolExecutor(max_workers=config.threads, thread_name_prefix="sip2")
        self.server: asyncio.base_events.Server | None = None
        self.connections = 0
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(
            self._serve,
            self.config.host,
            self.config.port,
            ssl=tls_context(self.config.tls_cert, self.config.tls_key),
            reuse_port=self.config.reuse_port or None,
            limit=MAX_FRAME * 2,
        )
        port = self.server.sockets[0].getsockname()[1]
        log.info("SIP2 server listening on %s:%s", self.config.host, port)
        return port

    async def serve_forever(self) -> None:
        await self.start()
        async with self.server:
            await self.server.serve_forever()

    async def stop(self) -> None:
        """Stop listening, end every connection, then close each worker thread's database
        connection and shut the pool down (waiting for a message in progress to finish), so
        nothing of the server holds a database session afterwards."""
        if self.server is not None:
            self.server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.server is not None:
            await self.server.wait_closed()
        await asyncio.get_running_loop().run_in_executor(None, self._close_db_connections)
        self.executor.shutdown(wait=True, cancel_futures=True)

    def _close_db_connections(self) -> None:
        """Close every worker thread's database connection (one task per thread: each waits
        at a barrier, so no thread takes two)."""
        from django.db import connections

        size = self.config.threads
        barrier = threading.Barrier(size)

        def close() -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
            connections.close_all()

        for future in [self.executor.submit(close) for _ in range(size)]:
            future.result(timeout=30)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        session = Session(peer=f"{peer[0]}:{peer[1]}" if peer else "?")
        self.connections += 1
        task = asyncio.current_task()
        self._tasks.add(task)
        loop = asyncio.get_running_loop()
        buffer = bytearray()
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(reader.read(4096), self.config.idle_seconds)
                except TimeoutError:
                    break
                if not chunk:
                    break
                buffer += chunk
                close = False
                for frame in split_frames(buffer):
                    outcome: Outcome = await loop.run_in_executor(
                        self.executor, session.handle, frame
                    )
                    writer.write(outcome.data)
                    await writer.drain()
                    if outcome.close:
                        close = True
                        break
                if close:
                    break
                if len(buffer) > MAX_FRAME:
                    log.info("peer=%s frame too long: closed", session.peer)
                    break
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError) as error:
            log.info("peer=%s connection ended: %s", session.peer, type(error).__name__)
        except Exception:
            log.exception("peer=%s connection failed", session.peer)
        finally:
            self.connections -= 1
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
                await writer.wait_closed()


class ServerThread:
    """The server in a background thread with its own event loop (tests, benchmarks)."""

    def __init__(self, config: Config) -> None:
        self.server = Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0

    def __enter__(self) -> ServerThread:
        self.thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
