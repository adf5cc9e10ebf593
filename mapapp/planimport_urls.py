"""URLs of the plan import and plan edit pages (included from mapapp/urls.py)."""

from django.urls import path

from mapapp import planimport_views as views

urlpatterns = [
    path("plan/importera/", views.plan_import, name="plan-import"),
    path("plan/importera/<int:batch_id>/", views.plan_import_report, name="plan-import-report"),
    path("plan/importera/<int:batch_id>/angra/", views.plan_import_undo, name="plan-import-undo"),
    path("plan/kontext/importera/", views.context_import, name="context-import"),
    path(
        "plan/kontext/importera/<int:batch_id>/",
        views.context_import_report,
        name="context-import-report",
    ),
    path(
        "plan/kontext/importera/<int:batch_id>/angra/",
        views.context_import_undo,
        name="context-import-undo",
    ),
    path("plan/kontext/objekt.json", views.context_features, name="plan-context-features"),
    path("plan/ny/", views.plan_edit, name="plan-new"),
    path("plan/ny/spara/", views.plan_save, name="plan-create"),
    path("plan/<int:pk>/redigera/", views.plan_edit, name="plan-edit"),
    path("plan/<int:pk>/redigera/spara/", views.plan_save, name="plan-save"),
]
