"""Photos: their own requests, exactly once, EXIF and GPS removed, resized, with a clear error when refused."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from surveys.models import ObservationPhoto, Trygghetsvandring
from surveys.photos import MAX_SIDE_PX, THUMB_SIDE_PX
from tests.surveys.conftest import jpeg_with_gps, observation_payload

pytestmark = pytest.mark.django_db


def stored_observation(client: Client, walk: Trygghetsvandring) -> dict[str, Any]:
    payload = observation_payload(walk)
    response = client.post(
        "/api/v1/observations/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 201
    return payload


def upload(
    client: Client,
    observation_uuid: str,
    data: bytes,
    photo_uuid: str | None = None,
    **headers: str,
) -> Any:
    return client.post(
        f"/api/v1/observations/{observation_uuid}/photos/",
        {
            "client_uuid": photo_uuid or str(uuid.uuid4()),
            "image": SimpleUploadedFile("IMG_0001.jpg", data, content_type="image/jpeg"),
        },
        headers=headers,
    )


def test_a_photo_is_stored_without_exif_resized_and_with_a_thumbnail(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = stored_observation(field_client, walk)
    original = jpeg_with_gps(3000, 2000)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the camera's GPS is there

    response = upload(field_client, payload["client_uuid"], original)

    assert response.status_code == 201, response.content
    photo = ObservationPhoto.objects.get()
    assert photo.observation.client_uuid == uuid.UUID(payload["client_uuid"])
    with photo.image.open("rb") as f:
        data = f.read()
    stored = Image.open(io.BytesIO(data))
    assert max(stored.size) == MAX_SIDE_PX
    assert (photo.width, photo.height) == stored.size == (2048, 1365)
    assert len(stored.getexif()) == 0
    assert b"Exif" not in data and b"TabletMaker" not in data and b"GPS" not in data
    with photo.thumbnail.open("rb") as f:
        thumb = Image.open(io.BytesIO(f.read()))
    assert max(thumb.size) == THUMB_SIDE_PX
    assert response.json()["url"].startswith("/vandringar/foto/")


def test_the_picture_is_turned_by_its_orientation_before_exif_is_dropped(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = stored_observation(field_client, walk)
    img = Image.new("RGB", (400, 200), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)

    upload(field_client, payload["client_uuid"], out.getvalue())

    photo = ObservationPhoto.objects.get()
    assert (photo.width, photo.height) == (200, 400)


def test_the_same_photo_sent_twice_is_stored_once(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = stored_observation(field_client, walk)
    data = jpeg_with_gps(800, 600)
    photo_uuid = str(uuid.uuid4())

    first = upload(field_client, payload["client_uuid"], data, photo_uuid)
    second = upload(field_client, payload["client_uuid"], data, photo_uuid)

    assert (first.status_code, second.status_code) == (201, 200)
    assert ObservationPhoto.objects.count() == 1
    assert first.json()["client_uuid"] == second.json()["client_uuid"] == photo_uuid


def test_another_picture_under_a_known_photo_uuid_is_409(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = stored_observation(field_client, walk)
    photo_uuid = str(uuid.uuid4())
    upload(field_client, payload["client_uuid"], jpeg_with_gps(800, 600), photo_uuid)

    response = upload(field_client, payload["client_uuid"], jpeg_with_gps(801, 600), photo_uuid)

    assert response.status_code == 409
    assert ObservationPhoto.objects.get().width == 800


def test_a_photo_before_its_observation_is_404_so_the_tablet_keeps_it(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    response = upload(field_client, str(uuid.uuid4()), jpeg_with_gps(800, 600))

    assert response.status_code == 404
    assert "send the observation before its photos" in response.json()["error"]
    assert ObservationPhoto.objects.count() == 0


def test_a_photo_over_the_size_limit_is_413_naming_the_limit(
    field_client: Client, walk: Trygghetsvandring, settings: Any
) -> None:
    settings.PHOTO_MAX_BYTES = 100_000
    payload = stored_observation(field_client, walk)
    big = jpeg_with_gps(3000, 2000) + b"\0" * 200_000

    response = upload(field_client, payload["client_uuid"], big)

    assert response.status_code == 413
    assert "image" in response.json()["fields"]
    assert "MB" in response.json()["error"]
    assert ObservationPhoto.objects.count() == 0


def test_a_file_that_is_not_a_picture_is_refused_naming_the_field(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = stored_observation(field_client, walk)

    response = upload(field_client, payload["client_uuid"], b"%PDF-1.4 not a photo")

    assert response.status_code == 415
    assert "image" in response.json()["fields"]
    assert "JPEG" in response.json()["error"]


def test_a_truncated_jpeg_is_422(field_client: Client, walk: Trygghetsvandring) -> None:
    payload = stored_observation(field_client, walk)

    response = upload(field_client, payload["client_uuid"], jpeg_with_gps(800, 600)[:300])

    assert response.status_code == 422
    assert "image" in response.json()["fields"]
    assert ObservationPhoto.objects.count() == 0


def test_a_photo_request_without_the_image_is_400(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = stored_observation(field_client, walk)

    response = field_client.post(
        f"/api/v1/observations/{payload['client_uuid']}/photos/", {"client_uuid": str(uuid.uuid4())}
    )

    assert response.status_code == 400
    assert "image" in response.json()["fields"]


def test_photos_are_served_only_to_logged_in_users_with_permission(
    field_client: Client, walk: Trygghetsvandring, bra_client: Client
) -> None:
    payload = stored_observation(field_client, walk)
    photo_uuid = upload(field_client, payload["client_uuid"], jpeg_with_gps(800, 600)).json()[
        "client_uuid"
    ]
    url = f"/vandringar/foto/{photo_uuid}/"

    anonymous = Client().get(url)
    member = bra_client.get(url)
    thumb = bra_client.get(f"/vandringar/foto/{photo_uuid}/miniatyr/")

    assert anonymous.status_code == 302  # to the login page
    assert member.status_code == 200 and member["Content-Type"] == "image/jpeg"
    assert "private" in member["Cache-Control"]
    assert thumb.status_code == 200
    assert b"".join(member.streaming_content).startswith(b"\xff\xd8")


def test_no_public_url_serves_the_photo_files(
    field_client: Client, walk: Trygghetsvandring
) -> None:
    payload = stored_observation(field_client, walk)
    upload(field_client, payload["client_uuid"], jpeg_with_gps(800, 600))
    photo = ObservationPhoto.objects.get()

    for url in (
        f"/media-not-public/{photo.image.name}",
        f"/static/{photo.image.name}",
        f"/media/{photo.image.name}",
    ):
        assert Client().get(url).status_code == 404
        assert field_client.get(url).status_code == 404
