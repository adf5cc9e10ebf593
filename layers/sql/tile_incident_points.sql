-- Incidents as points in one Web Mercator tile (zoom 14 and above), or NULL when the tile would hold more
-- than cap points (the caller then draws counts per square instead). One pass over the index range: at most
-- cap + 1 rows are read.
-- Parameters: z, x, y, extent (4096), buffer (pixels), municipality (id), hidden_categories (bigint[]:
-- the categories the user may not see as points, from layers.tiles.hidden_categories), cap.
-- The tile envelope is transformed to SWEREF 99 TM once, so the GiST index on location is used.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s), 3006) AS box
),
points AS MATERIALIZED (
    SELECT incident.id, incident.category_id, incident.occurred_from, incident.generated, incident.location
    FROM layers_incident AS incident
    CROSS JOIN bounds
    WHERE incident.municipality_id = %(municipality)s
      AND incident.precision = 'punkt'
      AND incident.location && bounds.box
      AND NOT (incident.category_id = ANY(%(hidden_categories)s::bigint[]))
    LIMIT %(cap)s + 1
),
features AS (
    SELECT points.id,
           category.code AS category,
           category.label AS category_label,
           to_char(points.occurred_from AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM-DD"T"HH24:MI') AS occurred_from,
           points.generated,
           ST_AsMVTGeom(ST_Transform(points.location, 3857), bounds.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM points
    JOIN layers_incidentcategory AS category ON category.id = points.category_id
    CROSS JOIN bounds
)
SELECT CASE WHEN (SELECT count(*) FROM points) > %(cap)s THEN NULL
            ELSE coalesce((SELECT ST_AsMVT(features, 'incidents', %(extent)s, 'geom', 'id')
                           FROM features WHERE geom IS NOT NULL), ''::bytea)
       END;
