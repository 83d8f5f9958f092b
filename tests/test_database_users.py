"""The database users' SQL on a real PostgreSQL server shaped like RDS (tests/support/postgres.py), run
twice to the same result as a master that is no superuser; and ``iotstack database-users`` end to end:
the master secret in the local AWS emulator, psql against that server, the password never printed."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat

import boto3
import pytest

from generator import psql
from generator.database_users import READER, USERS, WRITER, script
from generator.errors import IotstackError
from tests.conftest import ROOT, environment, run
from tests.support import postgres

BINARIES = postgres.server_binaries()
needs_postgres = pytest.mark.skipif(BINARIES is None, reason=postgres.HOW_TO_INSTALL)

PASSWORD = "Mast3r-pw-of-the-test-cluster"  # the master's, as the secret holds it
DATABASE = "sensordata"
SECRET = "db-master-password-dev"


# --- the script as text ------------------------------------------------------------------------------


def test_names_are_quoted():
    sql = script("sensor\"data'x")
    assert 'ON DATABASE "sensor""data\'x" FROM PUBLIC;' in sql
    assert "IF current_database() <> 'sensor\"data''x' THEN" in sql


BAD_NAMES = {"empty": "", "too-long": "x" * 64, "nul": "a\0b", "the-quote": "a$iotstack$b"}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES)
def test_a_bad_database_name_is_refused(name):
    with pytest.raises(ValueError, match=r"database name .*: must be 1\.\.63 bytes"):
        script(name)


# --- the script on a server --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    """One server for the module (its start costs about a second); each test gets a fresh database."""
    if BINARIES is None:
        pytest.skip(postgres.HOW_TO_INSTALL)
    with postgres.running(BINARIES, PASSWORD) as running:
        yield running


@pytest.fixture
def database(server):
    """A new ``sensordata`` owned by the master, no database users yet, and CREATE on public for everyone
    (PostgreSQL's default before 15, which the script takes away)."""
    server.sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE); DROP ROLE IF EXISTS {WRITER}, {READER}, stranger;"
               f"CREATE DATABASE {DATABASE} OWNER {postgres.MASTER}; CREATE ROLE stranger LOGIN;",
               database="postgres")  # fmt: skip
    server.sql("GRANT CREATE ON SCHEMA public TO PUBLIC;")
    return server


def master(server, database: str = DATABASE) -> psql.Connection:
    return psql.Connection("127.0.0.1", server.port, postgres.MASTER, PASSWORD, database)


def as_master(server, database: str = DATABASE, sql: str | None = None) -> str:
    """The script (for ``database``), or ``sql``, run by iotstack's runner as the master, over TLS."""
    return psql.run(script(database) if sql is None else sql, master(server, database))


# Everything the script decides, as the bootstrap superuser reads it: one row per fact, led by its kind.
USERS_AND_PUBLIC = f"ARRAY['{WRITER}', '{READER}', 'stranger']"
STATE = f"""
SELECT 'role', rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin,
       rolpassword IS NULL FROM pg_authid WHERE rolname IN ('{WRITER}', '{READER}') ORDER BY 2;
SELECT 'member', m.rolname, r.rolname, a.admin_option FROM pg_auth_members a
  JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
 WHERE r.rolname IN ('{WRITER}', '{READER}') OR m.rolname IN ('{WRITER}', '{READER}') ORDER BY 2, 3;
SELECT 'database', u, p, has_database_privilege(u, current_database(), p) FROM unnest({USERS_AND_PUBLIC}) u,
       unnest(ARRAY['CONNECT', 'CREATE', 'TEMP']) p ORDER BY 2, 3;
SELECT 'schema', u, p, has_schema_privilege(u, 'public', p) FROM unnest({USERS_AND_PUBLIC}) u,
       unnest(ARRAY['USAGE', 'CREATE']) p ORDER BY 2, 3;
SELECT 'table', u, t, p, has_table_privilege(u, t, p) FROM unnest({USERS_AND_PUBLIC}) u,
       unnest(ARRAY['made_before', 'made_by_master', 'made_by_writer']) t,
       unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p ORDER BY 2, 3, 4;
SELECT 'sequence', u, has_sequence_privilege(u, 'made_by_master_id_seq', 'USAGE') FROM unnest({USERS_AND_PUBLIC}) u;
SELECT 'acl', datacl FROM pg_database WHERE datname = current_database();
SELECT 'acl', nspacl FROM pg_namespace WHERE nspname = 'public';
SELECT 'default', defaclrole::regrole, defaclobjtype, defaclnamespace::regnamespace, defaclacl FROM pg_default_acl
 ORDER BY 2, 3;
"""
DML = ("SELECT", "INSERT", "UPDATE", "DELETE")


