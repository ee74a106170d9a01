"""Mounts every app's router on the API."""

from carecircle.accounts.api import router as accounts_router
from carecircle.api.api import api
from carecircle.bookmarks.api import router as bookmarks_router
from carecircle.caregivers.api import router as caregivers_router
from carecircle.communities.api import router as communities_router
from carecircle.discussions.api import router as discussions_router
from carecircle.engagement.api import router as engagement_router
from carecircle.journal.api import router as journal_router
from carecircle.messaging.api.conversations import router as conversations_router
from carecircle.messaging.api.reports import router as message_reports_router
from carecircle.messaging.api.rooms import router as rooms_router
from carecircle.moderation.api import router as moderation_router
from carecircle.notifications.api import router as notifications_router
from carecircle.notifications.delivery.api import router as push_router
from carecircle.polls.api import router as polls_router
from carecircle.privacy.api import router as privacy_router
from carecircle.resources.api import router as resources_router
from carecircle.search.api import router as search_router
from carecircle.search.related_api import router as related_router
from carecircle.signin.api import router as signin_router
from carecircle.uploads.api import router as uploads_router

api.add_router("/", accounts_router)
api.add_router("/", communities_router)
api.add_router("/", discussions_router)
api.add_router("/", privacy_router)
api.add_router("/", signin_router)
api.add_router("/", caregivers_router)
api.add_router("/", conversations_router)
api.add_router("/", rooms_router)
api.add_router("/", message_reports_router)
api.add_router("/", moderation_router)
api.add_router("/", notifications_router)
api.add_router("/", push_router)
api.add_router("/", engagement_router)
api.add_router("/", search_router)
api.add_router("/", related_router)
api.add_router("/", journal_router)
api.add_router("/", uploads_router)
api.add_router("/", polls_router)
api.add_router("/", bookmarks_router)
api.add_router("/", resources_router)
