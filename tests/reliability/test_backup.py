from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from mapapp import demo
from mapapp.backup import backup, manifest_path, restore, table_checks, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def target_database() -> Iterator[str]:
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    yield name
    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_with_every_row_count_and_checksum(
    tmp_path: Path, target_database: str
) -> None:
    demo.load_demo()
    dump = tmp_path / "trygg.dump"

    manifest = backup(dump)
    problems = restore(dump, database=target_database)

    assert problems == []
    assert manifest["tables"]["layers_incident"]["rows"] == 7330
    restored = {c.table: c for c in table_checks(target_database)}
    assert restored["layers_incident"].rows == 7330


def test_a_restore_that_lost_rows_is_caught(tmp_path: Path, target_database: str) -> None:
    demo.load_demo()
    dump = tmp_path / "trygg.dump"
    backup(dump)
    restore(dump, database=target_database)
    with psycopg.connect(dbname=target_database, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM surveys_actionevent WHERE id IN (SELECT id FROM surveys_actionevent LIMIT 3)"
        )

    problems = verify(json.loads(manifest_path(dump).read_text()), target_database)

    assert problems and problems[0].startswith("surveys_actionevent:")


def test_a_changed_dump_file_is_refused(tmp_path: Path, target_database: str) -> None:
    demo.load_demo()
    dump = tmp_path / "trygg.dump"
    backup(dump)
    with dump.open("ab") as f:
        f.write(b"tampered")

    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("restore_db", str(dump), "--database", target_database)
