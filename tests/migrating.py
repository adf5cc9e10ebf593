"""Running real migrations back and forth inside a test, and always leaving the schema at the latest.

A test that migrates an app back must put every app forward again, whatever happens in between: the tests
after it share the database's schema (a layers migration left unapplied broke 30 later tests once).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate to ``targets`` (apps not named stay where they are) and return the models of the state
    the database is now in (every applied migration), as ``apps``."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor = MigrationExecutor(connection)
    graph, applied = executor.loader.graph, set(executor.loader.applied_migrations)
    leaves = [n for n in applied if n in graph.nodes and not (graph.node_map[n].children & applied)]
    return executor.loader.project_state(leaves).apps


def migrate_to_latest() -> Any:
    """Every app forward to its newest migration."""
    return migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@contextmanager
def migrated_back(targets: list[tuple[str, str]]) -> Iterator[Any]:
    """The models as of ``targets``; afterwards every app is put forward to its newest migration."""
    try:
        yield migrate(targets)
    finally:
        migrate_to_latest()
