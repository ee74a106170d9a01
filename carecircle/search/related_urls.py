"""Related discussions and the similar-topics hint."""

from django.urls import URLPattern, path

from carecircle.search import related_views

urlpatterns: list[URLPattern] = [
    # No trailing slash, like "t/<id>/reply": "t/<id>/<slug>/" is the topic page, and a topic
    # titled "Related" has the slug "related".
    path("t/<int:topic_id>/related", related_views.related_topics, name="related_topics"),
    path("search/similar/", related_views.similar_topics, name="similar_topics"),
]
