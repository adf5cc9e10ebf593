-- Incidents as points in one Web Mercator tile (zoom 14 and above).
-- Parameters: z, x, y, extent (4096), buffer (pixels), municipality (id), hidden_categories (bigint[]:
-- the categories the user may not see as points, from layers.tiles.hidden_categories), limit.
-- The tile envelope is transformed to SWEREF 99 TM once, so the GiST index on location is used.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s), 3006) AS box
),
features AS (
    SELECT incident.id,
           category.code AS category,
           category.label AS category_label,
           to_char(incident.occurred_from AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM-DD"T"HH24:MI') AS occurred_from,
           incident.generated,
           ST_AsMVTGeom(ST_Transform(incident.location, 3857), bounds.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM layers_incident AS incident
    JOIN layers_incidentcategory AS category ON category.id = incident.category_id
    CROSS JOIN bounds
    WHERE incident.municipality_id = %(municipality)s
      AND incident.precision = 'punkt'
      AND incident.location && bounds.box
      AND NOT (incident.category_id = ANY(%(hidden_categories)s::bigint[]))
    ORDER BY incident.occurred_from DESC
    LIMIT %(limit)s
)
SELECT ST_AsMVT(features, 'incidents', %(extent)s, 'geom', 'id') FROM features WHERE geom IS NOT NULL;
