"""URLs of the walk, tablet and action pages (mapapp/field_views.py)."""

from django.urls import path

from mapapp import field_views as views

urlpatterns = [
    path("falt/", views.tablet, name="field-tablet"),
    path("falt/sw.js", views.service_worker, name="field-sw"),
    path("falt/karta.json", views.tablet_map_data, name="field-tablet-map"),
    path("falt/manifest.webmanifest", views.manifest, name="field-manifest"),
    path("vandringar/", views.walk_list, name="field-walks"),
    path("vandringar/ny/", views.walk_create, name="field-walk-create"),
    path("vandringar/perspektiv/", views.lens, name="field-lens"),
    path("vandringar/perspektiv/karta.json", views.lens_json, name="field-lens-map"),
    path("vandringar/foto/<uuid:photo_uuid>/", views.photo, name="field-photo"),
    path(
        "vandringar/foto/<uuid:photo_uuid>/miniatyr/",
        views.photo_thumbnail,
        name="field-photo-thumbnail",
    ),
    path("vandringar/<int:walk_id>/", views.walk_detail, name="field-walk"),
    path("vandringar/<int:walk_id>/andra/", views.walk_edit, name="field-walk-edit"),
    path("vandringar/<int:walk_id>/status/", views.walk_status, name="field-walk-status"),
    path("vandringar/<int:walk_id>/karta.json", views.walk_map_json, name="field-walk-map"),
    path("vandringar/<int:walk_id>/protokoll/", views.walk_protocol, name="field-walk-protocol"),
    path(
        "vandringar/<int:walk_id>/protokoll.pdf",
        views.walk_protocol_pdf,
        name="field-walk-protocol-pdf",
    ),
    path(
        "vandringar/<int:walk_id>/protokoll.csv",
        views.walk_protocol_csv,
        name="field-walk-protocol-csv",
    ),
    path("vandringar/<int:walk_id>/uppfoljning/", views.walk_follow_up, name="field-follow-up"),
    path(
        "vandringar/<int:walk_id>/uppfoljning/karta.json",
        views.walk_follow_up_json,
        name="field-follow-up-map",
    ),
    path("atgarder/", views.action_list, name="field-actions"),
    path("atgarder/atgarder.csv", views.action_list_csv, name="field-actions-csv"),
    path("atgarder/kontor/", views.offices, name="field-offices"),
    path("atgarder/kontor/<int:office_id>/", views.office_actions, name="field-office"),
    path(
        "atgarder/kontor/<int:office_id>/veckobrev/",
        views.office_digest,
        name="field-office-digest",
    ),
    path("atgarder/<int:action_id>/", views.action_detail, name="field-action"),
]
