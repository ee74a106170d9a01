"""Messaging pages: private conversations under /messages/, chat rooms under /c/<slug>/chat/."""

from carecircle.messaging.views.conversations import urlpatterns as conversation_urls
from carecircle.messaging.views.rooms import urlpatterns as room_urls

urlpatterns = [*conversation_urls, *room_urls]
