from django.urls import path

from surveys import api

urlpatterns = [
    path("observations.geojson", api.observations, name="api-observations-geojson"),
    path("observations/", api.create_observation, name="api-observation-create"),
    path("observations/<uuid:client_uuid>/", api.observation_detail, name="api-observation-detail"),
    path("observations/<uuid:client_uuid>/photos/", api.add_photo, name="api-observation-photos"),
    path("walks/", api.walks, name="api-walks"),
    path("walks/<int:walk_id>/", api.walk_detail, name="api-walk-detail"),
    path("walks/<int:walk_id>/track/", api.walk_track, name="api-walk-track"),
    path("walks/<int:walk_id>/status/", api.walk_status, name="api-walk-status"),
]
