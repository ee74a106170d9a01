"""A poll carried by a topic: one question, its options and members' votes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Poll(models.Model):
    class Results(models.TextChoices):
        ALWAYS = "always", _("at any time")
        AFTER_VOTE = "after_vote", _("after voting")
        AFTER_CLOSE = "after_close", _("when the poll closes")

    topic = models.OneToOneField("discussions.Topic", on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(_("question"), max_length=300)
    is_multiple_choice = models.BooleanField(_("people may choose more than one"), default=False)
    # For a multiple-choice poll: the most options one person may choose (None: any number).
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    # Anonymous: nobody, moderators included, is shown who voted for what.
    is_anonymous = models.BooleanField(_("keep voters anonymous"), default=True)
    results_visibility = models.CharField(
        max_length=12, choices=Results.choices, default=Results.AFTER_VOTE
    )
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voter_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"poll {self.pk}"


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("option"), max_length=200)
    vote_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="poll_option_position_once"),
        ]

    def __str__(self) -> str:
        return self.label


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_votes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["option", "voter"], name="poll_vote_once_per_option"),
        ]
        indexes = [models.Index(fields=["poll", "voter"], name="polls_vote_poll_voter")]

    def __str__(self) -> str:
        return f"vote {self.pk}"
