"""The throwaway CA and the private brokers of the security tests.

``trustme`` makes the CA and the certificates; each broker is a process of
its own on a free loopback port, stopped by its PID (SIGTERM, a bounded wait,
then SIGKILL). The shared brokers of ``scripts/brokers.sh`` are never touched.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import trustme

from servers import free_port, nats_server, redis_server

#: Credentials of the private brokers: long enough to be redacted from errors.
USER, PASSWORD, TOKEN = "alice", "s3cret-pw-4711", "tok-s3cret-0815"
STARTUP = 20.0  # seconds: generous, the machine is shared


@dataclass(frozen=True)
class Pki:
    """Files of the throwaway CA: its certificate, a server's and a client's."""

    ca: trustme.CA
    ca_file: str
    cert_file: str
    key_file: str
    client_cert_file: str
    client_key_file: str

    def context(self) -> ssl.SSLContext:
        """A client context trusting this CA only."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


def make_pki(folder: Path) -> Pki:
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("client@example.com")
    blobs = {
        "ca_file": ca.cert_pem,
        "cert_file": server.cert_chain_pems[0],
        "key_file": server.private_key_pem,
        "client_cert_file": client.cert_chain_pems[0],
        "client_key_file": client.private_key_pem,
    }
    paths = {}
    for name, blob in blobs.items():
        path = folder / f"{name}.pem"
        blob.write_to_path(str(path))
        paths[name] = str(path)
    return Pki(ca=ca, **paths)


def _until_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP
    while True:
        assert proc.poll() is None, f"the broker on port {port} exited with {proc.returncode}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on port {port}"
            time.sleep(0.02)


@contextlib.contextmanager
def running(port: int, *argv: str, cwd: Path) -> Iterator[int]:
    """Run ``argv`` until the block ends; yield ``port`` once it accepts connections."""
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until_listening(port, proc)
        yield port
    finally:
        if proc.poll() is None:
            proc.terminate()  # only the process started here, by its PID
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def redis_tls(pki: Pki, cwd: Path) -> contextlib.AbstractContextManager[int]:
    """A TLS-only redis-server with the ACL user ``USER``."""
    port = free_port()
    argv = [
        redis_server(),
        "--port", "0",
        "--tls-port", str(port),
        "--tls-cert-file", pki.cert_file,
        "--tls-key-file", pki.key_file,
        "--tls-ca-cert-file", pki.ca_file,
        "--tls-auth-clients", "no",
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--user", USER, "on", f">{PASSWORD}", "~*", "&*", "+@all",
    ]  # fmt: skip
    return running(port, *argv, cwd=cwd)


def nats(cwd: Path, *auth: str, tls: Pki | None) -> contextlib.AbstractContextManager[int]:
    """A nats-server with ``auth`` options, and TLS with ``tls``'s server certificate."""
    port = free_port()
    argv = [nats_server(), "-a", "127.0.0.1", "-p", str(port), *auth]
    if tls is not None:
        argv += ["--tls", "--tlscert", tls.cert_file, "--tlskey", tls.key_file]
    return running(port, *argv, cwd=cwd)
