"""Onboarding pages (/welcome/...) and community welcome messages: thin, through actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.accounts.models import Visibility
from carecircle.accounts.privacy import LEVEL_EXPLANATIONS, visibility_of
from carecircle.communities.queries import get_community
from carecircle.core.errors import ConfirmationNeeded, DomainError
from carecircle.core.interfaces import field_errors, page_errors
from carecircle.discussions.safety import confirmation_for
from carecircle.engagement import actions, forms, permissions, queries
from carecircle.engagement.models import OnboardingStep
from carecircle.notifications import queries as notification_queries

STEP_URLS: dict[str, str] = {
    OnboardingStep.ROLES: "onboarding_roles",
    OnboardingStep.COMMUNITIES: "onboarding_communities",
    OnboardingStep.PRIVACY: "onboarding_privacy",
    OnboardingStep.NOTIFICATIONS: "onboarding_notifications",
    OnboardingStep.INTRODUCTION: "onboarding_introduction",
}


def _after(step: str) -> HttpResponse:
    following = actions._next_step(step)
    return redirect(STEP_URLS[following] if following else "onboarding_done")  # type: ignore[index]


def _step_context(step: str) -> dict[str, Any]:
    index = actions.STEPS.index(step)
    previous = actions.STEPS[index - 1] if index else None
    return {
        "step": step,
        "step_number": index + 1,
        "step_count": len(actions.STEPS),
        "step_label": OnboardingStep(step).label,
        "steps": [
            {"key": key, "label": OnboardingStep(key).label, "url": reverse(STEP_URLS[key])}
            for key in actions.STEPS
        ],
        "previous_url": reverse(STEP_URLS[previous]) if previous else "",
    }


def _render_step(
    request: HttpRequest, step: str, context: dict[str, Any], *, errors: bool = False
) -> HttpResponse:
    return render(
        request,
        f"engagement/{STEP_URLS[step]}.html",
        {**_step_context(step), **context},
        status=400 if errors else 200,
    )


def _skipping(request: HttpRequest, step: str) -> HttpResponse | None:
    """The member pressed "Skip this step": nothing of the step is saved."""
    if request.POST.get("operation") != "skip_step":
        return None
    actions.advance_onboarding(actor=request.user, step=step)
    return _after(step)


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    """/welcome/: resume where the member left off (the first step once they are done)."""
    state = queries.onboarding_state(request.user)
    if state is not None and state.is_open:
        return redirect(STEP_URLS[OnboardingStep(state.step)])
    return redirect("onboarding_roles")


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_roles(request: HttpRequest) -> HttpResponse:
    step = OnboardingStep.ROLES
    user: Any = request.user
    form = forms.RolesForm(
        initial={
            "is_patient": user.is_patient,
            "is_caregiver": user.is_caregiver,
            "is_interested": not (user.is_patient or user.is_caregiver),
        }
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        if skipped := _skipping(request, step):
            return skipped
        form = forms.RolesForm(request.POST)
        if form.is_valid():
            try:
                actions.save_onboarding_roles(
                    actor=user,
                    is_patient=form.cleaned_data["is_patient"],
                    is_caregiver=form.cleaned_data["is_caregiver"],
                )
            except DomainError as error:
                errors = field_errors(error)
            else:
                return _after(step)
    return _render_step(request, step, {"form": form, "errors": errors}, errors=bool(errors))


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_communities(request: HttpRequest) -> HttpResponse:
    step = OnboardingStep.COMMUNITIES
    # The search is a POST, never a query string: conditions are health information and must
    # not land in access logs or the browser's history.
    searching = request.method == "POST" and request.POST.get("operation") == "find"
    if request.method == "POST":
        searched = request.POST.get("conditions", "")
    else:
        # The member's own conditions (private by default) only prefill their own search box.
        searched = ", ".join(queries.own_profile(request.user).conditions or [])
    terms = queries.split_terms(searched)
    suggested, others = queries.suggest_communities(request.user, terms)
    choices = [(c.slug, c.name) for c in [*suggested, *others]]
    form = forms.CommunitiesForm(choices=choices)
    errors: dict[str, str] = {}
    if request.method == "POST" and not searching:
        if skipped := _skipping(request, step):
            return skipped
        form = forms.CommunitiesForm(request.POST, choices=choices)
        if form.is_valid():
            chosen = queries.joinable_by_slugs(request.user, form.cleaned_data["communities"])
            try:
                joined = actions.join_onboarding_communities(
                    actor=request.user,
                    communities=chosen,
                    accept_guidelines=form.cleaned_data["accept_guidelines"],
                )
            except DomainError as error:
                errors = field_errors(error)
                if error.field:
                    form.add_error(
                        error.field if error.field in form.fields else None, str(error.message)
                    )
            else:
                if joined:
                    messages.success(
                        request,
                        _("You joined: %(names)s.")
                        % {"names": ", ".join(m.community.name for m in joined)},
                    )
                return _after(step)
    chosen_slugs = set(form["communities"].value() or [])
    return _render_step(
        request,
        step,
        {
            "form": form,
            "errors": errors,
            "searched": searched,
            "terms": terms,
            "suggested": suggested,
            "others": others,
            "chosen_slugs": chosen_slugs,
        },
        errors=bool(errors),
    )


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_privacy(request: HttpRequest) -> HttpResponse:
    step = OnboardingStep.PRIVACY
    profile = queries.own_profile(request.user)
    levels = visibility_of(profile)
    initial: dict[str, Any] = {"is_hidden": profile.is_hidden}
    initial.update({f"visibility_{name}": levels[name] for name in actions.PRIVACY_FIELDS})
    form = forms.PrivacyForm(initial=initial)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if skipped := _skipping(request, step):
            return skipped
        form = forms.PrivacyForm(request.POST)
        if form.is_valid():
            try:
                actions.save_onboarding_privacy(
                    actor=request.user,
                    visibility=form.visibility(),
                    is_hidden=form.cleaned_data["is_hidden"],
                )
            except DomainError as error:
                errors = field_errors(error)
            else:
                return _after(step)
    return _render_step(
        request,
        step,
        {
            "form": form,
            "errors": errors,
            "levels": [
                (level, label, LEVEL_EXPLANATIONS[level]) for level, label in Visibility.choices
            ],
        },
        errors=bool(errors or form.errors),
    )


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_notifications(request: HttpRequest) -> HttpResponse:
    step = OnboardingStep.NOTIFICATIONS
    current = notification_queries.settings_of(request.user)
    form = forms.NotificationsForm(
        initial={
            "digest": current.digest if current else "off",
            "email_includes_details": bool(current and current.email_includes_details),
        }
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        if skipped := _skipping(request, step):
            return skipped
        form = forms.NotificationsForm(request.POST)
        if form.is_valid():
            try:
                actions.save_onboarding_notifications(
                    actor=request.user,
                    digest=form.cleaned_data["digest"],
                    email_includes_details=form.cleaned_data["email_includes_details"],
                )
            except DomainError as error:
                errors = field_errors(error)
            else:
                return _after(step)
    return _render_step(
        request, step, {"form": form, "errors": errors}, errors=bool(errors or form.errors)
    )


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_introduction(request: HttpRequest) -> HttpResponse:
    step = OnboardingStep.INTRODUCTION
    profile = queries.own_profile(request.user)
    form = forms.IntroductionForm(initial={"bio": profile.bio})
    errors: dict[str, str] = {}
    confirmation: dict[str, Any] | None = None
    if request.method == "POST":
        if skipped := _skipping(request, step):
            return skipped
        form = forms.IntroductionForm(request.POST)
        if form.is_valid():
            try:
                actions.save_onboarding_introduction(
                    actor=request.user,
                    bio=form.cleaned_data["bio"],
                    confirmed=request.POST.get("confirmed") == "1",
                )
            except ConfirmationNeeded as error:
                confirmation = confirmation_for(
                    error,
                    audience=_("People who can see your “about me” will see them."),
                )
            except DomainError as error:
                form.add_error(
                    "bio" if error.field in ("bio", "story") else None, str(error.message)
                )
            else:
                return _after(step)
    return _render_step(
        request,
        step,
        {"form": form, "errors": errors, "confirmation": confirmation},
        errors=bool(form.errors or confirmation),
    )


@login_required
def onboarding_done(request: HttpRequest) -> HttpResponse:
    return render(request, "engagement/onboarding_done.html", {"user_handle": request.user.handle})  # type: ignore[union-attr]


@login_required
@require_POST
def onboarding_skip(request: HttpRequest) -> HttpResponse:
    """Skip the rest: the member goes exploring and is not sent back here."""
    actions.skip_onboarding(actor=request.user)
    messages.success(
        request,
        _("No problem. You can come back to these steps any time at %(url)s.")
        % {"url": request.build_absolute_uri(reverse("onboarding"))},
    )
    return redirect("home")


# --- community welcome messages -------------------------------------------------------------


@login_required
@page_errors
def community_welcome(request: HttpRequest, slug: str) -> HttpResponse:
    """The community's welcome message, for whoever may read the community."""
    community = get_community(request.user, slug)
    permissions.check_can_read_welcome(request.user, community)
    welcome = queries.welcome_of(community)
    return render(
        request,
        "engagement/community_welcome.html",
        {
            "community": community,
            "welcome_html": queries.welcome_html(community, welcome),
            "can_edit": permissions.can_edit_welcome_message(request.user, community),
        },
    )


