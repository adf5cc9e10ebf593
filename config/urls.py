from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("", include("mapapp.urls")),
    path(
        "lagesbild/dokument/", include("statutory.urls")
    ),  # lag (2023:196): lägesbild, åtgärdsplan
    path("api/v1/", include("layers.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("layers.ogc.urls")),  # /ogc/, /tiles/, /export/
    # /karta/bakgrund/, /karta/vektor/ and their /offentlig/ twins
    path("", include("basemap.urls")),
    path("", include("est.urls")),  # /est/rapport/ (EST reporters), /est/lagesbild/
    path("uppfoljning/", include("followup.urls")),  # effect follow-up of measures (issue 16)
    path("konto/logga-in/", auth_views.LoginView.as_view(), name="login"),
    path("konto/logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("konto/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Server errors: a database that does not answer gives 503 with Retry-After, not 500 (mapapp.errors).
handler500 = "mapapp.errors.server_error"
handler404 = "mapapp.errors.not_found"
handler403 = "mapapp.errors.forbidden"