def state(server) -> tuple[list[str], dict[str, str]]:
    """:data:`STATE`'s rows, and each row's last column by the others (``table|iot_reader|made_before|INSERT``)."""
    rows = server.sql(STATE).splitlines()
    return rows, {row.rsplit("|", 1)[0]: row.rsplit("|", 1)[1] for row in rows}


@needs_postgres
def test_the_script_runs_twice_to_the_same_state(database):
    database.sql("CREATE TABLE made_before (id int)", user=postgres.MASTER)
    as_master(database)
    database.sql("CREATE TABLE made_by_master (id serial)", user=postgres.MASTER)
    database.sql("CREATE TABLE made_by_writer (id int)", user=WRITER)  # its own login: LOGIN, CONNECT, CREATE
    rows, first = state(database)
    assert as_master(database) == ""  # quiet: no NOTICE, no output
    assert state(database)[0] == rows

    for user in USERS:  # superuser, createrole, createdb, replication, bypassrls: no; login: yes; no password
        assert f"role|{user}|f|f|f|f|f|t|t" in rows
    members = [row for row in rows if row.startswith("member|")]  # the master in the writer, for its defaults
    assert members == [f"member|{postgres.MASTER}|{WRITER}|f", f"member|{READER}|rds_iam|f",
                       f"member|{WRITER}|rds_iam|f"], rows  # fmt: skip
    assert [first[f"database|{u}|CONNECT"] for u in (WRITER, READER, "stranger")] == list("ttf")
    assert {first[f"database|{u}|{p}"] for u in (WRITER, READER, "stranger") for p in ("CREATE", "TEMP")} == {"f"}
    assert [first[f"schema|{u}|USAGE"] for u in (WRITER, READER, "stranger")] == list("ttt")  # public's own
    assert [first[f"schema|{u}|CREATE"] for u in (WRITER, READER, "stranger")] == list("tff")  # PUBLIC's taken
    for table in ("made_before", "made_by_master", "made_by_writer"):
        assert [first[f"table|{READER}|{table}|{p}"] for p in DML] == list("tfff"), table
        assert [first[f"table|{WRITER}|{table}|{p}"] for p in DML] == list("tttt"), table
        assert [first[f"table|stranger|{table}|{p}"] for p in DML] == list("ffff"), table
    for table in ("made_before", "made_by_master"):  # DML only, on the tables the writer does not own
        assert [first[f"table|{WRITER}|{table}|{p}"] for p in ("TRUNCATE", "REFERENCES", "TRIGGER")] == list("fff")
    assert [first[f"sequence|{u}"] for u in (WRITER, READER, "stranger")] == list("tff")


@needs_postgres
def test_each_user_can_do_its_part_only(database):
    as_master(database)
    database.sql("CREATE TABLE readings (id serial, value float)", user=postgres.MASTER)
    database.sql("INSERT INTO readings (value) VALUES (1.5); CREATE TABLE staging (id int)", user=WRITER)
    assert database.sql("SELECT count(*) FROM readings; SELECT count(*) FROM staging", user=READER) == "1\n0"
    refused = {
        READER: ["INSERT INTO readings (value) VALUES (2)", "CREATE TABLE mine (id int)", "DELETE FROM staging"],
        WRITER: ["CREATE ROLE someone", "CREATE DATABASE other", "TRUNCATE readings", "DROP TABLE readings",
                 f"GRANT rds_superuser TO {WRITER}", f"ALTER ROLE {WRITER} SUPERUSER"],
    }  # fmt: skip
    for user, statements in refused.items():
        for statement in statements:
            done = database.psql(statement, user=user)
            assert done.returncode == 3 and re.search("permission denied|must (be|have)", done.stderr), statement
    assert "permission denied for database" in database.psql("SELECT 1", user="stranger").stderr


@needs_postgres
def test_a_user_with_too_much_is_cut_back(database):
    database.sql(f"CREATE ROLE {READER} LOGIN CREATEDB CREATEROLE PASSWORD 'old' IN ROLE rds_superuser",
                 database="postgres")  # fmt: skip
    as_master(database)
    after = database.sql(f"SELECT rolcreatedb, rolcreaterole, rolpassword IS NULL, pg_has_role('{READER}', "
                         f"'rds_superuser', 'MEMBER') FROM pg_authid WHERE rolname = '{READER}'")  # fmt: skip
    assert after == "f|f|t|f"


