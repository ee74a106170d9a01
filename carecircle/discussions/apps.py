from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "carecircle.discussions"
    label = "discussions"
    verbose_name = "Discussions"

    def ready(self) -> None:
        # The live topic page's stream handler (carecircle.core.realtime).
        from django.contrib.auth.signals import user_logged_in

        from carecircle.core.middleware import count_visit_on_sign_in
        from carecircle.discussions import streams  # noqa: F401

        # Trust levels count the days a member visits (carecircle.core.middleware); reading
        # discussions is what a visit is for, so the sign-in half is wired up with them.
        user_logged_in.connect(count_visit_on_sign_in, dispatch_uid="count-visit-on-sign-in")
