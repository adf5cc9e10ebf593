from django.urls import include, path

from mapapp import views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("mapapp.planimport_urls")),
    path("plan/", include("mapapp.planning_urls")),
    path("", include("mapapp.field_urls")),
    path("import/", include("mapapp.import_urls")),
    path("bra/", include("mapapp.bra_urls")),
    path("offentlig/", include("mapapp.public_urls")),
]
