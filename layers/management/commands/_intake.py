"""What the file-importing commands share: undoing a batch, finding the file and the municipality."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from layers import uploads
from layers.models import ImportBatch, Municipality


def undo(command: BaseCommand, batch_id: int, undo_import: Callable[[ImportBatch], Any]) -> None:
    """Undo import ``batch_id`` with ``undo_import``; a refusal or an unknown id is a CommandError."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise CommandError(f"import {batch_id} finns inte")
    try:
        undo_import(batch)
    except uploads.UploadRejected as e:
        raise CommandError(str(e)) from e
    command.stdout.write(command.style.SUCCESS(f"Import {batch.pk} ({batch.filename}) är ångrad."))


def input_file(options: dict[str, Any]) -> Path:
    path: Path | None = options["file"]
    if path is None or not path.is_file():
        raise CommandError(f"{path}: filen finns inte")
    return path


def municipality(options: dict[str, Any]) -> Municipality | None:
    """The municipality named by ``--municipality``, or None (the importer decides from the file)."""
    if not options["municipality"]:
        return None
    found = Municipality.objects.filter(kommunkod=options["municipality"]).first()
    if found is None:
        raise CommandError(f"kommun {options['municipality']} är inte inläst")
    return found
