"""The database users consumers connect as, with IAM database authentication: the SQL that makes them.

Consumers never hold the Aurora master password. The stack lets IAM principals ``rds-db:connect`` as
one of two users; :func:`script` creates those users in the database, run once with the master
credential (``iotstack database-users``). What each may do, and why:

``iot_writer`` (:data:`WRITER`), the ingesting application
  LOGIN without a password, a member of ``rds_iam``: it signs in with an IAM token only (RDS accepts
  nothing else from a member of ``rds_iam``). CONNECT on the database. USAGE and CREATE on schema
  ``public``: the application migrates its own schema, so it owns the tables it creates. SELECT,
  INSERT, UPDATE, DELETE on the tables and USAGE, SELECT, UPDATE on the sequences of ``public`` that
  others (the master) made, today's and, through default privileges, future ones: DML, but no
  TRUNCATE and no DDL on what it does not own.
``iot_reader`` (:data:`READER`), dashboards and analysts
  LOGIN without a password, ``rds_iam``, CONNECT, USAGE on ``public``, SELECT on its tables: today's,
  and through default privileges those the writer or the master create later, so that a migration
  never leaves the reader blind. Nothing else: it cannot write or create anything.
Both
  NOSUPERUSER, NOCREATEDB, NOCREATEROLE, not members of ``rds_superuser``: an IAM permission to
  connect must never carry the master's power. On RDS the master is no superuser and may not even
  name SUPERUSER, REPLICATION or BYPASSRLS in ALTER ROLE (PostgreSQL refuses it), so those are
  removed only from a role that has them (and on RDS that fails loudly, as it should).
Everyone else (PUBLIC)
  No CONNECT or TEMP on the database, no CREATE on ``public`` (before PostgreSQL 15 every role had
  both by default): only the master and these two users get in.

The master is made a member of ``iot_writer`` (not the other way round): PostgreSQL lets only a member
set a role's default privileges (``FOR ROLE iot_writer``). That gives ``iot_writer`` nothing.

The script is idempotent (every step checks first, or is a GRANT or REVOKE that repeats harmlessly).
It fails loudly, and in one transaction changes nothing, where ``rds_iam`` is missing (not RDS: it is
never created here) or where it runs in another database than the one it was made for.
"""

from __future__ import annotations

WRITER = "iot_writer"
READER = "iot_reader"
USERS = (WRITER, READER)

# psql options that run it as intended: stop at the first error, all or nothing, no ~/.psqlrc.
PSQL_OPTIONS = ("-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction")

_LONGEST_NAME = 63  # PostgreSQL's NAMEDATALEN - 1: a longer identifier is cut, silently
_QUOTE = "$iotstack$"  # the dollar quote of the PL/pgSQL blocks

_HEADER = """\
-- iotstack database-users: the IAM-authenticated users of database {db}.
-- Idempotent. Run it as the master user: psql {options}
SET LOCAL client_min_messages = warning;  -- no NOTICE for each grant that is there already
SET LOCAL search_path = pg_catalog;  -- no function or type of a schema a user may write to is found first
DO {q} BEGIN
  IF current_database() <> {db_text} THEN
    RAISE EXCEPTION 'connected to database %, but this script is for %', current_database(), {db_text};
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rds_iam') THEN
    RAISE EXCEPTION 'role rds_iam does not exist: IAM database authentication needs RDS or Aurora';
  END IF;
END {q};
"""

_USER = """
-- {name}: an IAM-only login, no power over roles, databases or RDS
DO {q} BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {text}) THEN
    CREATE ROLE {role} LOGIN;
  END IF;
  IF (SELECT rolsuper OR rolreplication OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = {text}) THEN
    ALTER ROLE {role} NOSUPERUSER NOREPLICATION NOBYPASSRLS;
  END IF;
END {q};
ALTER ROLE {role} LOGIN NOCREATEDB NOCREATEROLE PASSWORD NULL;
GRANT rds_iam TO {role};
DO {q} BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rds_superuser') THEN
    IF EXISTS (SELECT FROM pg_catalog.pg_auth_members
               WHERE roleid = 'rds_superuser'::regrole AND member = {text}::regrole) THEN
      REVOKE rds_superuser FROM {role};
    END IF;
    IF pg_catalog.pg_has_role({text}, 'rds_superuser', 'MEMBER') THEN
      RAISE EXCEPTION '{name} is a member of rds_superuser through another role: revoke that membership';
    END IF;
  END IF;
END {q};
"""

_PRIVILEGES = """
-- the database and schema public: only the master and the two users
REVOKE ALL ON DATABASE {db} FROM PUBLIC;
GRANT CONNECT ON DATABASE {db} TO {writer}, {reader};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO {writer};
GRANT USAGE ON SCHEMA public TO {reader};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {writer};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {writer};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader};

-- tables made later: by the writer (only a member may set its default privileges), by the master
GRANT {writer} TO CURRENT_USER;
ALTER DEFAULT PRIVILEGES FOR ROLE {writer} IN SCHEMA public GRANT SELECT ON TABLES TO {reader};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {writer};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {writer};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {reader};
"""


def script(database: str) -> str:
    """The SQL that creates :data:`USERS` in ``database`` and sets their privileges, or repairs them."""
    if not database or len(database.encode()) > _LONGEST_NAME or "\0" in database or _QUOTE in database:
        raise ValueError(f"database name {database!r}: must be 1..{_LONGEST_NAME} bytes, without NUL or {_QUOTE}")
    header = _HEADER.format(db=_ident(database), db_text=_text(database), q=_QUOTE, options=" ".join(PSQL_OPTIONS))
    users = (_USER.format(name=user, role=_ident(user), text=_text(user), q=_QUOTE) for user in USERS)
    privileges = _PRIVILEGES.format(db=_ident(database), writer=_ident(WRITER), reader=_ident(READER))
    return header + "".join(users) + privileges


def _ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    """``value`` as a SQL string literal (standard_conforming_strings, the default since PostgreSQL 9.1)."""
    return "'" + value.replace("'", "''") + "'"
