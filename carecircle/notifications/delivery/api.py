"""JSON API: web push subscriptions and the site's public VAPID key."""

from ninja import Router

router = Router(tags=["notifications"])
