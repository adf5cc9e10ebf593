"""/import/: upload incident files, read a batch's report, undo it (mapapp/import_views.py)."""

from django.urls import path

from mapapp import import_views

app_name = "import"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("<int:pk>/", import_views.report, name="report"),
    path("<int:pk>/avvisade.csv", import_views.rejected_csv, name="rejected-csv"),
    path("<int:pk>/angra/", import_views.undo, name="undo"),
    path("progress/<uuid:job>/", import_views.progress, name="progress"),
]
