from django.urls import path

from accounts import views

urlpatterns = [
    path("verifiera/", views.verify, name="otp-verify"),
    path("tvafaktor/", views.setup, name="otp-setup"),
    path("api-nycklar/", views.api_tokens, name="api-tokens"),
    path("api-nycklar/<int:pk>/aterkalla/", views.api_token_revoke, name="api-token-revoke"),
]
