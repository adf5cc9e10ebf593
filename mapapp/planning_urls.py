from django.urls import path

from mapapp import planning_views as views

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("kalibrering/", views.calibration_page, name="plan-calibration"),
    path("planomraden.geojson", views.plan_areas, name="plan-areas"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/bedom/", views.plan_rescore, name="plan-rescore"),
    path("<int:pk>/atgard/", views.plan_measure_action, name="plan-measure-action"),
    path("<int:pk>/karta.json", views.plan_map_data, name="plan-map-data"),
    path("<int:pk>/rapport/", views.plan_report, name="plan-report"),
    path("<int:pk>/rapport.pdf", views.plan_report_pdf, name="plan-report-pdf"),
]
