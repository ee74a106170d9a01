from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "carecircle.uploads"
    label = "uploads"
    verbose_name = "Uploads"
