"""Readable colours from a brand accent (WCAG 2.x relative luminance and contrast ratio).

A firm may pick any accent (`#facc15`, a light yellow, say). Text and links in that colour would be
unreadable on white; buttons need a text colour that reads on the accent. These helpers derive both.
"""

from __future__ import annotations

from functools import lru_cache

MIN_TEXT_CONTRAST = 4.5


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(hex_colour)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a: str, b: str, weight: float) -> str:
    """`weight` of b into a (0 → a, 1 → b)."""
    ra, rb = _rgb(a), _rgb(b)
    return _hex(tuple(x + (y - x) * weight for x, y in zip(ra, rb, strict=True)))  # type: ignore[arg-type]


@lru_cache(
    maxsize=512
)  # pure, and asked for on every page of a branded workspace (base.html): a few per page
def readable_on(accent: str, surfaces: tuple[str, ...], minimum: float = MIN_TEXT_CONTRAST) -> str:
    """The accent itself if it reads on every surface; else the least change toward black (on light
    surfaces) or white (on dark ones) that does."""
    toward = "#000000" if luminance(surfaces[0]) > 0.5 else "#ffffff"
    for step in range(0, 101, 2):
        candidate = mix(accent, toward, step / 100)
        if all(contrast(candidate, s) >= minimum for s in surfaces):
            return candidate
    return toward


@lru_cache(maxsize=512)
def text_on(accent: str) -> str:
    """Black or white, whichever contrasts more with the accent (button labels)."""
    return "#111111" if contrast(accent, "#111111") >= contrast(accent, "#ffffff") else "#ffffff"


# The surfaces links sit on (static/css/portal.css tokens: --surface and --surface-2, light and dark).
LIGHT_SURFACES = ("#ffffff", "#f6f7f9")
DARK_SURFACES = ("#12151c", "#1a1e27")
