from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "carecircle.search"
    label = "search"
    verbose_name = "Search"
