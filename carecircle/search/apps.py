from datetime import timedelta

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "carecircle.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from carecircle.core.schedule import register

        # "Did you mean" draws on the words of public documents; new words arrive all day,
        # and a suggestion a few hours late costs nothing.
        register(
            "search.refresh_vocabulary",
            every=timedelta(hours=6),
            task="carecircle.search.vocabulary.refresh_vocabulary_task",
        )
