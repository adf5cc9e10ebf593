from django.urls import path

from mapapp import bra_views

urlpatterns = [
    path("", bra_views.page, name="bra"),
    path("utskrift/", bra_views.print_page, name="bra-print"),
    path("data/lagesbild/", bra_views.lagesbild_json, name="bra-lagesbild"),
    path("data/tathet/", bra_views.density_json, name="bra-density"),
    path("data/tathet.png", bra_views.density_png, name="bra-density-png"),
    path("data/hotspots/", bra_views.hotspots_json, name="bra-hotspots"),
    path("data/trender/", bra_views.trends_json, name="bra-trends"),
    path("data/handelser/", bra_views.incidents_json, name="bra-incidents"),
    path("data/kansliga-rutor/", bra_views.sensitive_cells_json, name="bra-sensitive-cells"),
    path("data/observationer/", bra_views.observations_json, name="bra-observations"),
    path("export/lagesbild.pdf", bra_views.export_pdf, name="bra-export-pdf"),
    path("export/karta.html", bra_views.export_html, name="bra-export-html"),
    path("export/tathet.tif", bra_views.export_tif, name="bra-export-tif"),
]
