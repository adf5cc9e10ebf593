"""The background map's addresses (included at /): the proxy, the vector background, their configuration;
and the same for the public map under /offentlig/."""

from django.urls import path

from basemap import views

app_name = "basemap"

urlpatterns = [
    path("karta/bakgrund.json", views.config, name="config"),
    path("karta/bakgrund/<int:z>/<int:x>/<int:y>.png", views.raster, name="raster"),
    path("karta/vektor/<int:z>/<int:x>/<int:y>.mvt", views.vector_background, name="vector"),
    path("offentlig/bakgrund.json", views.public_config, name="public-config"),
    path(
        "offentlig/bakgrund/<int:z>/<int:x>/<int:y>.png", views.public_raster, name="public-raster"
    ),
    path("offentlig/vektor/<int:z>/<int:x>/<int:y>.mvt", views.public_vector, name="public-vector"),
]
