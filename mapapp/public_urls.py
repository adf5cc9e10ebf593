from django.urls import path

from mapapp import public_views

urlpatterns = [
    path("", public_views.public_map, name="public-map"),
    path("brottskoncentrationer.geojson", public_views.public_hotspots, name="public-hotspots"),
]
