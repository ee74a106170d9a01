"""Every write of moderation: reports, decisions, sanctions, appeals, notes, settings, trust.

Import from here (`from carecircle.moderation.actions import resolve_item`); the modules
below are split only to keep each one readable.
"""

from carecircle.moderation.actions.reports import report_content

__all__ = ["report_content"]
