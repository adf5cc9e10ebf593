"""The registry of OGC API collections: one entry per layer, found by id.

Apps register their layers in a module named ``ogc_collections`` (``layers/ogc_collections.py``,
``surveys/ogc_collections.py``), discovered the first time the registry is read, the way Django's admin
finds ``admin.py``. So ``layers`` serves walks and observations without importing ``surveys``, and a new
layer (e.g. the hot-spot cells) plugs in by calling ``register`` from its own app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

from layers.ogc import crs as ogc_crs
from layers.ogc.sources import Source
from layers.roles import AnyUser


@dataclass(frozen=True)
class Collection:
    id: str  # URL segment, lower case with hyphens: "incidents", "context-street"
    title: str  # Swedish, shown in QGIS's layer list
    description: str
    source: Source
    # The model permission a user needs to see the collection at all ("app.view_model"); as on the pages.
    permission: str
    # An extra rule beyond the permission (e.g. only when the layer has rows); None means none.
    visible_to: Callable[[AnyUser], bool] | None = None
    # Channel name in the audit log when the collection can hold sensitive incidents.
    audited: bool = False
    order: int = 100

    def allowed(self, user: AnyUser) -> bool:
        if not (user.is_active and user.has_perm(self.permission)):
            return False
        return self.visible_to is None or self.visible_to(user)

    @property
    def crs_list(self) -> list[str]:
        return ogc_crs.supported_uris()


_registry: dict[str, Collection] = {}
_discovered = False
_lock = threading.Lock()


def register(collection: Collection) -> Collection:
    """Add ``collection``; registering the same id twice is a programming error."""
    if collection.id in _registry and _registry[collection.id] != collection:
        raise ValueError(f"an OGC collection {collection.id!r} is already registered")
    _registry[collection.id] = collection
    return collection


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            autodiscover_modules("ogc_collections")
            _discovered = True


def all_collections() -> list[Collection]:
    _discover()
    return sorted(_registry.values(), key=lambda c: (c.order, c.id))


def collections_for(user: AnyUser) -> list[Collection]:
    return [c for c in all_collections() if c.allowed(user)]


def get(collection_id: str) -> Collection | None:
    _discover()
    return _registry.get(collection_id)
