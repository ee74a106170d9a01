from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.accounts import actions
from carecircle.accounts.forms import ApiTokenForm, ProfileForm
from carecircle.accounts.models import ApiToken, User
from carecircle.communities.queries import memberships_of, visible_communities
from carecircle.core.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                actions.update_profile(actor=user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field, str(error.message))
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("account_settings")
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,
                "handle": user.handle,
                "is_patient": user.is_patient,
                "is_caregiver": user.is_caregiver,
                "is_professional": user.is_professional,
                "time_zone": user.time_zone,
            }
        )
    return render(
        request,
        "accounts/account_settings.html",
        {"form": form, "memberships": memberships_of(user)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    secret = ""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = actions.create_api_token(actor=user, name=form.cleaned_data["name"])
        except DomainError as error:
            form.add_error("name", str(error.message))
        else:
            form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": ApiToken.objects.filter(user=user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        actions.revoke_api_token(actor=user, token_id=token_id)
    except DomainError as error:
        raise Http404(str(error.message)) from error
    messages.success(request, _("The token is revoked. Apps using it can no longer sign in."))
    return redirect("api_tokens")


def member_profile(request: HttpRequest, handle: str) -> HttpResponse:
    member = User.objects.filter(handle=handle.lower(), is_active=True).first()
    if member is None:
        raise Http404(_("Member not found."))
    # Only communities the viewer may see are listed: a hidden membership stays hidden.
    shared = (
        memberships_of(member)
        .filter(community__in=visible_communities(request.user))
        .order_by("community__name")
    )
    return render(
        request, "accounts/member_profile.html", {"member": member, "memberships": shared}
    )
