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
        # Topic vectors are written by a task after each change; this catches up on any that
        # never were (a fresh demo, a restored backup, a lost task), a batch at a time.
        register(
            "search.embed_missing_topics",
            every=timedelta(minutes=5),
            task="carecircle.search.embeddings.embed_missing_topics_task",
        )
