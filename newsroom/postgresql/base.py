"""PostgreSQL with a time limit on every answer, set in the client.

`statement_timeout` makes the server cancel a slow query, and `connect_timeout` bounds a new
connection; neither helps when a kept connection's server stops answering (a network partition,
a frozen host): libpq then waits for ever, and so does the request. Here every round trip on a
connection (queries, commits, the health check Django runs as a request takes a kept
connection) gives up after a bound, closes the connection, whose state is then unknown, and
raises `DatabaseSilent`, an OperationalError, which the next request recovers from by
connecting again.

The bounds (README, "When a dependency fails"): a kept connection's health check 3 s, then a new
connection 3 s, so a request on a silent database fails within about 6 s (articles.views.
server_error answers 503); a query that goes silent midway, STATEMENT_TIMEOUT + 5 s.
"""

import psycopg
from django.db.backends.postgresql import base
from psycopg.errors import _WaitTimeout  # what Connection.wait raises once its timeout passes

CONNECT_TIMEOUT = 3
HEALTH_CHECK_TIMEOUT = 3.0
STATEMENT_TIMEOUT = 30  # seconds; the server cancels a query past it
ANSWER_TIMEOUT = STATEMENT_TIMEOUT + 5.0  # past it, the server is not merely busy


class DatabaseSilent(psycopg.OperationalError):
    pass


class BoundedConnection(psycopg.Connection):
    answer_timeout = ANSWER_TIMEOUT

    def wait(self, gen, *args, timeout=None, **kwargs):
        timeout = self.answer_timeout if timeout is None else timeout
        try:
            return super().wait(gen, *args, timeout=timeout, **kwargs)
        except _WaitTimeout:
            self.pgconn.finish()
            raise DatabaseSilent(
                f"the database did not answer within {timeout:g} s; the connection is closed"
            ) from None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params.setdefault("connect_timeout", CONNECT_TIMEOUT)
        params["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT * 1000} " + params.get(
            "options", ""
        )
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # psycopg makes the connection and Django offers no hook for its class short of a
        # pool; the subclass adds behaviour only.
        connection.__class__ = BoundedConnection
        return connection

    def is_usable(self):
        if self.connection is None:
            return False
        self.connection.answer_timeout = HEALTH_CHECK_TIMEOUT
        try:
            return super().is_usable()
        finally:
            self.connection.answer_timeout = ANSWER_TIMEOUT
