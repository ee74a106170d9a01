from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "carecircle.signin"
    label = "signin"
    verbose_name = "Sign-in security"

    def ready(self) -> None:
        from carecircle.signin import signals  # noqa: F401
