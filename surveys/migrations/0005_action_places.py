"""Existing actions get a place from their observation, and the place's name (decision 0821).

Every action and its history are kept: only the new ``location``, ``place_name`` and ``place_kind`` are
filled, for actions made from an observation that have no place yet. Titles and due dates are left as
they are (decision 0822: a due date set now would make old actions overdue at once).
"""

from typing import Any

from django.db import migrations


def give_places(apps: Any, schema_editor: Any) -> None:
    from surveys.places import place_of

    Action = apps.get_model("surveys", "Action")
    ContextFeature = apps.get_model("layers", "ContextFeature")
    StatisticalArea = apps.get_model("layers", "StatisticalArea")
    todo = Action.objects.filter(location__isnull=True, observation__isnull=False).select_related(
        "observation"
    )
    for action in todo.iterator(chunk_size=500):
        point = action.observation.location
        place = place_of(
            action.municipality_id, point, features=ContextFeature, areas=StatisticalArea
        )
        # update(): auto_now of updated_at is not touched, the action did not change for its office.
        Action.objects.filter(pk=action.pk).update(
            location=point, place_name=place.name, place_kind=place.kind
        )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0004_action_tasks"),
    ]

    operations = [
        migrations.RunPython(give_places, migrations.RunPython.noop, elidable=False),
    ]
