from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

# CI and developers share two cores with everything else running: give assertions room before failing.
expect.set_options(timeout=15_000)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        # caret="initial": Playwright otherwise injects a <style> to hide the caret, which our CSP (rightly) blocks.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        assert path.stat().st_size > 1000
        return path

    return take


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def axe():
    """Run axe-core (shipped by axe-playwright-python) on a page; fail on any WCAG 2.2 A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    engine = Axe()

    def check(page, label: str = "") -> None:
        results = engine.run(
            page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        )
        violations = results.response["violations"]
        detail = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(
                n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                for n in v["nodes"][:5]
            )
            for v in violations
        )
        assert not violations, (
            f"axe found {len(violations)} WCAG violation(s) on {label or page.url}:\n{detail}"
        )

    return check
