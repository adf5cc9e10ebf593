"""The tile proxy against a real map service on 127.0.0.1 (tests/basemap/tileserver.py): XYZ, WMTS with
only a SWEREF 99 TM matrix set (warped), WMTS with a Web Mercator set (direct); the key, the cache, a
service that is down, and no way through to anything else."""

from __future__ import annotations

import io
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from basemap import services
from basemap.models import BasemapService
from layers.models import Membership, Municipality
from layers.roles import Role
from tests.basemap.conftest import make_service, mark_tile
from tests.basemap.tileserver import MARK, TileServer, mercator_tile, running
from tests.factories import MunicipalityFactory, square, user_with_role

pytestmark = pytest.mark.django_db

SECRET = "hemlig-nyckel-4711"


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"), dtype=np.int32)


def red_centre(data: bytes) -> tuple[float, float]:
    """The centre (column, row) of the red disc, pixel centres at +0.5."""
    p = pixels(data)
    red = (p[:, :, 0] > 150) & (p[:, :, 1] < 90) & (p[:, :, 2] < 90) & (p[:, :, 3] > 200)
    rows, cols = np.nonzero(red)
    assert len(rows) > 0, "no red pixel in the tile"
    return float(cols.mean() + 0.5), float(rows.mean() + 0.5)


