"""The site's URLs plus the staff account pages, until config/urls.py includes them."""

from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("", include("carecircle.accounts.urls"))]