@needs_postgres
def test_a_superuser_of_that_name_fails_loudly_and_nothing_changes(database):
    database.sql(f"CREATE ROLE {WRITER} SUPERUSER", database="postgres")
    with pytest.raises(IotstackError, match="must be superuser to alter superuser roles"):
        as_master(database)
    assert database.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{READER}'") == "0"  # one transaction


@needs_postgres
def test_without_rds_iam_it_fails_and_creates_nothing(database):
    database.sql("ALTER ROLE rds_iam RENAME TO rds_iam_elsewhere", database="postgres")
    try:
        with pytest.raises(IotstackError, match="role rds_iam does not exist: IAM database authentication needs RDS"):
            as_master(database)
    finally:
        database.sql("ALTER ROLE rds_iam_elsewhere RENAME TO rds_iam", database="postgres")
    assert database.sql("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'iot_%'") == "0"


@needs_postgres
def test_in_another_database_it_fails(database):
    with pytest.raises(IotstackError, match="connected to database sensordata, but this script is for other"):
        psql.run(script("other"), master(database))


ODD = "sensor \"data\" 'x'"  # as an identifier and as a literal:
ODD_IDENTIFIER, ODD_TEXT = '"sensor ""data"" \'x\'"', "'sensor \"data\" ''x'''"


@needs_postgres
def test_an_odd_database_name_is_quoted(database):
    database.sql(f"CREATE DATABASE {ODD_IDENTIFIER} OWNER {postgres.MASTER}", database="postgres")
    try:
        as_master(database, ODD)
        granted = f"SELECT has_database_privilege('{READER}', {ODD_TEXT}, 'CONNECT')"
        assert database.sql(granted, database="postgres") == "t"
    finally:
        database.sql(f"DROP DATABASE {ODD_IDENTIFIER} WITH (FORCE)", database="postgres")


# --- iotstack database-users ------------------------------------------------------------------------


def put_secret(**changes) -> None:
    """The master secret of dev, as the stack's SecretTargetAttachment leaves it, changed where asked."""
    value = {"engine": "postgres", "host": "127.0.0.1", "port": 5432, "username": postgres.MASTER,
             "password": PASSWORD, "dbname": DATABASE} | changes  # fmt: skip
    boto3.client("secretsmanager", region_name="sa-east-1").create_secret(Name=SECRET, SecretString=json.dumps(value))


def users_in(server) -> str:
    return server.sql("SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'iot_%'")


def assert_never_printed(result, password: str = PASSWORD) -> None:
    assert password not in result.output and password not in (result.stderr or "")


