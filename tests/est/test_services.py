"""EST reports are stored once per client UUID, placed in their NYKO area, and become one action each for
the office that answers for the event type, made through surveys.services.open_action."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from est import lagesbild, services
from est.models import EstReport, EventType
from layers import reference
from surveys.models import Action, ActionEvent
from tests.est.conftest import CY, Town, lonlat


def _send(town: Town, client_uuid: uuid.UUID, **changes: object) -> services.Recorded:
    lon, lat = lonlat(664772.0, CY)
    fields: dict[str, object] = {
        "reporter": town.housing,
        "client_uuid": client_uuid,
        "event_type": EventType.GRAFFITI,
        "lon": lon,
        "lat": lat,
        "occurred_at": datetime.datetime(2026, 11, 3, 21, 15, tzinfo=datetime.UTC),
        "note": "Klotter på garagelängan",
        **changes,
    }
    return services.record_report(town.municipality, **fields)  # type: ignore[arg-type]


def test_a_report_sent_again_is_stored_once_with_one_action(town: Town) -> None:
    key = uuid.uuid4()
    first = _send(town, key)
    again = _send(town, key, lon=float(first.report.location.transform(4326, clone=True).x) + 1e-9)

    assert (first.created, again.created) == (True, False)
    assert again.report.pk == first.report.pk
    assert EstReport.objects.count() == 1
    assert Action.objects.filter(est_reports=first.report).count() == 1
    assert Action.objects.count() == 1


def test_other_content_under_a_known_uuid_is_a_conflict_and_the_first_is_kept(town: Town) -> None:
    key = uuid.uuid4()
    _send(town, key)
    with pytest.raises(services.ReportConflict) as caught:
        _send(town, key, note="Något annat")
    assert caught.value.existing.note == "Klotter på garagelängan"
    with pytest.raises(services.ReportConflict):
        _send(town, key, reporter=town.guard)  # the same UUID from another reporter
    assert EstReport.objects.count() == 1


def test_a_report_lies_in_its_nyko_area_and_keeps_its_organisation(town: Town) -> None:
    report = town.report(town.housing, EventType.LITTER, "2003")
    assert report.area == town.areas["2003"]
    assert report.organisation == "AB Väsbyhem"
    assert report.location.srid == 3006


@pytest.mark.parametrize(
    ("event_type", "office"),
    [
        (EventType.GRAFFITI, reference.SAMHALLSBYGGNAD),
        (EventType.LITTER, reference.SAMHALLSBYGGNAD),
        (EventType.GATHERING, reference.SOCIAL_OMSORG),
        (EventType.RECKLESS_DRIVING, reference.POLISEN),
        (EventType.DRUGS, reference.POLISEN),
        (EventType.FIRE, reference.KOMMUNLEDNING),
        (EventType.SOCIAL_MEDIA, reference.KOMMUNLEDNING),
    ],
)
def test_the_action_goes_to_the_office_that_answers_for_the_event_type(
    town: Town, event_type: str, office: str
) -> None:
    report = town.report(town.guard, event_type, note="En man i röd jacka")
    action = report.action
    assert action is not None
    assert action.office.name == office
    assert action.municipality == town.municipality
    assert action.status == Action.Status.NEW
    assert "Centrum" in action.title  # the area's name
    assert "röd jacka" not in action.title + action.description  # the free text stays in the report
    assert "EST-händelsetypen" in action.suggestion_reason
    assert action.location is not None and action.location.distance(report.location) < 0.01
    assert action.place_name  # the nearest street, else the NYKO area (surveys.places)
    days = {3: 14, 2: 30, 1: 90}[lagesbild.WEIGHTS[event_type]]  # severity from the weight (0822)
    assert action.due_date == timezone.localdate() + datetime.timedelta(days=days)
    event = ActionEvent.objects.get(action=action)
    assert (event.by, event.to_status) == (town.guard, Action.Status.NEW)


def test_an_unknown_event_type_is_refused(town: Town) -> None:
    with pytest.raises(ValueError, match="unknown EST event type"):
        _send(town, uuid.uuid4(), event_type="inbrott")
    assert not EstReport.objects.exists()


def test_a_report_outside_every_nyko_area_is_kept_without_an_area(town: Town) -> None:
    lon, lat = lonlat(664772.0 + 3000, CY)
    report = _send(town, uuid.uuid4(), lon=lon, lat=lat).report
    assert report.area is None
    assert report.action is not None
    assert "Centrum" not in report.action.title


def test_the_time_is_kept_as_an_instant(town: Town) -> None:
    when = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    report = town.report(town.housing, EventType.FIRE, when=when)
    report.refresh_from_db()
    assert report.occurred_at == when
