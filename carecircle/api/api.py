"""The JSON API at /api/v1/: session auth for the site, personal tokens for other clients."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from carecircle.accounts.actions import authenticate_api_token
from carecircle.core.errors import DomainError
from carecircle.moderation.enforcement import is_banned_from_site


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cc_…` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_api_token(token)
        if user is not None and is_banned_from_site(user):
            # A site-wide ban stops personal tokens as it stops signing in.
            user = None
        if user is None:
            # A wrong token is an error, never a silent fall-back to visitor access.
            raise AuthenticationError()
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The site's own session cookie; writes also need the CSRF token."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


def visitor_auth(request: HttpRequest) -> Any:
    """Reads are open to visitors, who see only public content.

    Any credentials the other schemes did not accept (a Basic or Token header, say) are an
    error: a client that meant to authenticate must never be silently served as a visitor.
    """
    if request.headers.get("Authorization"):
        raise AuthenticationError()
    return request.user


member_auth: list[Any] = [TokenAuth(), SessionAuth()]
reader_auth: list[Any] = [TokenAuth(), SessionAuth(), visitor_auth]


api = NinjaAPI(
    title="CareCircle API",
    version="1.0.0",
    description=(
        "Communities, membership, topics, posts and reactions. Authenticate with the site "
        "session (and CSRF token) or a personal API token: `Authorization: Bearer cc_…`."
    ),
    urls_namespace="api",
    auth=reader_auth,
    # The interactive docs page loads scripts from a CDN; the schema itself is served.
    docs_url=None,
)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    body = error_body(error.code, str(error.message))
    if error.field:
        body["field"] = error.field
    if error.details:
        body["details"] = error.details
    return api.create_response(request, body, status=error.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    return api.create_response(
        request,
        error_body("invalid", "Some of the data sent is not valid.", errors=error.errors),
        status=400,
    )


@api.exception_handler(OverflowError)
def id_overflow(request: HttpRequest, error: OverflowError) -> HttpResponse:
    # An id too large for the database's integers: nothing has it.
    return api.create_response(request, error_body("not_found", "Not found."), status=404)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        error_body("not_authenticated", "Please sign in or send a valid API token."),
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    codes = {400: "invalid", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 429: "rate_limited"}  # fmt: skip
    return api.create_response(
        request,
        error_body(codes.get(error.status_code, "error"), str(error.message)),
        status=error.status_code,
    )


from carecircle.api import routes  # noqa: E402,F401  (registers the routers)
