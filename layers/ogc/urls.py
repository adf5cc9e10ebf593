"""URLs of the open-standard channels: OGC API – Features, vector tiles and exports (included at /)."""

from django.urls import path, re_path

from layers.ogc import export_views, tile_views, views

urlpatterns = [
    path("ogc/", views.landing, name="ogc-landing"),
    path("ogc", views.landing),
    path("ogc/api", views.api_document, name="ogc-api"),
    path("ogc/conformance", views.conformance, name="ogc-conformance"),
    path("ogc/collections", views.collections, name="ogc-collections"),
    path("ogc/collections/<str:collection_id>", views.collection, name="ogc-collection"),
    path("ogc/collections/<str:collection_id>/queryables", views.queryables, name="ogc-queryables"),
    path("ogc/collections/<str:collection_id>/items", views.items, name="ogc-items"),
    path("ogc/collections/<str:collection_id>/items/<str:item_id>", views.item, name="ogc-item"),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", tile_views.tile, name="tile"),
    path("export/plan/<int:plan_pk>.gpkg", export_views.plan_review_package, name="export-plan"),
    path("export/walk/<int:walk_pk>.gpkg", export_views.walk_package, name="export-walk"),
    path("export/tathet.tif", export_views.density_tif, name="export-density"),
    re_path(
        r"^export/(?P<collection_id>[a-z0-9-]+)\.(?P<fmt>geojson|csv)$",
        export_views.layer,
        name="export-layer",
    ),
]
