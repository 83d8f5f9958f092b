"""A throwaway PostgreSQL server for the tests, shaped like RDS where the database users care.

Test support, not product. :func:`running` starts ``postgres`` from the machine's server binaries
(:func:`server_binaries`: PATH, else ``/usr/lib/postgresql/<version>/bin``) on 127.0.0.1 and a free
port, with a Unix socket in its own folder, TLS on (a test CA and a server certificate for
127.0.0.1 and :data:`SERVER_NAME`), and stops it when the ``with`` ends, whatever happened.

PostgreSQL refuses to run as root. As root, the server runs as ``nobody`` (``subprocess``'s
``user``/``group``) in a private folder under the system's temp dir, since pytest's own (under a
0700 ``/tmp/pytest-of-root``) is out of ``nobody``'s reach; otherwise as the caller.

Like RDS: the roles ``rds_iam`` and ``rds_superuser`` exist, and the master, :data:`MASTER`, is no
superuser but has CREATEROLE and CREATEDB, is a member of ``rds_superuser`` and owns the database.
Over TCP every login needs its password (scram-sha-256); over the socket, which only this user (and
root) can reach, the bootstrap superuser and every role log in without one, for the test's setup and
inspection.
"""

from __future__ import annotations

import datetime
import glob
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
MASTER = "dbadmin"
SERVER_NAME = "db.iotstack.test"  # the certificate's name, as a cluster endpoint's
HOW_TO_INSTALL = ("no PostgreSQL server binaries (initdb, postgres) on PATH or in /usr/lib/postgresql/*/bin: install "
                  "them (Debian or Ubuntu: apt-get install postgresql; macOS: brew install postgresql@15)")  # fmt: skip


def server_binaries() -> Path | None:
    """The folder holding ``initdb``, ``postgres`` and ``pg_isready``: on PATH, else the newest Debian one."""
    on_path = shutil.which("initdb")
    candidates = ([Path(on_path).parent] if on_path else []) + [
        Path(folder) for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    ]
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "postgres", "pg_isready")):
            return folder
    return None


def _version(folder: str) -> int:
    number = Path(folder).parent.name
    return int(number) if number.isdigit() else 0


@dataclass(frozen=True)
class Server:
    """A running server: ``port`` on 127.0.0.1, ``socket_dir`` for passwordless logins, ``ca`` the CA file."""

    port: int
    socket_dir: Path
    ca: Path
    master_password: str

    def sql(self, sql: str, user: str = SUPERUSER, database: str = "sensordata") -> str:
        """Run ``sql`` as ``user`` over the socket; its rows, unaligned (``a|b``), one per line."""
        done = self.psql(sql, user, database)
        if done.returncode != 0:
            raise AssertionError(f"psql as {user} failed: {done.stderr}")
        return done.stdout.strip()

    def psql(self, sql: str, user: str = SUPERUSER, database: str = "sensordata") -> subprocess.CompletedProcess:
        """``psql`` as ``user`` over the socket, stopping at the first error; the completed process."""
        return subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                               "-p", str(self.port), "-U", user, "-d", database],
                              input=sql, capture_output=True, text=True, env=_without_pg_settings())  # fmt: skip


def _without_pg_settings() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


@contextmanager
def running(binaries: Path, master_password: str) -> Iterator[Server]:
    """A fresh server from ``binaries``, its master's password ``master_password``; stopped at the end."""
    as_root = os.geteuid() == 0
    user = pwd.getpwnam("nobody") if as_root else None
    folder = Path(tempfile.mkdtemp(prefix="iotstack-postgres-"))
    server = None
    try:
        data, sockets = folder / "data", folder / "socket"
        sockets.mkdir()
        if user is not None:
            for path in (folder, sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        as_server = {"cwd": folder, **({"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {})}
        subprocess.run([binaries / "initdb", "-D", data, "-U", SUPERUSER, "--auth-local=trust",
                        "--auth-host=scram-sha-256", "--no-sync", "--no-instructions", "-E", "UTF8", "--locale=C"],
                       check=True, capture_output=True, **as_server)  # fmt: skip
        ca = _certificates(data, folder, user)
        port = _free_port()
        with open(folder / "postgres.log", "wb") as log:  # the server's output, for a failure's message
            server = subprocess.Popen([binaries / "postgres", "-D", data, "-h", "127.0.0.1", "-p", str(port),
                                       "-k", sockets, "-c", "fsync=off", "-c", "ssl=on"],
                                      stdout=log, stderr=log, **as_server)  # fmt: skip
        _wait_until_ready(binaries, server, sockets, port, folder / "postgres.log")
        running_server = Server(port, sockets, ca, master_password)
        running_server.sql(
            f"CREATE ROLE rds_iam; CREATE ROLE rds_superuser;"
            f"CREATE ROLE {MASTER} LOGIN CREATEROLE CREATEDB IN ROLE rds_superuser PASSWORD '{master_password}';",
            database="postgres",
        )
        yield running_server
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(folder, ignore_errors=True)


def _stop(server: subprocess.Popen) -> None:
    """Fast shutdown (SIGINT: sessions ended, no waiting for them); killed if it takes over 10 s."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_ready(binaries: Path, server: subprocess.Popen, sockets: Path, port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"postgres stopped at start (exit {server.returncode}):\n{log.read_text()}")
        ready = subprocess.run([binaries / "pg_isready", "-q", "-h", sockets, "-p", str(port)], check=False)
        if ready.returncode == 0:
            return
        time.sleep(0.05)
    raise RuntimeError(f"postgres not ready within 30 s:\n{log.read_text()}")


def _certificates(data: Path, folder: Path, user: pwd.struct_passwd | None) -> Path:
    """A test CA, and a server certificate it signed for 127.0.0.1 and :data:`SERVER_NAME` in the data
    folder (the key readable by the server's user alone, as postgres demands); the CA's file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject: str, key, issuer: str, signer, extensions) -> x509.Certificate:
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1)))  # fmt: skip
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical)
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("iotstack test CA", ca_key, "iotstack test CA", ca_key,
                     [(x509.BasicConstraints(ca=True, path_length=None), True)])  # fmt: skip
    names = x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    leaf = certificate(SERVER_NAME, server_key, "iotstack test CA", ca_key,
                       [(x509.BasicConstraints(ca=False, path_length=None), True), (names, False)])  # fmt: skip
    pem = serialization.Encoding.PEM
    (data / "server.crt").write_bytes(leaf.public_bytes(pem))
    key = data / "server.key"
    key.write_bytes(server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key.chmod(0o600)
    if user is not None:
        for path in (data / "server.crt", key):
            os.chown(path, user.pw_uid, user.pw_gid)
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    return folder / "ca.pem"
