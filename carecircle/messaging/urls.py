"""Messaging pages: conversations under /messages/, rooms under /c/<slug>/chat/, reports."""

from carecircle.messaging.views.conversations import urlpatterns as conversation_urls
from carecircle.messaging.views.reports import urlpatterns as report_urls
from carecircle.messaging.views.rooms import urlpatterns as room_urls

urlpatterns = [*conversation_urls, *room_urls, *report_urls]
