"""What a load benchmark needs besides the server: many HTTP/1.1 keep-alive connections in
one asyncio loop, latency figures, and the gunicorn workers' memory read from /proc.

The client is small on purpose (no new dependency, nothing between the bench and the
socket): one `Connection` is one TCP connection that carries request after request, as a
browser's or a proxy's does, so that "300 clients at once" really is 300 connections open
at once on the server, not 300 requests queued behind a thread pool in the bench.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1024 * 1024


@dataclass
class Answer:
    """One request: the status (0: no answer), headers (lower-case names; every
    Set-Cookie in `cookies`), the body (unless dropped), its size, when it started
    (time.monotonic) and how long it took to the last byte."""

    status: int
    seconds: float
    started: float
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)
    body: bytes = b""
    size: int = 0
    error: str = ""


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port, opened on first use.

    A request whose connection the server had already closed (gunicorn's keep-alive
    timeout, or a worker restarting after `max_requests`) is sent again once on a new
    connection, as browsers and proxies do, when nothing of an answer had arrived: the
    server did not take it. Those resends are counted in `resent`.
    """

    def __init__(self, port: int, *, timeout: float = 30.0):
        self.port, self.timeout = port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.served = 0  # answers on the current TCP connection
        self.connects: list[float] = []  # seconds each TCP connect took
        self.resent = 0

    async def request(self, method: str, path: str, *, headers: dict | None = None,
                      body: bytes | list = b"", keep_body: bool = True) -> Answer:
        """Send one request and read its whole answer. `body` is bytes, or a list of bytes
        and Paths (a file sent in chunks, so that a large upload is never all in memory)."""
        started = time.monotonic()
        try:
            return await asyncio.wait_for(
                self._exchange(method, path, headers or {}, body, keep_body, started),
                self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError) as exc:
            await self.close()
            kind = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            return Answer(0, time.monotonic() - started, started, error=f"{kind}: {exc}")

    async def _exchange(self, method, path, headers, body, keep_body, started) -> Answer:
        for attempt in (1, 2):
            reused = self.writer is not None and self.served > 0
            if self.writer is None:
                t = time.monotonic()
                self.reader, self.writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, limit=256 * 1024)
                self.connects.append(time.monotonic() - t)
                self.served = 0
            try:
                await self._send(method, path, headers, body)
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError) as exc:
                partial = getattr(exc, "partial", b"")
                await self.close()
                if reused and attempt == 1 and not partial:
                    self.resent += 1
                    continue
                raise
            answer = await self._read(method, head, keep_body, started)
            self.served += 1
            return answer
        raise ConnectionResetError("closed twice")  # not reached: the second attempt raises

    async def _send(self, method, path, headers, body) -> None:
        parts = [body] if isinstance(body, bytes) else body
        length = sum(p.stat().st_size if isinstance(p, Path) else len(p) for p in parts)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                 *(f"{k}: {v}" for k, v in headers.items())]
        if length or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {length}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        for part in parts:
            if isinstance(part, Path):
                with part.open("rb") as f:
                    while chunk := f.read(CHUNK):
                        self.writer.write(chunk)
                        await self.writer.drain()
            elif part:
                self.writer.write(part)
        await self.writer.drain()

    async def _read(self, method: str, head: bytes, keep_body: bool, started: float) -> Answer:
        lines = head.decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        headers, cookies = {}, []
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    cookies.append(value)
                headers[name] = value
        code = int(status)
        chunks, size, until_eof = [], 0, False
        if method == "HEAD" or code in (204, 304) or code < 200:
            pass
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            while (n := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)):
                data = await self.reader.readexactly(n + 2)
                size += n
                if keep_body:
                    chunks.append(data[:-2])
            await self._trailers()
        elif "content-length" in headers:
            left = int(headers["content-length"])
            while left:
                data = await self.reader.readexactly(min(left, CHUNK))
                left -= len(data)
                size += len(data)
                if keep_body:
                    chunks.append(data)
        else:
            until_eof = True
            while data := await self.reader.read(CHUNK):
                size += len(data)
                if keep_body:
                    chunks.append(data)
        if (until_eof or version == "HTTP/1.0"
                or headers.get("connection", "").lower() == "close"):
            await self.close()
        return Answer(code, time.monotonic() - started, started, headers, cookies,
                      b"".join(chunks), size)

    async def _trailers(self) -> None:
        while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
            pass

    async def close(self) -> None:
        if self.writer is not None:
            writer, self.writer, self.reader = self.writer, None, None
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


@dataclass
class Request:
    """One request to send: method, path, headers, body; `tag` says what it was for."""

    method: str
    path: str
    headers: dict
    body: bytes = b""
    tag: object = None
    keep_body: bool = True


@dataclass
class Scheduled:
    """A request of an open-loop run: when it was due (time.monotonic) and its answer.
    `latency` runs from when it was due, not from when it went out, so that time spent
    waiting for a free connection (or for this client) counts as a user would feel it."""

    request: Request
    due: float
    answer: Answer

    @property
    def latency(self) -> float:
        return self.answer.started + self.answer.seconds - self.due

    @property
    def late(self) -> float:
        """How long after it was due it went out (the client's own lag and the wait for
        a free connection)."""
        return max(self.answer.started - self.due, 0.0)


@dataclass
class OpenLoop:
    """What `open_loop` did: the requests sent (in schedule order), the wall time from the
    first one due to the last answer, and the connections it used."""

    sent: list[Scheduled]
    seconds: float
    connections: list[Connection]


