"""Whether focus can be seen, from the pixels: the focused element and a margin around it,
screenshotted focused and then unfocused, must differ in at least as many pixels as a line
around it would cover (its perimeter in CSS px), each by a contrast of 3:1 or more."""

import io

from PIL import Image

MARGIN = 10  # CSS px around the element: where an outline or ring is drawn


def _luminance(rgb) -> float:
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, other) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _shot(page, clip) -> Image.Image:
    return Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")


def assert_focus_is_visible(page, what: str) -> None:
    focused = page.evaluate_handle("document.activeElement")
    focused.scroll_into_view_if_needed()
    box = focused.bounding_box()
    view = page.viewport_size
    left, top = max(0, box["x"] - MARGIN), max(0, box["y"] - MARGIN)
    clip = {
        "x": left,
        "y": top,
        "width": min(view["width"], box["x"] + box["width"] + MARGIN) - left,
        "height": min(view["height"], box["y"] + box["height"] + MARGIN) - top,
    }
    with_focus = _shot(page, clip)
    focused.evaluate("element => element.blur()")
    without = _shot(page, clip)
    focused.evaluate("element => element.focus()")
    strong = sum(
        1
        for before, after in zip(
            without.get_flattened_data(), with_focus.get_flattened_data(), strict=True
        )
        if before != after and contrast(before, after) >= 3
    )
    needed = 2 * (box["width"] + box["height"])
    assert strong >= needed, (
        f"focus on {what} is not visible enough: {strong} pixels change by 3:1 or more, "
        f"{needed:.0f} needed"
    )
