-- How many incidents one tile would hold as points, counted only up to cap + 1 (enough to choose between
-- points and counts per square). Parameters: z, x, y, extent, buffer, municipality, hidden_categories, cap.
WITH bounds AS (
    SELECT ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s), 3006) AS box
)
SELECT count(*)
FROM (
    SELECT 1
    FROM layers_incident AS incident
    CROSS JOIN bounds
    WHERE incident.municipality_id = %(municipality)s
      AND incident.precision = 'punkt'
      AND incident.location && bounds.box
      AND NOT (incident.category_id = ANY(%(hidden_categories)s::bigint[]))
    LIMIT %(cap)s + 1
) AS capped;
