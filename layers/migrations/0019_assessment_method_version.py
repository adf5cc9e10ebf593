"""Every assessment records the method version that computed it (issue 17, decisions 0741 and 0744).

Assessments stored before this were computed by method 2026.11 (the ten criteria): the data step marks
them so, and the field has no default afterwards, so a new assessment must name its method.
"""

from typing import Any

from django.db import migrations, models

OLD_METHOD = "2026.11"


def mark_old(apps: Any, schema_editor: Any) -> None:
    PlanAssessment = apps.get_model("layers", "PlanAssessment")
    PlanAssessment.objects.filter(method_version="").update(method_version=OLD_METHOD)


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0018_vertical_limit"),
    ]

    operations = [
        migrations.AddField(
            model_name="planassessment",
            name="method_version",
            field=models.CharField(default="", max_length=10, verbose_name="metodversion"),
            preserve_default=False,
        ),
        migrations.RunPython(mark_old, migrations.RunPython.noop),
    ]
