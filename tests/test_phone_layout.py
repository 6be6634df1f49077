"""The reader pages on a phone 360 px wide, in real headless Chromium: the header is one line, the
headline and standfirst are on the first screen, and nothing scrolls sideways."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}

# Where each visible child of the header starts and ends, and the first words of the brief.
LAYOUT = """() => {
  const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const header = document.querySelector(".site-header");
  const parts = [...header.querySelectorAll("a, button, input")].filter(visible).map(el => {
    const box = el.getBoundingClientRect();
    return {text: el.innerText.trim(), top: box.top, bottom: box.bottom, right: box.right};
  });
  const h1 = document.querySelector("h1").getBoundingClientRect();
  const dek = document.querySelector(".brief-header .dek").getBoundingClientRect();
  return {parts, header: header.getBoundingClientRect().height, h1: h1.top, dek: dek.bottom,
          scrollWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("language", ["lt", "en"])
def test_a_phone_shows_a_one_line_header_and_the_brief_on_the_first_screen(
    live_server, seed, browser_page, language
):
    browser_page.set_viewport_size(PHONE)
    browser_page.goto(f"{live_server.url}/{language}/briefs/{seed.slug}/")
    layout = browser_page.evaluate(LAYOUT)
    parts = layout["parts"]
    # The site's links and the language switcher, all on one line, none of them past the edge.
    assert {p["text"] for p in parts} >= {"LT", "EN"}
    assert max(p["top"] for p in parts) - min(p["top"] for p in parts) < 8, parts
    assert max(p["right"] for p in parts) <= PHONE["width"], parts
    assert layout["header"] < 60
    assert layout["scrollWidth"] <= PHONE["width"]
    # The headline starts near the top, and it and the standfirst are read without scrolling.
    assert layout["h1"] < 80
    assert layout["dek"] < PHONE["height"]
