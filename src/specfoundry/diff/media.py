"""Media types: which entries of two ``content`` maps describe the same payload.

``application/json`` and ``application/json; charset=utf-8`` are one payload: without pairing
such keys, a charset added to a media type would read as that media type removed and another
added.
"""

from __future__ import annotations

from typing import Any


def _media_essence(media: str) -> str:
    """``type/subtype`` of a media type, without parameters (``; charset=utf-8``)."""
    return media.partition(";")[0].strip()


def match_media_parameters(ka: dict[str, Any], kb: dict[str, Any]) -> None:
    """Pair media types that differ only in their parameters, in place: an unmatched key of
    ``kb`` is re-keyed as the unmatched key of ``ka`` with the same ``type/subtype``, when
    there is exactly one on each side (``application/json`` and
    ``application/json; charset=utf-8`` are the same payload)."""
    if len(ka) == len(kb) and ka.keys() == kb.keys():
        return
    only_a: dict[str, list[str]] = {}
    only_b: dict[str, list[str]] = {}
    for media in ka.keys() - kb.keys():
        only_a.setdefault(_media_essence(media), []).append(media)
    for media in kb.keys() - ka.keys():
        only_b.setdefault(_media_essence(media), []).append(media)
    for essence, from_a in only_a.items():
        from_b = only_b.get(essence)
        if from_b is not None and len(from_a) == 1 and len(from_b) == 1:
            kb[from_a[0]] = kb.pop(from_b[0])
