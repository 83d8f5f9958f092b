"""``iotstack database-users``: create the IAM-authenticated database users as the master user, with
psql: :mod:`generator.database_users` makes the SQL, :mod:`generator.psql` runs it."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.base import cloud_for, env_option, find_workspace, load_envs
from generator.console import echo
from generator.psql import RDS_CA_BUNDLE, TLS_MODES


@click.command(name="database-users")
@env_option
@click.option("--print-sql", is_flag=True, help="Print the SQL and stop: no AWS, no database.")
@click.option("--host", metavar="HOST", help="Connect here instead of the secret's endpoint: 127.0.0.1 for an "
              "SSM port forward (an IP address keeps TLS checking the cluster's name).")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), metavar="PORT", help="Connect to this port instead.")
@click.option("--sslmode", type=click.Choice(TLS_MODES),
              help="libpq's TLS mode (default: require, or verify-full with --ca-bundle).")  # fmt: skip
@click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
              help=f"The RDS CA bundle ({RDS_CA_BUNDLE}).")  # fmt: skip
def database_users_command(env_name, print_sql, host, port, sslmode, ca_bundle):
    """Create the database users iot_writer and iot_reader (IAM authentication, no password).

    \b
    Once per environment after its first deploy, and again whenever in doubt:
    the SQL is idempotent and runs in one transaction (--print-sql shows it).
    Reads the master secret db-master-password-<env> (break-glass access: assume
    the stack's DatabaseBreakGlassRole) and runs the SQL with psql, which must be
    on PATH. The cluster is in private subnets: run it inside the VPC, or through
    an SSM port forward with --host 127.0.0.1 --port N. Never prints the password.
    \b
    Exit codes: 0 done, 1 psql or AWS failed, 2 bad usage or input (no psql, no
    secret or no access to it, credentials of another account than deploy.account).
    """
    from generator.database_users import USERS, script

    (env,) = load_envs(find_workspace(), [env_name])
    if print_sql:
        from generator.stack.secrets import DB_NAME

        echo(script(DB_NAME), nl=False)
        return
    from generator import psql

    psql.find_psql()  # first: no break-glass read of the master secret for nothing
    connection = psql.master_connection(cloud_for(env), env).through(host, port)
    tls = sslmode or ("verify-full" if ca_bundle else "require")
    echo(f"Creating the database users as {connection} (TLS {tls})", err=True)
    said = psql.run(script(connection.database), connection, tls, ca_bundle)
    if said:
        echo(said, err=True)
    echo(f"{' and '.join(USERS)} are ready in database {connection.database} of {env.name}")
