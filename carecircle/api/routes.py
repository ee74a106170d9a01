"""Mounts every app's router on the API."""

from carecircle.accounts.api import router as accounts_router
from carecircle.api.api import api
from carecircle.communities.api import router as communities_router
from carecircle.discussions.api import router as discussions_router

api.add_router("/", accounts_router)
api.add_router("/", communities_router)
api.add_router("/", discussions_router)
