"""Incidents counted per 40 m square, for the crowded vector tiles at zoom 14 and 15 (docs/decisions/0406).

The same two counts as layers_incident_bin (migration 0006), on a finer grid: a crowded tile at zoom 14
(80 m squares) or 15 (40 m) sums these squares instead of counting its points, and the sum also tells
whether the tile is crowded at all, so such a tile never reads its points. Refreshed together with
layers_incident_bin by layers.tiles.fresh_bins(); the stored signature is cleared here so the next tile
fills the new view.
"""

from django.db import migrations

CREATE = """
CREATE MATERIALIZED VIEW layers_incident_bin_fine AS
SELECT incident.municipality_id,
       floor(ST_X(incident.location) / 40)::integer AS col,
       floor(ST_Y(incident.location) / 40)::integer AS row,
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
CREATE INDEX layers_incident_bin_fine_cell ON layers_incident_bin_fine (municipality_id, col, row);
DELETE FROM layers_incident_bin_state;
"""

DROP = """
DROP MATERIALIZED VIEW IF EXISTS layers_incident_bin_fine;
DELETE FROM layers_incident_bin_state;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0009_municipality_public_map")]

    operations = [migrations.RunSQL(CREATE, DROP)]