@needs_postgres
def test_the_command_creates_the_users(aws, database):
    put_secret(port=database.port)
    result = run("database-users", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert users_in(database) == f"{READER},{WRITER}"
    assert f"Creating the database users as dbadmin@127.0.0.1:{database.port}/sensordata (TLS require)" in result.stderr
    assert result.stdout == f"{WRITER} and {READER} are ready in database sensordata of dev\n"
    assert_never_printed(result)


@needs_postgres
def test_through_a_port_forward_tls_checks_the_clusters_name(aws, database):
    put_secret(host=postgres.SERVER_NAME, port=1)  # a name that resolves nowhere here, as a cluster's outside
    result = run("database-users", "--env", "dev", "--host", "127.0.0.1", "--port", str(database.port),
                 "--ca-bundle", str(database.ca))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{postgres.SERVER_NAME}:{database.port}/sensordata via 127.0.0.1 (TLS verify-full)" in result.stderr
    assert users_in(database) == f"{READER},{WRITER}"


@needs_postgres
def test_a_wrong_password_fails_without_printing_it(aws, database):
    wrong = "Wr0ng-password-in-the-secret"
    put_secret(port=database.port, password=wrong)
    result = run("database-users", "--env", "dev")
    assert result.exit_code == 1, result.output
    assert "psql failed (exit 2) as dbadmin@127.0.0.1" in result.output
    assert 'password authentication failed for user "dbadmin"' in result.output
    assert_never_printed(result, wrong)
    assert users_in(database) == ""


@pytest.mark.skipif(shutil.which("psql") is None, reason="no psql on PATH (apt-get install postgresql-client)")
def test_an_unreachable_cluster_says_how_to_reach_it(aws):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        put_secret(port=probe.getsockname()[1])
    result = run("database-users", "--env", "dev")
    assert result.exit_code == 1, result.output
    assert "Connection refused" in result.output
    assert "run this inside the VPC, or forward a port through SSM and pass --host 127.0.0.1 --port N" in result.output


def test_without_psql_it_stops_before_reading_the_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # and no emulator: reading the secret would fail otherwise
    result = run("database-users", "--env", "dev")
    assert result.exit_code == 2, result.output
    assert "psql not found on PATH: install the PostgreSQL client" in result.output


def test_a_missing_secret_is_named(aws):
    result = run("database-users", "--env", "dev")
    assert result.exit_code == 2, result.output
    assert f"no secret {SECRET} in sa-east-1: deploy the stack of dev first" in result.output
    assert "break-glass access: assume the stack's DatabaseBreakGlassRole" in result.output


def test_a_secret_without_the_endpoint_is_named_not_shown(aws):
    put_secret(host="", port="")
    result = run("database-users", "--env", "dev")
    assert result.exit_code == 2, result.output
    assert f"secret {SECRET} has no host, port: the stack's SecretTargetAttachment" in result.output
    assert_never_printed(result)


def test_a_secret_that_is_not_json_is_bad_input(aws):
    boto3.client("secretsmanager", region_name="sa-east-1").create_secret(Name=SECRET, SecretString=PASSWORD)
    result = run("database-users", "--env", "dev")
    assert result.exit_code == 2, result.output
    assert f"secret {SECRET} does not hold a JSON object" in result.output
    assert_never_printed(result)


def test_the_secret_is_the_one_the_stack_makes():
    made = json.loads((ROOT / "templates" / "dev.json").read_text())["Resources"]["DatabaseSecret"]["Properties"]
    assert psql.secret_name(environment("dev")) == made["Name"] == SECRET
    assert json.loads(made["GenerateSecretString"]["SecretStringTemplate"])["dbname"] == DATABASE


def test_print_sql_needs_no_aws():  # the endpoint is 127.0.0.1:9, where nothing answers
    result = run("database-users", "--env", "dev", "--print-sql")
    assert result.exit_code == 0, result.output
    assert result.stdout == script(DATABASE)


@pytest.mark.parametrize("exit_code", [0, 3])
def test_what_psql_says_is_masked(aws, tmp_path, monkeypatch, exit_code):
    """A psql that repeats its password (none does; this one is made to) in what it prints."""
    fake = tmp_path / "psql"
    fake.write_text(f'#!/bin/sh\necho "password was $PGPASSWORD" >&2\nexit {exit_code}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    put_secret()
    result = run("database-users", "--env", "dev")
    assert result.exit_code == (1 if exit_code else 0), result.output
    assert "password was ***" in result.output
    assert_never_printed(result)


def test_psql_gets_the_connection_and_nothing_else_of_the_shell(monkeypatch):
    """No AWS credential and no PG* setting of the shell reach the child; the password only through its env."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "shell-secret")
    monkeypatch.setenv("PGSERVICE", "somewhere-else")
    connection = psql.Connection(host="db.example", port=5432, user="dbadmin", password="pw", database="sensordata")
    env = psql._child_environment(connection, "require", None)
    assert not [k for k in env if k.startswith("AWS_")] and "PGSERVICE" not in env
    assert (env["PGHOST"], env["PGPASSWORD"], env["PGSSLMODE"]) == ("db.example", "pw", "require")


@pytest.mark.skipif(shutil.which("psql") is None, reason="no psql on PATH (apt-get install postgresql-client)")
def test_sigterm_while_psql_waits_ends_both_in_one_line(aws):
    """A CI runner's stop while psql waits on a server that never answers: psql goes with iotstack (its one
    transaction never committed), one line, 128 + 15."""
    import signal
    import subprocess
    import sys
    import time

    with socket.socket() as silent:  # the kernel accepts the connection; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        put_secret(port=silent.getsockname()[1])
        program = "import sys; from generator.cli import main; main(sys.argv[1:], prog_name='iotstack')"
        process = subprocess.Popen([sys.executable, "-c", program, "database-users", "--env", "dev"], cwd=ROOT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline, children = time.monotonic() + 30, []
        while not children:
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            children = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == process.pid]
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 143, (out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2, err  # the "Creating ..." line, then one
    assert "terminated (SIGTERM): psql stopped with it before its one transaction committed, so nothing changed" in err
    time.sleep(0.2)  # a killed child is reaped by then
    assert not [c for c in children if os.path.exists(f"/proc/{c}")], "psql left running"
    assert PASSWORD not in out + err


def _parent(pid: int) -> int:
    try:
        return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1
