from django.apps import AppConfig


class BookmarksConfig(AppConfig):
    name = "carecircle.bookmarks"
    label = "bookmarks"
    verbose_name = "Bookmarks"
