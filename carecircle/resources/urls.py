"""The library's pages: the site library at /library/, a community's at /c/<slug>/library/."""

from django.urls import path

from carecircle.resources import views

urlpatterns = [
    path("library/", views.site_library, name="site_library"),
    path("library/new/", views.resource_create_site, name="resource_create_site"),
    path("library/review/", views.resource_review_queue, name="resource_review_queue"),
    path("library/categories/", views.resource_categories_site, name="resource_categories_site"),
    path("library/<int:resource_id>/", views.resource_detail, name="resource_detail"),
    # Before the slug route: "edit" is a valid slug (a resource's slug never is "edit").
    path("library/<int:resource_id>/edit/", views.resource_edit, name="resource_edit"),
    path(
        "library/<int:resource_id>/<slug:slug>/",
        views.resource_detail,
        name="resource_detail_slug",
    ),
    path("library/<int:resource_id>/review", views.resource_review, name="resource_review"),
    path("c/<slug:slug>/library/", views.community_library, name="community_library"),
    path("c/<slug:slug>/library/new/", views.resource_create, name="resource_create"),
    path(
        "c/<slug:slug>/library/categories/",
        views.resource_categories,
        name="resource_categories",
    ),
]
