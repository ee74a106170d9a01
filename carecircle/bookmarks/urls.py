"""Pages: the member's bookmarks and the bookmark button's targets."""

from django.urls import URLPattern, path

from carecircle.bookmarks import views

urlpatterns: list[URLPattern] = [
    path("bookmarks/", views.bookmark_list, name="bookmark_list"),
    path("bookmarks/topic/<int:topic_id>", views.bookmark_topic, name="bookmark_topic"),
    path("bookmarks/post/<int:post_id>", views.bookmark_post, name="bookmark_post"),
    path("bookmarks/<int:bookmark_id>/edit/", views.bookmark_edit, name="bookmark_edit"),
    path("bookmarks/<int:bookmark_id>/delete", views.bookmark_delete, name="bookmark_delete"),
]
