"""Entity tags and the conditional request headers of RFC 9110 (If-Match, If-None-Match).

A task's entity tag is its version, which every write increments: `"3"`. It is a strong
validator: one version has exactly one representation.
"""

from __future__ import annotations

import re

# One entity tag of a list: optional weakness prefix, then the quoted opaque part.
ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7E]*)"\s*(?:,|$)')


def etag(version: int) -> str:
    return f'"{version}"'


def _entity_tags(header: str) -> list[tuple[bool, str]]:
    """(is_weak, opaque tag) for each tag of the list; the contract's pattern checked the syntax."""
    return [(bool(weak), opaque) for weak, opaque in ENTITY_TAG.findall(header)]


def if_match_holds(header: str | None, version: int) -> bool:
    """If-Match: absent, `*` (the task exists), or a strong match of the current tag."""
    if header is None or header.strip() == "*":
        return True
    current = str(version)
    return any(not weak and opaque == current for weak, opaque in _entity_tags(header))


def if_none_match_hits(header: str | None, version: int) -> bool:
    """If-None-Match: `*` or a weak match of the current tag, which makes a GET a 304."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    current = str(version)
    return any(opaque == current for _, opaque in _entity_tags(header))
