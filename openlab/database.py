"""Database helpers shared by the loaders."""

from django.db import connection


def refresh_planner_statistics():
    """ANALYZE after a bulk load on PostgreSQL.

    With the statistics of empty tables the planner picks nested loops that make the
    listing queries take minutes. Autovacuum does this in production, but it cannot see
    rows still inside a transaction (a test, a loader), and ANALYZE in that transaction
    counts them.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
