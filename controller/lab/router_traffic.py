"""Lab traffic: the Services' TCP servers in the speakers, and the client that measures what gets through.

`serve NAME IP:PORT...` listens on every address; a connection gets the line `NAME\n`, then everything the
peer sends is counted and, when the peer shuts its side down, answered with
`received BYTES LATE_BYTES LATE_SECONDS` (LATE: the second half of the transfer, past any burst).
`send IP:PORT --seconds S --rate R` connects (or reports a timeout), offers R bytes/second (0: as fast as
TCP allows) for S seconds and prints one JSON line: the greeting, what the server received, and the
steady rate (bytes/second over the second half).
`probe` reads IP:PORT lines and answers each with `IP:PORT SECONDS`, the monotonic clock (shared by every
namespace) when a TCP SYN to it first got an answer (a SYN-ACK or a reset): the router let it through.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import select
import socket
import sys
import time


async def _handle(name: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(f"{name}\n".encode())
    await writer.drain()
    # (time, bytes so far) per read: the second half of the transfer shows the steady rate, after any burst.
    samples = [(time.monotonic(), 0)]
    while chunk := await reader.read(65536):
        samples.append((time.monotonic(), samples[-1][1] + len(chunk)))
    middle = samples[0][0] + (samples[-1][0] - samples[0][0]) / 2
    half = next(sample for sample in samples if sample[0] >= middle)
    late_bytes, late_seconds = samples[-1][1] - half[1], samples[-1][0] - half[0]
    writer.write(f"received {samples[-1][1]} {late_bytes} {late_seconds:.6f}\n".encode())
    await writer.drain()
    writer.close()


async def _serve(name: str, listen: list[str]) -> None:
    servers = []
    for address in listen:
        host, port = address.rsplit(":", 1)
        servers.append(
            await asyncio.start_server(lambda r, w: _handle(name, r, w), host, int(port), reuse_address=True)
        )
    print(f"{name}: listening on {' '.join(listen)}", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


def _send(address: str, seconds: float, rate: float, connect_timeout: float) -> dict[str, object]:
    host, port = address.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small send buffer: what the client queued but the limit held back must not count as sent.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    sock.settimeout(connect_timeout)
    try:
        sock.connect((host, int(port)))
    except (TimeoutError, OSError) as error:
        return {"connected": False, "error": str(error) or type(error).__name__}
    sock.settimeout(30)
    stream = sock.makefile("rb")
    greeting = stream.readline().decode().strip()
    payload = b"x" * 16384
    started = time.monotonic()
    sent = 0
    while (elapsed := time.monotonic() - started) < seconds:
        if rate and sent >= rate * elapsed:
            time.sleep(0.001)
            continue
        sock.sendall(payload)
        sent += len(payload)
    sock.shutdown(socket.SHUT_WR)
    answer = stream.readline().decode().split()
    sock.close()
    if len(answer) != 4:
        return {"connected": True, "greeting": greeting, "error": f"no answer from the server: {answer}"}
    received, late_bytes, late_seconds = int(answer[1]), int(answer[2]), float(answer[3])
    return {
        "connected": True,
        "greeting": greeting,
        "sent": sent,
        "received": received,
        "rate": late_bytes / late_seconds if late_seconds else 0.0,
    }


def _answered(host: str, port: int, timeout: float) -> bool:
    """Whether one SYN to host:port is answered within `timeout`; a firewall's silent drop is not."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setblocking(False)
        sock.connect_ex((host, port))
        _, writable, _ = select.select([], [sock], [], timeout)
        if not writable:
            return False
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        return error in (0, errno.ECONNREFUSED)


def _probe(attempt_timeout: float) -> None:
    """For each IP:PORT line on stdin, retry until a SYN is answered, then print when (time.monotonic)."""
    for line in sys.stdin:
        address = line.strip()
        if not address:
            continue
        host, port = address.rsplit(":", 1)
        while not _answered(host.strip("[]"), int(port), attempt_timeout):
            pass
        print(f"{address} {time.monotonic():.6f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="router_traffic", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve")
    serve.add_argument("--name", required=True)
    serve.add_argument("listen", nargs="+", metavar="IP:PORT")
    send = commands.add_parser("send")
    send.add_argument("address", metavar="IP:PORT")
    send.add_argument("--seconds", type=float, default=0.0)
    send.add_argument("--rate", type=float, default=0.0, help="bytes/second offered; 0: as fast as possible")
    send.add_argument("--connect-timeout", type=float, default=3.0)
    probe = commands.add_parser("probe")
    probe.add_argument("--attempt-timeout", type=float, default=0.02, help="seconds one SYN waits for an answer")
    args = parser.parse_args(argv)
    if args.command == "probe":
        _probe(args.attempt_timeout)
        return 0
    if args.command == "serve":
        asyncio.run(_serve(args.name, args.listen))
        return 0
    print(json.dumps(_send(args.address, args.seconds, args.rate, args.connect_timeout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
