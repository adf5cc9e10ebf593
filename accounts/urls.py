from django.urls import path

from accounts import views

urlpatterns = [
    path("verifiera/", views.verify, name="otp-verify"),
    path("tvafaktor/", views.setup, name="otp-setup"),
]
