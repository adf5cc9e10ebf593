"""Effect follow-up addresses (included at /uppfoljning/)."""

from django.urls import path

from followup import views

app_name = "followup"

urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("ny/", views.evaluation_new, name="new"),
    path("ny/spara/", views.evaluation_save, name="create"),
    path("forslag/", views.suggest, name="suggest"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/spara/", views.evaluation_save, name="save"),
    path("<int:pk>/resultat.json", views.evaluation_result, name="result"),
]
