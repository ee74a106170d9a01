from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.accounts import actions, privacy, queries
from carecircle.accounts.avatars import MAX_UPLOAD_BYTES
from carecircle.accounts.forms import (
    PROFESSIONAL_NOTE,
    ApiTokenForm,
    AvatarForm,
    ProfessionalVerificationForm,
    ProfileDetailsForm,
    ProfileForm,
    WithdrawProfessionalForm,
)
from carecircle.accounts.models import ApiToken, Profile, User, Visibility
from carecircle.communities.models import Membership
from carecircle.communities.queries import memberships_of, visible_communities
from carecircle.core.errors import DomainError, NotFoundError
from carecircle.core.interfaces import page_errors
from carecircle.discussions import safety


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
                "time_zone": user.time_zone,
            }
        )
    return render(
        request,
        "accounts/account_settings.html",
        {
            "form": form,
            "memberships": memberships_of(user),
            "professional_note": PROFESSIONAL_NOTE,
        },
        status=400 if form.errors else 200,
    )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def professional_verification(request: HttpRequest) -> HttpResponse:
    """Site staff: the verified health professionals, verify a member, withdraw a verification."""
    user = request.user
    professionals = list(queries.verified_professionals(user))
    verify_form = ProfessionalVerificationForm()
    withdraw_forms: dict[int, forms.Form] = {
        member.pk: WithdrawProfessionalForm(prefix=f"withdraw-{member.pk}")
        for member in professionals
    }
    if request.method == "POST":
        if request.POST.get("operation") == "withdraw":
            member = next(
                (m for m in professionals if str(m.pk) == request.POST.get("member", "")), None
            )
            if member is None:
                raise Http404(_("That member is not a verified health professional."))
            form: forms.Form = WithdrawProfessionalForm(
                request.POST, prefix=f"withdraw-{member.pk}"
            )
            withdraw_forms[member.pk] = form
            is_verified = False
        else:
            form = verify_form = ProfessionalVerificationForm(request.POST)
            member = None
            is_verified = True
        if form.is_valid():
            try:
                if member is None:
                    member = queries.get_member(form.cleaned_data["handle"])
                actions.set_professional_verification(
                    actor=user,
                    member=member,
                    is_verified=is_verified,
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                field = error.field if error.field in form.fields else None
                if isinstance(error, NotFoundError):
                    field = "handle"
                form.add_error(field, str(error.message))
            else:
                done = (
                    _("%(name)s is now a verified health professional.")
                    if is_verified
                    else _("%(name)s is no longer a verified health professional.")
                )
                messages.success(request, done % {"name": member.display_name})
                return redirect("professional_verification")
    has_errors = bool(verify_form.errors) or any(f.errors for f in withdraw_forms.values())
    return render(
        request,
        "accounts/professional_verification.html",
        {
            "verify_form": verify_form,
            "rows": [(member, withdraw_forms[member.pk]) for member in professionals],
        },
        status=400 if has_errors else 200,
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


@page_errors
def member_profile(request: HttpRequest, handle: str) -> HttpResponse:
    member = queries.get_member(handle)
    profile = privacy.visible_profile(request.user, member)
    memberships = Membership.objects.none()
    if not profile.is_hidden:
        # Only communities the viewer may see are listed: a hidden membership stays hidden.
        memberships = (
            memberships_of(member)
            .filter(community__in=visible_communities(request.user))
            .order_by("community__name")
        )
    actions.record_sensitive_view(
        viewer=request.user, member=member, fields=profile.shown_health_fields
    )
    response = render(
        request,
        "accounts/member_profile.html",
        {"profile": profile, "memberships": memberships},
    )
    # What a profile shows depends on who asks: never keep it in a shared cache.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def member_avatar(request: HttpRequest, handle: str) -> FileResponse:
    """The member's uploaded picture, only for viewers the member lets see it."""
    try:
        member = queries.get_member(handle)
    except DomainError as error:
        raise Http404(str(error.message)) from error
    name = privacy.visible_profile(request.user, member).avatar_file
    if not name.startswith("avatars/"):
        raise Http404(_("No picture."))
    try:
        picture = default_storage.open(name, "rb")
    except FileNotFoundError as error:
        raise Http404(_("No picture.")) from error
    response = FileResponse(picture, content_type="image/webp")
    patch_cache_control(response, private=True, max_age=300)
    return response


def _profile_form_initial(profile: Profile) -> dict[str, Any]:
    levels = privacy.visibility_of(profile)
    initial: dict[str, Any] = {
        "bio": profile.bio,
        "pronouns": profile.pronouns,
        "interests": ", ".join(profile.interests or []),
        "treatments": "\n".join(profile.treatments or []),
        "country": profile.country,
        "region": profile.region,
        "story": profile.story,
        "is_hidden": profile.is_hidden,
        "is_presence_hidden": profile.is_presence_hidden,
    }
    initial.update({f"visibility_{name}": level for name, level in levels.items()})
    return initial


PROFILE_FORM_FIELDS = {
    "bio", "pronouns", "interests", "treatments", "country", "region", "story", "is_hidden",
    "is_presence_hidden",
}  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    profile = queries.get_profile(user)
    form = ProfileDetailsForm(initial=_profile_form_initial(profile))
    avatar_form = AvatarForm()
    errors: dict[str, str] = {}
    confirmation = None
    confirmation_field = ""
    conditions = list(profile.conditions or [])
    new_conditions = ["", "", ""]
    operation = request.POST.get("operation", "") if request.method == "POST" else ""
    if operation == "save":
        form = ProfileDetailsForm(request.POST)
        conditions = [c for c in request.POST.getlist("conditions") if c.strip()]
        typed = request.POST.getlist("new_condition")[:10]
        new_conditions = [*typed, *[""] * (3 - len(typed))]
        if form.is_valid():
            try:
                actions.update_profile_details(
                    actor=user,
                    conditions=[*conditions, *typed],
                    confirmed=request.POST.get("confirmed") == "1",
                    **form.details(),
                )
            except DomainError as error:
                field = error.field or "form"
                confirmation = safety.confirmation_for(
                    error,
                    audience=_("People who can see this part of your profile will see them."),
                )
                if confirmation is not None:
                    confirmation_field = field
                elif field in PROFILE_FORM_FIELDS or field.startswith("visibility_"):
                    form.add_error(field, str(error.message))
                else:
                    errors[field] = str(error.message)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profile_edit")
    elif operation == "avatar_upload":
        avatar_form = AvatarForm(request.POST, request.FILES)
        if avatar_form.is_valid():
            upload = avatar_form.cleaned_data["avatar"]
            try:
                # One byte past the limit is enough to refuse a huge file without reading it all.
                actions.set_avatar(actor=user, data=upload.read(MAX_UPLOAD_BYTES + 1))
            except DomainError as error:
                avatar_form.add_error("avatar", str(error.message))
            else:
                messages.success(request, _("Your new picture is saved."))
                return redirect("profile_edit")
    elif operation == "avatar_remove":
        actions.remove_avatar(actor=user)
        messages.success(request, _("Your picture is removed. Your initials are shown instead."))
        return redirect("profile_edit")
    own = privacy.build_visible_profile(privacy.Audience.SELF, user, profile)
    has_errors = bool(form.errors or avatar_form.errors or errors or confirmation)
    return render(
        request,
        "accounts/profile_edit.html",
        {
            "form": form,
            "avatar_form": avatar_form,
            "errors": errors,
            "confirmation": confirmation,
            "confirmation_field": f"id_{confirmation_field}" if confirmation_field else "id_bio",
            "conditions": conditions,
            "new_conditions": new_conditions,
            "condition_names": queries.condition_names(),
            "own": own,
            "rows": _edit_rows(form),
            "levels": [
                (level, label, privacy.LEVEL_EXPLANATIONS[level])
                for level, label in Visibility.choices
            ],
            "preview_audiences": PREVIEW_LABELS,
        },
        status=400 if has_errors else 200,
    )


def _edit_rows(form: ProfileDetailsForm) -> dict[str, Any]:
    return {name: form[f"visibility_{name}"] for name in privacy.FIELDS}


PREVIEW_LABELS = [
    ("everyone", gettext_lazy("Everyone (visitors without an account)")),
    ("members", gettext_lazy("A signed-in member")),
    ("shared", gettext_lazy("A member of one of your communities")),
    ("private", gettext_lazy("Only me")),
]


@login_required
def profile_preview(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    chosen = request.GET.get("as", "everyone")
    if chosen not in privacy.LEVEL_RANK:
        chosen = "everyone"
    profile = privacy.preview_profile(user, privacy.LEVEL_RANK[chosen])
    return render(
        request,
        "accounts/profile_preview.html",
        {
            "profile": profile,
            "chosen": chosen,
            "chosen_label": dict(PREVIEW_LABELS)[chosen],
            "preview_audiences": PREVIEW_LABELS,
        },
    )
