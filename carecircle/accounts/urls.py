"""Account pages for the site team (the member's own account pages are in config/urls.py)."""

from django.urls import path

from carecircle.accounts import views

urlpatterns = [
    path(
        "account/staff/professionals/",
        views.professional_verification,
        name="professional_verification",
    ),
]
