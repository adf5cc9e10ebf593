from django.urls import path

from statutory import views

urlpatterns = [
    path("", views.index, name="statutory-list"),
    path("ny/", views.create, name="statutory-create"),
    path("<int:pk>/", views.detail, name="statutory-detail"),
    path("<int:pk>/siffror.json", views.figures_json, name="statutory-figures"),
    path("<int:pk>/jamfor/<int:other>/", views.compare, name="statutory-compare"),
    path("<int:pk>/avsnitt/<slug:kind>/", views.write_section, name="statutory-section"),
    path("<int:pk>/problem/ny/", views.write_problem, name="statutory-problem-new"),
    path("<int:pk>/problem/<int:problem_id>/", views.write_problem, name="statutory-problem"),
    path("<int:pk>/faststall/", views.adopt, name="statutory-adopt"),
    path("<int:pk>/ny-version/", views.new_version, name="statutory-new-version"),
    path("<int:pk>/kommentar/", views.comment, name="statutory-comment"),
    path("<int:pk>/utskrift/", views.print_page, name="statutory-print"),
    path("<int:pk>/lagesbild.pdf", views.export_pdf, name="statutory-pdf"),
    path("<int:pk>/lagesbild.docx", views.export_docx, name="statutory-docx"),
    path("<int:pk>/atgardsplan/ny/", views.plan_create, name="statutory-plan-create"),
    path("atgardsplan/<int:plan_id>/", views.plan_detail, name="statutory-plan"),
    path("atgardsplan/<int:plan_id>/matt.json", views.plan_json, name="statutory-plan-json"),
    path("atgardsplan/<int:plan_id>/rad/ny/", views.plan_row, name="statutory-row-new"),
    path("atgardsplan/<int:plan_id>/rad/<int:row_id>/", views.plan_row, name="statutory-row"),
    path(
        "atgardsplan/<int:plan_id>/rad/<int:row_id>/status/",
        views.row_status,
        name="statutory-row-status",
    ),
    path("atgardsplan/<int:plan_id>/faststall/", views.plan_adopt, name="statutory-plan-adopt"),
    path("atgardsplan/<int:plan_id>/kommentar/", views.plan_comment, name="statutory-plan-comment"),
    path("atgardsplan/<int:plan_id>/utskrift/", views.plan_print, name="statutory-plan-print"),
    path("atgardsplan/<int:plan_id>/atgardsplan.pdf", views.plan_pdf, name="statutory-plan-pdf"),
    path("atgardsplan/<int:plan_id>/atgardsplan.docx", views.plan_docx, name="statutory-plan-docx"),
]
