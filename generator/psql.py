"""Running SQL on an environment's cluster as its master user, with ``psql``.

The master credential comes from the secret ``db-master-password-<env>`` (:func:`master_connection`),
which after the stack's SecretTargetAttachment describes the whole connection: host, port,
username, password, dbname. It goes nowhere but into the environment of one ``psql`` child
(:func:`run`): not into an argument (which ``ps`` shows), not into this process's environment, and
whatever psql prints passes through the masking with the password replaced. Every other ``PG*``
variable of the shell is left out, so that nothing but these settings decides where psql goes.

The cluster lives in private subnets without NAT: run this inside the VPC, or through an SSM port
forward with ``--host 127.0.0.1 --port N`` (:meth:`Connection.through`). TLS is required; with the
RDS CA bundle, ``verify-full`` checks the certificate against the cluster's name even through the
forward (libpq connects to ``hostaddr`` and verifies ``host``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from generator.config import Environment
from generator.database_users import PSQL_OPTIONS
from generator.errors import Interrupted, IotstackError, UsageError
from generator.masking import URL_MASK

TLS_MODES = ("require", "verify-ca", "verify-full")
RDS_CA_BUNDLE = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
BREAK_GLASS = ("the master secret is readable only with break-glass access: assume the stack's "
               "DatabaseBreakGlassRole (output DatabaseBreakGlassRoleArn) first")  # fmt: skip
# The client's own limits: a black-holed address (outside the VPC without a forward) fails in seconds,
# and a grant waiting behind another session's lock (a running migration) gives up instead of hanging.
CONNECT_TIMEOUT_SECONDS = 10
SESSION_OPTIONS = "-c lock_timeout=30s"
_SECRET_KEYS = ("host", "port", "username", "password", "dbname")


@dataclasses.dataclass(frozen=True)
class Connection:
    """Where psql connects, as whom. ``address`` (an IP address) is where it connects to instead of
    ``host``, which TLS still verifies."""

    host: str
    port: int
    user: str
    password: str = dataclasses.field(repr=False)
    database: str
    address: str = ""

    @classmethod
    def from_secret(cls, secret: dict[str, Any], secret_id: str) -> Connection:
        """The connection a database secret describes; its missing or malformed keys are named, never its values."""
        missing = [key for key in _SECRET_KEYS if not str(secret.get(key) or "").strip()]
        if missing:
            raise UsageError(f"secret {secret_id} has no {', '.join(missing)}: the stack's SecretTargetAttachment "
                             "adds host and port once the cluster exists; is the stack deployed?")  # fmt: skip
        port = secret["port"]
        if not str(port).isdigit() or not 0 < int(port) < 65536:
            raise UsageError(f"secret {secret_id}: its port is not a TCP port")
        return cls(str(secret["host"]), int(port), str(secret["username"]), str(secret["password"]),
                   str(secret["dbname"]))  # fmt: skip

    def through(self, host: str | None = None, port: int | None = None) -> Connection:
        """This connection through another endpoint (a port forward): an IP address becomes ``address``,
        so that TLS still checks the certificate against the cluster's name; a name replaces ``host``."""
        changed = self if port is None else dataclasses.replace(self, port=port)
        if not host:
            return changed
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return dataclasses.replace(changed, host=host, address="")
        return dataclasses.replace(changed, address=host)

    def __str__(self) -> str:
        via = f" via {self.address}" if self.address else ""
        return f"{self.user}@{self.host}:{self.port}/{self.database}{via}"


def secret_name(env: Environment) -> str:
    """The name of the environment's database master secret (:mod:`generator.stack.secrets`)."""
    from generator.stack.common import name
    from generator.stack.secrets import MASTER_SECRET

    return name(env, MASTER_SECRET)


def master_connection(cloud: Any, env: Environment) -> Connection:
    """The master connection of ``env``'s cluster, from its secret (read through the AWS gateway ``cloud``)."""
    secret_id = secret_name(env)
    try:
        secret = cloud.secret_value(secret_id)
    except IotstackError as error:
        code = getattr(error, "code", "")
        if code == "ResourceNotFoundException":
            raise UsageError(f"no secret {secret_id} in {env.region}: deploy the stack of {env.name} first; "
                             f"{BREAK_GLASS}") from None  # fmt: skip
        if "AccessDenied" in code:  # Secrets Manager's, or KMS's for the secret's key
            raise UsageError(f"not allowed to read secret {secret_id} ({error}): {BREAK_GLASS}") from None
        raise
    return Connection.from_secret(secret, secret_id)


def find_psql() -> str:
    """The path of ``psql`` on PATH."""
    found = shutil.which("psql")
    if not found:
        raise UsageError("psql not found on PATH: install the PostgreSQL client (Debian or Ubuntu: apt-get install "
                         "postgresql-client; Amazon Linux: dnf install postgresql15; macOS: brew install libpq) "
                         "or put its folder on PATH")  # fmt: skip
    return found


def run(sql: str, connection: Connection, sslmode: str = "require", ca_bundle: Path | None = None) -> str:
    """Run ``sql`` with psql in one transaction, stopping at the first error; return what psql printed
    (warnings), the password masked. A failure raises with psql's message, masked alike."""
    try:
        done = subprocess.run([find_psql(), *PSQL_OPTIONS], input=sql, capture_output=True, text=True,
                              env=_child_environment(connection, sslmode, ca_bundle))  # fmt: skip
    except KeyboardInterrupt as stop:  # Ctrl-C, SIGTERM, SIGHUP: subprocess.run has killed psql
        raise Interrupted("{stopped}: psql stopped with it before its one transaction committed, so nothing "
                          "changed in the database; run the command again", by=stop) from None  # fmt: skip
    said = _masked((done.stdout + done.stderr).strip(), connection.password)
    if done.returncode != 0:
        raise IotstackError(f"psql failed (exit {done.returncode}) as {connection}: {said or 'no message'}"
                            f"{_hint(said)}")  # fmt: skip
    return said


def _child_environment(connection: Connection, sslmode: str, ca_bundle: Path | None) -> dict[str, str]:
    if sslmode not in TLS_MODES:
        raise UsageError(f"sslmode {sslmode!r}: must be one of {', '.join(TLS_MODES)}")
    # psql gets no AWS credentials and no PG* setting of the shell's: only the connection below.
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith(("PG", "AWS_"))}
    env.update(PGHOST=connection.host, PGPORT=str(connection.port), PGUSER=connection.user,
               PGDATABASE=connection.database, PGPASSWORD=connection.password, PGSSLMODE=sslmode,
               PGCONNECT_TIMEOUT=str(CONNECT_TIMEOUT_SECONDS), PGOPTIONS=SESSION_OPTIONS,
               PGAPPNAME="iotstack database-users")  # fmt: skip
    if connection.address:
        env["PGHOSTADDR"] = connection.address
    if ca_bundle is not None:
        env["PGSSLROOTCERT"] = str(ca_bundle)
    return env


def _masked(text: str, password: str) -> str:
    return text.replace(password, URL_MASK) if password else text


def _hint(message: str) -> str:
    """What to do about a failure to reach the cluster at all."""
    unreachable = ("timeout expired", "Connection refused", "could not translate host name", "No route to host")
    if any(words in message for words in unreachable):
        return (" (the cluster is in private subnets: run this inside the VPC, or forward a port through SSM "
                "and pass --host 127.0.0.1 --port N)")  # fmt: skip
    return ""
