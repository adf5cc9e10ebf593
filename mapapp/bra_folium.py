"""The BRÅ map as one self-contained HTML file (folium) that opens offline, e.g. on a meeting laptop.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default. Here every default link
is removed and the project's own vendored Leaflet and Leaflet.markercluster (mapapp/static/vendor) are
written into the file: JavaScript and CSS inline, the CSS's images as data: URIs, the density overlay
as a PNG data: URI. The only http(s) strings left are XML namespace names inside Leaflet
(``http://www.w3.org/2000/svg``), which name a namespace and are never fetched
(tests/e2e/test_bra_page.py opens the file in Chromium with the network cut).

Builds the map from the data it is given; runs no queries (STYLE.md §7).
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

import folium
from django.conf import settings
from django.utils.translation import gettext as _

from core import numbers

VENDOR = Path(settings.BASE_DIR) / "mapapp" / "static" / "vendor"
CLASS_COLOURS = {
    3: "#b2182b",
    2: "#ef8a62",
    1: "#fddbc7",
    -1: "#d1e5f0",
    -2: "#67a9cf",
    -3: "#2166ac",
}


def _inline_css(path: Path) -> str:
    css = path.read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # comments carry bug-tracker links

    def data_uri(match: re.Match[str]) -> str:
        target = (path.parent / match.group(1)).resolve()
        if not target.is_file() or VENDOR.resolve() not in target.parents:
            return "none"
        mime = "image/svg+xml" if target.suffix == ".svg" else f"image/{target.suffix[1:]}"
        return f"url(data:{mime};base64,{base64.b64encode(target.read_bytes()).decode()})"

    return re.sub(r"url\(['\"]?([^'\")]+?)['\"]?\)", data_uri, css)


def _inline_js(path: Path) -> str:
    js = path.read_text(encoding="utf-8")
    js = js.replace("https://leafletjs.com", "#")  # the attribution prefix's link
    # protomaps-leaflet's default attribution (Trygg always gives its own) and a base for parsing URLs.
    js = js.replace("https://protomaps.com", "#").replace(
        "https://openstreetmap.org/copyright", "#"
    )
    js = js.replace('"http://example.com"', '"trygg:"')
    return js.replace("</script", "<\\/script")


def _assets() -> str:
    parts = [
        f"<style>{_inline_css(VENDOR / 'leaflet' / 'leaflet.css')}</style>",
        f"<style>{_inline_css(VENDOR / 'leaflet.markercluster' / 'MarkerCluster.css')}</style>",
        f"<style>{_inline_css(VENDOR / 'leaflet.markercluster' / 'MarkerCluster.Default.css')}</style>",
        f"<script>{_inline_js(VENDOR / 'leaflet' / 'leaflet.js')}</script>",
        f"<script>{_inline_js(VENDOR / 'leaflet.markercluster' / 'leaflet.markercluster.js')}</script>",
        "<style>html,body{margin:0;height:100%;font-family:system-ui,Arial,sans-serif}"
        ".trygg-legend{background:#fff;padding:8px 10px;border:1px solid #555;font-size:14px;"
        "line-height:1.4;max-width:260px}.trygg-legend i{display:inline-block;width:18px;height:12px;"
        "margin-right:6px;vertical-align:middle;border:1px solid #333}"
        ".trygg-legend .dot{border-radius:50%;width:12px;height:12px}"
        ".trygg-legend .dashed{border:2px dashed #5b2c83;background:transparent}"
        ".trygg-sources{font-size:11px;color:#333;margin:4px 0 0;padding-left:14px}"
        ".trygg-ramp{display:flex;gap:2px;margin:2px 0 4px}.trygg-ramp span{display:inline-block;"
        "width:30px;height:12px;border:1px solid #333}.trygg-ramp-labels{display:flex;gap:2px;"
        "font-size:11px}.trygg-ramp-labels span{width:32px}"
        ".trygg-title{position:absolute;z-index:1000;top:10px;left:60px;right:260px;background:#fff;"
        "padding:6px 10px;border:1px solid #555;font-size:14px;max-width:640px}"
        ".trygg-title h1{font-size:17px;margin:0 0 2px}.trygg-title p{margin:2px 0}"
        ".trygg-title .note{color:#7a0000}</style>",
    ]
    return "\n".join(parts)


def _strip_defaults(element: Any) -> None:
    element.default_js = []
    element.default_css = []


def bra_map(
    *,
    title: str,
    centre: tuple[float, float],
    filter_lines: list[str] | None = None,
    notes: list[str] | None = None,
    source_lines: list[str] | None = None,
    districts: dict[str, Any],
    overlay: dict[str, Any] | None,
    overlay_png: bytes | None,
    hotspots: dict[str, Any],
    sensitive_cells: dict[str, Any],
    incidents: dict[str, Any],
    observations: dict[str, Any],
    background: dict[str, Any] | None = None,
) -> str:
    """The whole map as HTML text. ``centre`` is (lat, lon), Leaflet order; the GeoJSON is WGS 84.

    ``title`` names the map and its period, ``filter_lines`` what the filter chose, ``notes`` what the
    reader must know (privacy, demo data), ``source_lines`` the sources and how fresh they are.
    ``background``: the background map with its tiles in it (basemap.embed.embedded_background), drawn
    by the pages' own trygg-basemap.js.
    """
    # No folium scale control: it is Leaflet's default, miles and feet beside metres; ours is metric.
    fmap = folium.Map(
        location=list(centre), zoom_start=12, tiles=None, prefer_canvas=True, control_scale=False
    )
    _strip_defaults(fmap)
    root: Any = fmap.get_root()  # a branca Figure: header, html and script sections
    _strip_defaults(root)
    root.header.add_child(folium.Element(_assets()), name="trygg_assets")
    heading = [f"<h1>{html.escape(title)}</h1>"]
    if filter_lines:
        heading.append(f"<p>{html.escape(_('Urval'))}: {html.escape('; '.join(filter_lines))}</p>")
    heading += [f"<p class='note'>{html.escape(n)}</p>" for n in notes or []]
    if source_lines:
        heading.append(
            f"<ul class='trygg-sources' data-testid='sources' aria-label='{html.escape(_('Källor och aktualitet'))}'>"
            + "".join(f"<li>{html.escape(line)}</li>" for line in source_lines)
            + "</ul>"
        )
    root.html.add_child(
        folium.Element(f'<div class="trygg-title" data-testid="title">{"".join(heading)}</div>'),
        name="trygg_title",
    )

    folium.GeoJson(
        districts,
        name=_("Kommundelar"),
        style_function=lambda f: {"color": "#1f4e79", "weight": 3, "fill": False},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)
        if districts["features"]
        else None,
    ).add_to(fmap)
    if overlay is not None and overlay_png is not None:
        data = "data:image/png;base64," + base64.b64encode(overlay_png).decode()
        folium.raster_layers.ImageOverlay(
            image=data,
            bounds=[list(overlay["bounds"][0]), list(overlay["bounds"][1])],
            name=_("Täthet"),
            opacity=1.0,
        ).add_to(fmap)
    if hotspots["features"]:
        folium.GeoJson(
            hotspots,
            name=_("Hot spots (Gi*)"),
            style_function=lambda f: {
                "color": CLASS_COLOURS.get(f["properties"]["class"], "#999"),
                "weight": 1,
                "fillColor": CLASS_COLOURS.get(f["properties"]["class"], "#999"),
                "fillOpacity": 0.45,
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["label", "count"], aliases=[_("Klass"), _("Antal")]
            ),
        ).add_to(fmap)
    if sensitive_cells["features"]:
        folium.GeoJson(
            sensitive_cells,
            name=_("Känsliga händelser (rutor)"),
            style_function=lambda f: {
                "color": "#5b2c83",
                "weight": 2,
                "dashArray": "4 4",
                "fillOpacity": 0.1,
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["label"], aliases=[_("Antal känsliga händelser")]
            ),
        ).add_to(fmap)
    # Incidents and observations travel as compact JSON and are drawn by a few lines of Leaflet: a
    # folium marker per incident would make the file several times larger and slow to write.
    points = [
        [
            f["geometry"]["coordinates"][1],
            f["geometry"]["coordinates"][0],
            f["properties"]["category_label"],
            f["properties"]["occurred_from"][:16].replace("T", " "),
        ]
        for f in incidents["features"]
    ]
    walks = [
        [
            f["geometry"]["coordinates"][1],
            f["geometry"]["coordinates"][0],
            f["properties"]["feeling"],
            f"{f['properties']['category_label']}: {f['properties']['note']}",
        ]
        for f in observations["features"]
    ]
    payload = json.dumps({"incidents": points, "observations": walks}, ensure_ascii=False)
    root.html.add_child(
        folium.Element(
            '<script type="application/json" id="trygg-points">'
            + payload.replace("</", "<\\/")
            + "</script>"
        ),
        name="trygg_points",
    )
    legend = [
        f"<div class='trygg-legend'><strong>{html.escape(_('Teckenförklaring'))}</strong><br>"
    ]
    if overlay is not None:
        legend.append(html.escape(_("Täthet: händelser per km² under perioden")))
        stops = list(zip(overlay["legend"]["stops"], overlay["legend"]["colors"], strict=True))
        legend.append(
            "<div class='trygg-ramp'>"
            + "".join(f"<span style='background:{colour}'></span>" for _stop, colour in stops)
            + "</div><div class='trygg-ramp-labels'>"
            + "".join(f"<span>{numbers.number(stop)}</span>" for stop, _colour in stops)
            + "</div>"
        )
    for cls in (3, 2, 1, -1, -2, -3):
        words = (
            _("Hot spot (Gi*), %(level)s %% säkerhet")
            if cls > 0
            else _("Cold spot (Gi*), %(level)s %% säkerhet")
        )
        level = [0, 90, 95, 99][abs(cls)]
        legend.append(
            f"<i style='background:{CLASS_COLOURS[cls]}'></i>{html.escape(words % {'level': level})}<br>"
        )
    legend.append(
        f"<i class='dashed'></i>{html.escape(_('Känsliga händelser: antal i fasta rutor'))}<br>"
        f"<i class='dot' style='background:#7a0177'></i>{html.escape(_('Händelse'))}<br>"
        f"<i class='dot' style='background:#ef8a62'></i>"
        f"{html.escape(_('Observation från trygghetsvandring: otryggt'))}<br>"
        f"<i class='dot' style='background:#67a9cf'></i>"
        f"{html.escape(_('Observation från trygghetsvandring: tryggt eller neutralt'))}<br>"
    )
    legend.append("</div>")
    legend_control = folium.Element(
        "<div id='trygg-legend-src' hidden>" + "".join(legend) + "</div>"
    )
    root.html.add_child(legend_control, name="trygg_legend")
    folium.LayerControl(collapsed=False).add_to(fmap)
    name = fmap.get_name()
    if background is not None:
        _add_background(root, name, background)
    labels = json.dumps(
        [_("Händelser"), _("Observationer från trygghetsvandringar")], ensure_ascii=False
    )
    root.script.add_child(
        folium.Element(
            # folium writes the map's own script after this one: wait for the page to load.
            "window.addEventListener('load',function(){var d=JSON.parse(document.getElementById('trygg-points').textContent);"
            f"var labels={labels};{name}.setMaxZoom(19);"
            "var esc=function(s){return String(s).replace(/[&<>\"']/g,function(c){return '&#'+c.charCodeAt(0)+';';});};"
            "var cl=L.markerClusterGroup({showCoverageOnHover:false,maxClusterRadius:45});"
            "d.incidents.forEach(function(p){cl.addLayer(L.circleMarker([p[0],p[1]],{radius:5,color:'#7a0177',"
            "weight:1,fillOpacity:0.7}).bindPopup(esc(p[2])+' '+esc(p[3])));});"
            f"cl.addTo({name});"
            "var ob=L.layerGroup();d.observations.forEach(function(p){ob.addLayer(L.circleMarker([p[0],p[1]],"
            "{radius:7,color:'#222',weight:1,fillColor:p[2]<=2?'#ef8a62':'#67a9cf',fillOpacity:0.9}).bindPopup(esc(p[3])));});"
            f"ob.addTo({name});"
            f"var ctl=L.control.layers(null,{{}},{{collapsed:false}}).addTo({name});ctl.addOverlay(cl,labels[0]);ctl.addOverlay(ob,labels[1]);"
            f"document.body.dataset.incidents=String(d.incidents.length);}});"
            "window.addEventListener('load',function(){var src=document.getElementById('trygg-legend-src');"
            "var c=L.control({position:'bottomleft'});c.onAdd=function(){var d=L.DomUtil.create('div');"
            f"d.innerHTML=src.innerHTML;return d;}};c.addTo({name});"
            f"{name}.attributionControl.setPrefix('Leaflet');"
            f"L.control.scale({{metric:true,imperial:false,position:'bottomright'}}).addTo({name});}});"
        ),
        name="trygg_legend_control",
    )
    return str(root.render())


def _add_background(root: Any, name: str, background: dict[str, Any]) -> None:
    """The background map with its tiles in the file, drawn under every layer once the page loaded."""
    static = Path(settings.BASE_DIR) / "mapapp" / "static" / "mapapp"
    scripts = [VENDOR / "protomaps-leaflet" / "protomaps-leaflet.js", static / "trygg-basemap.js"]
    root.header.add_child(
        folium.Element("".join(f"<script>{_inline_js(path)}</script>" for path in scripts)),
        name="trygg_background_scripts",
    )
    payload = json.dumps(background, ensure_ascii=False).replace("</", "<\\/")
    root.html.add_child(
        folium.Element(f'<script type="application/json" id="trygg-background">{payload}</script>'),
        name="trygg_background",
    )
    root.script.add_child(
        folium.Element(
            "window.addEventListener('load',function(){"
            "var config=JSON.parse(document.getElementById('trygg-background').textContent);"
            f"TryggBasemap.addEmbedded({name},document.getElementById('{name}'),config);}});"
        ),
        name="trygg_background_control",
    )
