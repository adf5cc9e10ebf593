from django.urls import include, path

from mapapp import views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("bra/", include("mapapp.bra_urls")),
]
