"""URLs of EST reporting (est/views.py). Everything a confined reporter may reach is under
/est/rapport/ (est.access.OPEN_TO_REPORTERS)."""

from django.urls import path

from est import views

urlpatterns = [
    path("est/rapport/", views.report_page, name="est-report"),
    path("est/rapport/sw.js", views.service_worker, name="est-report-sw"),
    path("est/rapport/karta.json", views.report_map_data, name="est-report-map"),
    path("est/rapport/manifest.webmanifest", views.manifest, name="est-report-manifest"),
    path("est/rapport/rapporter/", views.sync_report, name="est-report-sync"),
    path("est/rapport/<uuid:client_uuid>/", views.report_detail, name="est-report-detail"),
    path("est/lagesbild/", views.lagesbild_page, name="est-lagesbild"),
    path("est/lagesbild.csv", views.lagesbild_csv, name="est-lagesbild-csv"),
    path("est/lagesbild.gpkg", views.lagesbild_gpkg, name="est-lagesbild-gpkg"),
]
