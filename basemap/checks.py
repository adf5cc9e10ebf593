"""A wrong TRYGG_BASEMAP_URL stops startup with a message, instead of failing tile by tile."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from basemap.sources import xyz_template_problems


@register()
def basemap_url_setting(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    url = str(getattr(settings, "BASEMAP_URL", "") or "")
    if not url:
        return []
    problems = xyz_template_problems(url)
    if not problems:
        return []
    return [
        Error(
            "TRYGG_BASEMAP_URL is not an XYZ tile address: " + "; ".join(problems),
            hint="Give a template with {z}, {x} and {y}, or leave it empty and configure the "
            "municipality's service in the admin (docs/deployment.md).",
            id="basemap.E001",
        )
    ]
