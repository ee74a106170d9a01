"""A WSGI entry point for the bench only: run.py --interface wsgi serves the same Django
project through uvicorn's WSGI thread pool, to compare with the ASGI handler. Under WSGI the
threads are reused, so Django's persistent database connections are reused too.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