async def open_loop(port: int, requests: list[Request], rate: float, *, deadline: float,
                    connections: int, timeout: float = 30.0) -> OpenLoop:
    """Send `requests` at a fixed arrival rate: the i-th is due i / rate seconds after the
    start and goes out then, whether or not the earlier ones have been answered (an open
    loop: a slow server does not slow the arrivals down, so no queueing is hidden). Each
    goes on an idle keep-alive connection of a pool that grows up to `connections`; past
    that it waits for one to come free, its latency counting from when it was due. None
    is sent once `deadline` (time.monotonic) has passed."""
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    opened: list[Connection] = []
    sent: list[Scheduled | None] = [None] * len(requests)

    async def one(i: int, request: Request, due: float) -> None:
        if idle.empty() and len(opened) < connections:
            conn = Connection(port, timeout=timeout)
            opened.append(conn)
        else:
            conn = await idle.get()
        answer = await conn.request(request.method, request.path, headers=request.headers,
                                    body=request.body, keep_body=request.keep_body)
        idle.put_nowait(conn)
        sent[i] = Scheduled(request, due, answer)

    start = time.monotonic() + 0.01
    tasks = []
    for i, request in enumerate(requests):
        due = start + i / rate
        if due > deadline:
            break
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(i, request, due)))
    await asyncio.gather(*tasks)
    done = time.monotonic()
    for conn in opened:
        await conn.close()
    return OpenLoop([s for s in sent[:len(tasks)] if s is not None], done - start, opened)


def classes(statuses: Iterable[int]) -> dict[str, int]:
    """{'2xx': n, '4xx': n, 'no answer': n, …}, sorted."""
    counts = Counter(f"{s // 100}xx" if s else "no answer" for s in statuses)
    return dict(sorted(counts.items()))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of values, nearest rank above (inclusive method)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def latency(seconds: list[float]) -> str:
    """'p50 X ms, p95 Y ms, max Z ms' (or 'none' for an empty list)."""
    if not seconds:
        return "none"
    return (f"p50 {percentile(seconds, 50) * 1000:.0f} ms, "
            f"p95 {percentile(seconds, 95) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms")


def latency_tail(seconds: list[float]) -> str:
    """'p50 X ms, p95 Y ms, p99 Z ms' (or 'none' for an empty list)."""
    if not seconds:
        return "none"
    return ", ".join(f"p{q} {percentile(seconds, q) * 1000:.0f} ms" for q in (50, 95, 99))


def multipart(fields: dict[str, str], file_field: str, path: Path,
              content_type: str) -> tuple[str, list]:
    """A multipart/form-data body as a browser sends a form with one file: its
    Content-Type header and the parts for Connection.request (the file as a Path)."""
    boundary = "----plaza-bench-load-7d3f9a"
    head = b"".join(
        (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
         f"{value}\r\n").encode() for name, value in fields.items())
    head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; "
             f"filename=\"{path.name}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
    return (f"multipart/form-data; boundary={boundary}",
            [head, path, f"\r\n--{boundary}--\r\n".encode()])


# ------------------------------------------------------------------ workers' memory
def worker_pids(arbiter: int) -> list[int]:
    """gunicorn's workers: the arbiter's children (Linux's /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == arbiter:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(pids)


def memory(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a process in KiB: resident now, and its peak since it started
    or since `peak_reset`; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line[:5]] = int(line.split()[1])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def peak_reset(pid: int) -> bool:
    """Reset a process's peak RSS (VmHWM) to its current RSS: writing 5 to clear_refs,
    allowed for one's own processes. So a phase's peak is that phase's, not start-up's."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class MemoryWatch:
    """Samples the workers' RSS every `interval` seconds in a thread of its own, while a
    phase runs: the loop that drives the clients may be too busy to sample on time, and a
    worker restarted by `max_requests` takes its VmHWM with it, so the samples keep the
    peak of every worker seen, by pid."""

    def __init__(self, arbiter: int, interval: float = 0.1):
        self.arbiter, self.interval = arbiter, interval
        self.before: dict[int, int] = {}
        self.peak: dict[int, int] = {}
        self.after: dict[int, int] = {}
        self.reset = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryWatch:
        for pid in worker_pids(self.arbiter):
            got = memory(pid)
            if got:
                self.before[pid] = got[0]
                self.reset = peak_reset(pid)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        for pid in worker_pids(self.arbiter):
            got = memory(pid)
            if got:
                self.after[pid] = got[0]

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        for pid in worker_pids(self.arbiter):
            got = memory(pid)
            if got:
                peak = max(got) if self.reset else got[0]
                self.peak[pid] = max(self.peak.get(pid, 0), peak)

    def lines(self) -> list[str]:
        """One line per worker: RSS before → peak → after (MB), new workers marked."""
        out = []
        for pid in sorted(set(self.before) | set(self.peak)):
            before = self.before.get(pid)
            after = self.after.get(pid)
            change = (f" ({(self.peak[pid] - before) / 1024:+.0f} MB)"
                      if before and pid in self.peak else "")
            out.append(
                f"worker {pid}: RSS before {_mb(before)}, peak {_mb(self.peak.get(pid))}"
                f"{change}"
                f", after {_mb(after) if after else 'gone (restarted)'}"
                f"{'' if before else ' (started during the phase)'}")
        return out

    def growth(self) -> int:
        """The largest peak − before of a worker there from the start, in KiB."""
        return max((self.peak[p] - b for p, b in self.before.items() if p in self.peak),
                   default=0)


def _mb(kib: int | None) -> str:
    return "?" if kib is None else f"{kib / 1024:.0f} MB"
