"""Reading the search form (page and API alike): what was typed, as `SearchFilters`.

Only the shape of the input is checked here (a date that is not a date, a community the
searcher cannot pick); what matches is `queries.search`'s decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.communities.models import Community
from carecircle.core.pagination import clamp_int
from carecircle.search.queries import MAX_PAGE, SearchFilters

# The tabs: "topics" is accepted too (the API's name for discussions without replies).
KINDS = ("all", "discussions", "members", "communities", "resources")
ACCEPTED_KINDS = (*KINDS, "topics")
HANDLE = re.compile(r"^[\w.-]+$")
FILTER_FIELDS = ("community", "author", "after", "before", "solved", "mine", "sort")


def kind_labels() -> dict[str, Any]:
    """The tab names, in tab order."""
    return {
        "all": _("All"),
        "discussions": _("Discussions"),
        "members": _("Members"),
        "communities": _("Communities"),
        "resources": _("Resources"),
    }


def page_number(value: Any) -> int:
    """The requested page, clamped to 1..MAX_PAGE (nonsense gives 1)."""
    return clamp_int(value, default=1, minimum=1, maximum=MAX_PAGE)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        # Longer text is cut by `queries.search`, which says so in a note.
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    # Chosen with the tabs (links), kept by the form as a hidden field.
    kind = forms.CharField(required=False, widget=forms.HiddenInput)
    community = forms.ChoiceField(
        label=_("Community"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "We could not find that community. Choose one from the list, or “Any community”."
            )
        },
    )
    author = forms.CharField(
        label=_("Written by"),
        required=False,
        max_length=40,
        help_text=_("A member’s handle, like @pat."),
        error_messages={"max_length": _("A handle has at most %(limit_value)d characters.")},
    )
    after = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date like 2026-03-31, or leave it empty.")},
    )
    before = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date like 2026-03-31, or leave it empty.")},
    )
    solved = forms.ChoiceField(
        label=_("Questions"),
        required=False,
        choices=[("", _("Any")), ("solved", _("Solved")), ("unsolved", _("Not solved yet"))],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose any, solved or not solved yet.")},
    )
    mine = forms.BooleanField(label=_("Only my communities"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("relevance", _("Best match")), ("newest", _("Newest")), ("oldest", _("Oldest"))],
        error_messages={"invalid_choice": _("Choose best match, newest or oldest.")},
    )

    def __init__(
        self,
        data: Any,
        *,
        communities: Iterable[Community],
        is_member: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        community_field = self.fields["community"]
        assert isinstance(community_field, forms.ChoiceField)
        community_field.choices = [("", _("Any community"))] + [
            (community.slug, community.name) for community in communities
        ]
        if not is_member:
            # A visitor belongs to no community: the box would only ever find nothing.
            del self.fields["mine"]

    def clean_kind(self) -> str:
        kind = self.cleaned_data.get("kind") or "all"
        # A tab link edited by hand shows every kind rather than an error nobody can fix.
        return kind if kind in ACCEPTED_KINDS else "all"

    def clean_author(self) -> str:
        author = (self.cleaned_data.get("author") or "").strip().lstrip("@").lower()
        if author and not HANDLE.match(author):
            raise forms.ValidationError(
                _("A handle has only letters, numbers, dots and dashes, like @pat."),
                code="invalid_handle",
            )
        return author

    def clean_sort(self) -> str:
        return self.cleaned_data.get("sort") or "relevance"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        after, before = cleaned.get("after"), cleaned.get("before")
        if after and before and after > before:
            self.add_error(
                "before", _("This date is before the “From” date. Swap them or change one.")
            )
        return cleaned

    @property
    def narrowing_filter_count(self) -> int:
        """How many of the filters that leave results out were sent (the sort leaves none out)."""
        return sum(
            1
            for name in ("community", "author", "after", "before", "solved", "mine")
            if (self.data.get(name) or "").strip()
        )

    @property
    def filter_count(self) -> int:
        """How many filters were sent, a sort other than best match counting as one."""
        sort = (self.data.get("sort") or "relevance").strip()
        return self.narrowing_filter_count + int(sort != "relevance")

    @property
    def has_filter_errors(self) -> bool:
        """True when a filter (not the words) has an error: the filters open to show it."""
        return any(name in self.errors for name in FILTER_FIELDS)

    def filters(self) -> SearchFilters:
        """The valid form as the filters `queries.search` takes."""
        data = self.cleaned_data
        return SearchFilters(
            kind=data["kind"],
            community=data.get("community") or "",
            author=data.get("author") or "",
            after=data.get("after"),
            before=data.get("before"),
            solved=data.get("solved") or "",
            mine_only=bool(data.get("mine")),
            sort=data["sort"],
        )


class SearchPageForm(SearchForm):
    """The search page's form: its dates are the browser's date picker, so errors say so."""

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        for name in ("after", "before"):
            # A date box cannot keep text that is not a date: the message says how to enter one.
            self.fields[name].error_messages["invalid"] = _(
                "Pick a date from the calendar, or type it as YYYY-MM-DD."
            )

    @property
    def has_cleared_date(self) -> bool:
        """True when a date was not a date: the browser's date box shows it empty."""
        return any(self.has_error(name, "invalid") for name in ("after", "before"))
