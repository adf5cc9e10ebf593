from django.urls import include, path

from layers import api

urlpatterns = [
    path("districts/", api.districts, name="api-districts"),
    path("statistical-areas/", api.statistical_areas, name="api-statistical-areas"),
    path("incidents/", api.incidents, name="api-incidents"),
    path("", include("surveys.api_urls")),
]
