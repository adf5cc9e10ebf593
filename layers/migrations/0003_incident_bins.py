"""Incidents counted per 160 m square, for the zoomed-out vector tiles (layers/tiles.py, docs/decisions/0402).

A materialized view, refreshed by layers.tiles.fresh_bins() when layer_incident has changed (a signature from
PostgreSQL's own row-change statistics, kept in layers_incident_bin_state). Coarser squares (320 m, 640 m …)
are sums of these, so one view serves every zoom below 14.
"""

from django.db import migrations

CREATE = """
CREATE MATERIALIZED VIEW layers_incident_bin AS
SELECT municipality_id,
       category_id,
       floor(ST_X(location) / 160)::integer AS col,
       floor(ST_Y(location) / 160)::integer AS row,
       count(*)::integer AS n
FROM layers_incident
WHERE precision = 'punkt' AND location IS NOT NULL
GROUP BY 1, 2, 3, 4
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
    dependencies = [("layers", "0002_audit_event")]

    operations = [migrations.RunSQL(CREATE, DROP)]
