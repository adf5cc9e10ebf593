from django.urls import path

from surveys import api

urlpatterns = [
    path("observations.geojson", api.observations, name="api-observations-geojson"),
]
