"""A throwaway PostgreSQL database per test session, on the server the dev and CI machines run.

The server is found at ``RUNCOACH_TEST_POSTGRES_URL`` (default: PostgreSQL on 127.0.0.1:5432,
user ``postgres``, trust auth). Tests never touch an existing database: they create their own,
named uniquely, from the ``postgres`` maintenance database, and drop it at the end.
"""

from __future__ import annotations

import os
import secrets

from sqlalchemy.engine import URL, make_url

ADMIN_URL = os.environ.get(
    "RUNCOACH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


class PostgresServer:
    """Creates and drops databases over one autocommit admin connection."""

    def __init__(self, admin_url: str = ADMIN_URL) -> None:
        import psycopg  # a runtime dependency, but a stale venv may lack it: the caller skips
        from psycopg.conninfo import make_conninfo

        self._url = make_url(admin_url)
        params = {
            "host": self._url.host,
            "port": self._url.port,
            "user": self._url.username,
            "password": self._url.password,
            "dbname": self._url.database,
        }
        given = {key: value for key, value in params.items() if value is not None}
        self._admin = psycopg.connect(
            make_conninfo("", **given), autocommit=True, connect_timeout=3
        )

    def create_database(self, prefix: str = "runcoach_test") -> str:
        """A new empty database; its SQLAlchemy URL (psycopg 3 driver)."""
        name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
        self._admin.execute(f'CREATE DATABASE "{name}"')
        return self.url_of(name)

    def drop_database(self, url: str) -> None:
        # FORCE: an engine a failed test never disposed must not keep the database alive.
        self._admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def url_of(self, database: str) -> str:
        url: URL = self._url.set(drivername="postgresql+psycopg", database=database)
        return url.render_as_string(hide_password=False)

    def close(self) -> None:
        self._admin.close()


def connect_server() -> PostgresServer | str:
    """The server, or why there is none (the reason a PostgreSQL test is skipped with)."""
    try:
        return PostgresServer()
    except ImportError:
        return "psycopg is not installed (pip install -e .)"
    except Exception as error:  # psycopg.OperationalError, but psycopg may be missing
        lines = str(error).strip().splitlines() or [repr(error)]
        detail = lines[0].rsplit(": ", 1)[-1]  # "Connection refused", not the whole chain
        where = make_url(ADMIN_URL)
        return (
            f"no PostgreSQL server at {where.host}:{where.port} ({detail}); "
            "set RUNCOACH_TEST_POSTGRES_URL to test on PostgreSQL"
        )
