"""Incidents counted per 160 m square, for the zoomed-out vector tiles (layers/tiles.py, docs/decisions/0402).

A materialized view with two counts per square: all placed incidents, and those that are not sensitive
(``n_open``: the condition of layers.models.SENSITIVE_INCIDENT, the category or its focus area marked
sensitive; tests/layers/test_tiles.py checks the two agree). Refreshed by layers.tiles.fresh_bins() when
incidents, categories or focus areas have changed (a signature from PostgreSQL's own row-change statistics,
kept in layers_incident_bin_state). Coarser squares (320 m, 640 m …) are sums of these, so one view serves
every zoom below 14.
"""

from django.db import migrations

CREATE = """
CREATE MATERIALIZED VIEW layers_incident_bin AS
SELECT incident.municipality_id,
       floor(ST_X(incident.location) / 160)::integer AS col,
       floor(ST_Y(incident.location) / 160)::integer AS row,
       count(*)::integer AS n_all,
       (count(*) FILTER (
           WHERE NOT (category.sensitive OR coalesce(focus_area.sensitive, false))
       ))::integer AS n_open
FROM layers_incident AS incident
JOIN layers_incidentcategory AS category ON category.id = incident.category_id
LEFT JOIN layers_focusarea AS focus_area ON focus_area.id = category.focus_area_id
WHERE incident.precision = 'punkt' AND incident.location IS NOT NULL
GROUP BY 1, 2, 3
WITH NO DATA;
CREATE INDEX layers_incident_bin_cell ON layers_incident_bin (municipality_id, col, row);
CREATE TABLE layers_incident_bin_state (
    id integer PRIMARY KEY CHECK (id = 1),
    signature bigint NOT NULL,
    refreshed_at timestamptz NOT NULL DEFAULT now()
);
"""

DROP = """
DROP TABLE IF EXISTS layers_incident_bin_state;
DROP MATERIALIZED VIEW IF EXISTS layers_incident_bin;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0005_plan_scoring")]

    operations = [migrations.RunSQL(CREATE, DROP)]
