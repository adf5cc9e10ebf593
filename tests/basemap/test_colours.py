"""Colours of the maps (issue 13, decision 0754): the density ramp and the hot-spot classes never share a
hue family, and the background's label colours meet WCAG 2.1 AA against their halo."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import pytest

from geo.raster import DIVERGING, RAMP
from mapapp.bra_folium import CLASS_COLOURS

BASEMAP_JS = (
    Path(__file__).resolve().parents[2] / "mapapp" / "static" / "mapapp" / "trygg-basemap.js"
)
BRA_JS = Path(__file__).resolve().parents[2] / "mapapp" / "static" / "mapapp" / "bra" / "bra-map.js"


def rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(colour: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def hue(colour: tuple[int, int, int]) -> float:
    return colorsys.rgb_to_hls(*(c / 255 for c in colour))[0] * 360


def test_density_is_green_where_hot_spots_are_red_and_cold_spots_blue() -> None:
    density = [hue(c) for c in RAMP[2:]]  # the palest two are near white
    hot_cold = [hue(rgb(c)) for c in CLASS_COLOURS.values()] + [hue(c) for c in DIVERGING]
    assert all(70 <= h <= 160 for h in density), density
    assert not any(70 <= h <= 160 for h in hot_cold), hot_cold
    page = re.search(r"giColours = \{([^}]*)\}", BRA_JS.read_text())
    assert page is not None
    assert {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}", page.group(1))} == {
        c.lower() for c in CLASS_COLOURS.values()
    }


@pytest.mark.parametrize("name", ["text", "placeText", "generatedText"])
def test_the_background_labels_meet_wcag_aa_on_their_halo_and_the_land(name: str) -> None:
    source = BASEMAP_JS.read_text()
    found = re.search(rf"\b{name}: \"(#[0-9a-f]{{6}})\"", source)
    land = re.search(r"\bland: \"(#[0-9a-f]{6})\"", source)
    assert found is not None and land is not None
    assert contrast(rgb(found.group(1)), (255, 255, 255)) >= 4.5
    assert contrast(rgb(found.group(1)), rgb(land.group(1))) >= 4.5


def test_the_darkest_density_class_stands_out_from_the_background() -> None:
    land = rgb(re.search(r"\bland: \"(#[0-9a-f]{6})\"", BASEMAP_JS.read_text()).group(1))  # type: ignore[union-attr]
    assert contrast(RAMP[-1], land) >= 3.0  # WCAG 2.1 1.4.11, graphical objects
