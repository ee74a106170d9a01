from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """`{{ counts|get_item:kind }}`: a dictionary value by a variable key."""
    if not mapping:
        return None
    return mapping.get(key)