@login_required
@page_errors
@require_http_methods(["GET", "POST"])
def community_welcome_message(request: HttpRequest, slug: str) -> HttpResponse:
    """Managers write the message new members are welcomed with."""
    community = get_community(request.user, slug)
    permissions.check_can_edit_welcome_message(request.user, community)
    welcome = queries.welcome_of(community)
    form = forms.WelcomeMessageForm(
        initial={
            "body": welcome.body if welcome else "",
            "is_enabled": welcome.is_enabled if welcome else True,
        }
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = forms.WelcomeMessageForm(request.POST)
        if form.is_valid():
            try:
                actions.update_welcome_message(
                    actor=request.user,
                    community=community,
                    body=form.cleaned_data["body"],
                    is_enabled=form.cleaned_data["is_enabled"],
                )
            except DomainError as error:
                if error.field in form.fields:
                    form.add_error(error.field, str(error.message))
                else:
                    errors = field_errors(error)
            else:
                messages.success(request, _("The welcome message is saved."))
                return redirect("community_welcome_message", slug=community.slug)
    return render(
        request,
        "engagement/community_welcome_message.html",
        {
            "community": community,
            "form": form,
            "errors": errors,
            "default_text": queries.default_welcome_text(community),
        },
        status=400 if (errors or form.errors) else 200,
    )
