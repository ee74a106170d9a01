"""Search pages."""

from django.urls import URLPattern, path

from carecircle.search import views

urlpatterns: list[URLPattern] = [
    path("search/", views.search, name="search"),
]
