from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "carecircle.signin"
    label = "signin"
    verbose_name = "Signin"