def tile_url(z: int, x: int, y: int, **query: str) -> str:
    url = f"/karta/bakgrund/{z}/{x}/{y}.png"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_an_xyz_tile_comes_through_byte_for_byte_and_the_key_goes_only_upstream(
    vasby: Municipality, member: Client
) -> None:
    with running(key=SECRET, key_header="X-Api-Key") as upstream:
        make_service(
            vasby,
            url=upstream.url("/xyz/{z}/{x}/{y}.png"),
            api_key=SECRET,
            key_placement="header",
            key_name="X-Api-Key",
        )
        x, y, _, _ = mark_tile(16)

        response = member.get(tile_url(16, x, y))
        config = member.get("/karta/bakgrund.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == mercator_tile(16, x, y)
    assert upstream.seen[-1].headers["X-Api-Key"] == SECRET  # the service got the key
    everything = response.content + str(response.headers).encode() + config.content
    assert SECRET.encode() not in everything
    assert str(upstream.port).encode() not in config.content  # not even the service's address
    raster = config.json()["raster"]
    assert raster["tiles"].startswith("/karta/bakgrund/{z}/{x}/{y}.png?v=")
    assert raster["attribution"] == "© Testkartan"


def test_the_second_request_is_served_from_the_cache_without_asking_the_service(
    vasby: Municipality, member: Client, upstream: TileServer
) -> None:
    make_service(vasby, url=upstream.url("/xyz/{z}/{x}/{y}.png"))
    x, y, _, _ = mark_tile(15)

    first = member.get(tile_url(15, x, y))
    asked = len(upstream.tile_requests())
    second = member.get(tile_url(15, x, y))

    assert (first["X-Trygg-Cache"], second["X-Trygg-Cache"]) == ("miss", "hit")
    assert asked == 1 and len(upstream.tile_requests()) == 1
    assert second.content == first.content
    assert member.get(tile_url(15, x, y), HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304


def _age_cache(cache_dir: Path, seconds: float) -> None:
    for path in cache_dir.glob("*.sqlite3"):
        with sqlite3.connect(path) as db:
            db.execute("UPDATE tile SET fetched_at = fetched_at - ?", (seconds,))


def test_with_the_service_down_the_cached_tile_is_still_served(
    vasby: Municipality, member: Client, cache_dir: Path
) -> None:
    with running() as upstream:
        make_service(vasby, url=upstream.url("/xyz/{z}/{x}/{y}.png"))
        x, y, _, _ = mark_tile(16)
        fresh = member.get(tile_url(16, x, y))
    _age_cache(cache_dir, 8 * 24 * 3600)  # older than the 7 days after which it is fetched again

    # The server is gone: connection refused.
    stale = member.get(tile_url(16, x, y))
    never_seen = member.get(tile_url(16, x + 1, y))

    assert stale.status_code == 200 and stale["X-Trygg-Cache"] == "stale"
    assert stale.content == fresh.content
    assert never_seen.status_code == 502
    assert never_seen.json()["error"]


def test_a_tile_kept_longer_than_the_service_allows_is_not_served_when_the_service_is_down(
    vasby: Municipality, member: Client, cache_dir: Path
) -> None:
    with running() as upstream:
        make_service(vasby, url=upstream.url("/xyz/{z}/{x}/{y}.png"), keep_days=30)
        x, y, _, _ = mark_tile(16)
        member.get(tile_url(16, x, y))
        upstream.failing = True
        _age_cache(cache_dir, 31 * 24 * 3600)

        response = member.get(tile_url(16, x, y))

    assert response.status_code == 502


@pytest.mark.parametrize(("z", "most_requests"), [(16, 6), (13, 6)])
def test_a_point_at_vasby_centrum_lands_within_a_pixel_of_the_tile_warped_from_sweref(
    vasby: Municipality, member: Client, upstream: TileServer, z: int, most_requests: int
) -> None:
    service = make_service(
        vasby, kind="wmts", url=upstream.url("/wmts/1.0.0/WMTSCapabilities.xml"), layer="topo"
    )
    x, y, col, row = mark_tile(z)

    response = member.get(tile_url(z, x, y))

    assert service.capabilities["matrix_set"] == "3006" and not service.capabilities["direct"]
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    got = red_centre(response.content)
    assert abs(got[0] - col) <= 1.0 and abs(got[1] - row) <= 1.0, (got, (col, row))
    # The level is pinned: a handful of the service's tiles, not a hundred of a finer level.
    levels = {p.split("/")[-3] for p in upstream.tile_requests()}
    assert len(upstream.tile_requests()) <= most_requests and levels == {str(z - 4)}


def test_the_warped_tile_matches_what_gdalwarp_makes_from_the_same_service(
    vasby: Municipality, member: Client, upstream: TileServer, tmp_path: Path
) -> None:
    caps = upstream.url("/wmts/1.0.0/WMTSCapabilities.xml")
    make_service(vasby, kind="wmts", url=caps, layer="topo")
    z = 15
    x, y, _, _ = mark_tile(z)
    from geo.webtiles import tile_bounds

    ours = pixels(member.get(tile_url(z, x, y)).content)
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    out = tmp_path / "gdal.png"
    subprocess.run(
        ["gdalwarp", "-q", "-t_srs", "EPSG:3857", "-te", str(minx), str(miny), str(maxx), str(maxy),
         "-ts", "256", "256", "-r", "bilinear", "-of", "PNG",
         f"WMTS:{caps},layer=topo,tilematrixset=3006", str(out)],
        check=True, cwd=tmp_path, env={"GDAL_ENABLE_WMS_CACHE": "NO", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    theirs = pixels(out.read_bytes())

    difference = np.abs(ours[:, :, :3] - theirs[:, :, :3])
    assert difference.mean() < 2.0, difference.mean()
    ours_red, theirs_red = (
        red_centre(member.get(tile_url(z, x, y)).content),
        red_centre(out.read_bytes()),
    )
    assert np.hypot(ours_red[0] - theirs_red[0], ours_red[1] - theirs_red[1]) < 0.5


def test_a_wmts_with_a_web_mercator_set_is_used_directly(
    vasby: Municipality, member: Client, upstream: TileServer
) -> None:
    service = make_service(
        vasby, kind="wmts", url=upstream.url("/wmts-both/1.0.0/WMTSCapabilities.xml"), layer="topo"
    )
    x, y, _, _ = mark_tile(16)

    response = member.get(tile_url(16, x, y))

    assert service.capabilities["matrix_set"] == "3857" and service.capabilities["direct"]
    assert response.content == mercator_tile(16, x, y)
    assert upstream.tile_requests() == [f"/wmts-both/topo/default/3857/16/{y}/{x}.png"]


def test_a_key_in_the_path_is_kept_once_and_never_stored_in_the_tile_address(
    vasby: Municipality, member: Client
) -> None:
    with running(key=SECRET) as upstream:
        service = make_service(
            vasby,
            kind="wmts",
            url=upstream.url("/token/{key}/wmts/1.0.0/WMTSCapabilities.xml"),
            layer="topo",
            api_key=SECRET,
            key_placement="path",
        )
        x, y, _, _ = mark_tile(14)
        response = member.get(tile_url(14, x, y))

    assert response.status_code == 200
    assert SECRET not in str(service.capabilities) and "{key}" in service.capabilities["template"]
    assert all(p.startswith(f"/token/{SECRET}/") for p in upstream.tile_requests())


def test_the_cache_holds_no_more_than_its_bound_and_drops_the_least_recently_used_first(
    vasby: Municipality, member: Client, cache_dir: Path
) -> None:
    with running() as upstream:
        make_service(vasby, url=upstream.url("/noise/{z}/{x}/{y}.png"), cache_max_mb=1)
        x, y, _, _ = mark_tile(17)
        member.get(tile_url(17, x, y))  # the first tile ...
        for i in range(1, 12):  # ... then eleven others of ~190 KB: 2 MB through a 1 MB cache
            member.get(tile_url(17, x + i, y))
            with sqlite3.connect(next(cache_dir.glob("*.sqlite3"))) as db:
                db.execute(
                    "UPDATE tile SET used_at = used_at - 1000 WHERE key LIKE ?", (f"%/{x + i}/%",)
                )
        kept_first = member.get(tile_url(17, x, y))["X-Trygg-Cache"]

    with sqlite3.connect(next(cache_dir.glob("*.sqlite3"))) as db:
        stored = db.execute("SELECT sum(size), count(*) FROM tile").fetchone()
        total = db.execute("SELECT bytes FROM total").fetchone()[0]
    assert stored[0] == total <= 1024 * 1024
    assert 3 <= stored[1] <= 6
    assert kept_first == "hit"  # used after the others were made older: it stayed


def test_no_open_proxy_a_crafted_address_reaches_no_other_host(
    vasby: Municipality, member: Client
) -> None:
    with running(host="127.0.0.2") as other, running() as upstream:
        upstream.redirect_to = other.url("")
        make_service(vasby, url=upstream.url("/redirect/{z}/{x}/{y}.png"))
        x, y, _, _ = mark_tile(16)

        redirected = member.get(tile_url(16, x, y))
        with_url = member.get(tile_url(16, x, y, url=other.url("/xyz/16/0/0.png")))
        traversal = member.get(f"/karta/bakgrund/16/{x}/..%2F..%2F{other.host}%2Fxyz/{y}.png")
        out_of_range = member.get(tile_url(16, 1 << 16, y))

    assert redirected.status_code == 502  # the service's redirect to another host is not followed
    assert (with_url.status_code, with_url.json()["field"]) == (400, "url")
    assert traversal.status_code == 404
    assert out_of_range.status_code == 400
    assert other.seen == []


def test_what_is_not_an_image_is_never_passed_on(
    vasby: Municipality, member: Client, upstream: TileServer
) -> None:
    make_service(vasby, url=upstream.url("/html/{z}/{x}/{y}.png"))
    x, y, _, _ = mark_tile(16)

    response = member.get(tile_url(16, x, y))

    assert response.status_code == 502
    assert b"<script>" not in response.content


def test_tiles_outside_the_municipality_or_its_zooms_are_not_served(
    vasby: Municipality, member: Client, upstream: TileServer
) -> None:
    make_service(vasby, url=upstream.url("/xyz/{z}/{x}/{y}.png"), max_zoom=17)
    x, y, _, _ = mark_tile(14)

    assert member.get(tile_url(14, x, y)).status_code == 200
    assert member.get(tile_url(14, x + 10, y)).status_code == 404  # about 25 km east
    assert member.get(tile_url(18, *mark_tile(18)[:2])).status_code == 404
    assert upstream.tile_requests() == [f"/xyz/14/{x}/{y}.png"]


def test_anyone_without_a_login_is_refused_and_another_municipalitys_user_gets_no_tile_of_ours(
    vasby: Municipality, upstream: TileServer
) -> None:
    make_service(vasby, url=upstream.url("/xyz/{z}/{x}/{y}.png"))
    sollentuna = MunicipalityFactory(
        kommunkod="0163", name="Sollentuna", boundary=square(MARK[0] + 20_000, MARK[1], 3000)
    )
    stranger = user_with_role(Role.BRA_MEMBER, username="petra")
    Membership.objects.create(user=stranger, municipality=sollentuna)
    theirs = Client()
    theirs.force_login(stranger)
    x, y, _, _ = mark_tile(15)

    anonymous = Client().get(tile_url(15, x, y))
    without_service = theirs.get(tile_url(15, x, y))
    make_service(sollentuna, url=upstream.url("/xyz/{z}/{x}/{y}.png"))
    over_vasby = theirs.get(tile_url(15, x, y))

    assert anonymous.status_code == 401
    assert without_service.status_code == 404
    assert over_vasby.status_code == 404  # their service, but not over their municipality
    assert upstream.tile_requests() == []


def test_the_public_map_gets_tiles_only_when_it_is_on_and_only_over_the_municipality(
    vasby: Municipality, upstream: TileServer
) -> None:
    make_service(vasby, url=upstream.url("/xyz/{z}/{x}/{y}.png"))
    anonymous = Client()
    x, y, _, _ = mark_tile(15)

    off = anonymous.get(f"/offentlig/bakgrund/15/{x}/{y}.png")
    Municipality.objects.filter(pk=vasby.pk).update(public_map=True)
    on = anonymous.get(f"/offentlig/bakgrund/15/{x}/{y}.png")
    far = anonymous.get(f"/offentlig/bakgrund/15/{x + 20}/{y}.png")
    config = anonymous.get("/offentlig/bakgrund.json").json()

    assert off.status_code == 404
    assert on.status_code == 200 and on["Cache-Control"].startswith("public")
    assert far.status_code == 404
    assert config["raster"]["tiles"].startswith("/offentlig/bakgrund/{z}/{x}/{y}.png?v=")
    assert config["vector"]["tiles"] == "/offentlig/vektor/{z}/{x}/{y}.mvt"


def test_the_installation_setting_still_works_as_the_fallback_through_the_proxy(
    vasby: Municipality, member: Client, upstream: TileServer, settings: object
) -> None:
    settings.BASEMAP_URL = upstream.url("/xyz/{z}/{x}/{y}.png")  # type: ignore[attr-defined]
    settings.BASEMAP_ATTRIBUTION = "© Gamla inställningen"  # type: ignore[attr-defined]
    x, y, _, _ = mark_tile(15)

    response = member.get(tile_url(15, x, y))
    config = member.get("/karta/bakgrund.json").json()

    assert response.content == mercator_tile(15, x, y)
    assert config["raster"]["attribution"] == "© Gamla inställningen"


def test_no_service_means_no_raster_and_the_vector_background(
    vasby: Municipality, member: Client
) -> None:
    config = member.get("/karta/bakgrund.json").json()

    assert config["raster"] is None
    assert config["vector"]["tiles"] == "/karta/vektor/{z}/{x}/{y}.mvt"
    assert config["vector"]["min_zoom"] == 10 and config["vector"]["max_data_zoom"] == 18
    assert member.get(tile_url(15, *mark_tile(15)[:2])).status_code == 404


def test_a_tile_the_service_does_not_have_is_a_transparent_picture(
    vasby: Municipality, member: Client, upstream: TileServer
) -> None:
    make_service(
        vasby, kind="wmts", url=upstream.url("/wmts/1.0.0/WMTSCapabilities.xml"), layer="topo"
    )
    # 4.7 km west of the centre: inside the municipality, outside the service's layer (its tiles are 404).
    x, y, _, _ = mark_tile(16)

    response = member.get(tile_url(16, x - 15, y))

    assert response.status_code == 200 and response["X-Trygg-Tile"] == "empty"
    assert pixels(response.content)[:, :, 3].max() == 0


def test_a_configured_but_inactive_service_is_not_used(
    vasby: Municipality, member: Client, upstream: TileServer
) -> None:
    make_service(vasby, url=upstream.url("/xyz/{z}/{x}/{y}.png"), active=False)

    assert member.get(tile_url(15, *mark_tile(15)[:2])).status_code == 404
    assert services.source_for(vasby) is None
    assert BasemapService.objects.count() == 1


def test_the_map_pages_point_at_the_proxy_never_at_the_service_or_its_key(
    vasby: Municipality, member: Client
) -> None:
    with running(key=SECRET, key_header="X-Api-Key") as upstream:
        make_service(
            vasby,
            url=upstream.url("/xyz/{z}/{x}/{y}.png"),
            api_key=SECRET,
            key_placement="header",
            key_name="X-Api-Key",
        )
        pages = [member.get(url) for url in ("/", "/bra/")]

    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert 'data-basemap-url="/karta/bakgrund/{z}/{x}/{y}.png?v=' in html
        assert SECRET not in html and f"127.0.0.1:{upstream.port}" not in html
