-- Incidents counted per square of a fixed SWEREF 99 TM grid, drawn as one point per square at its centre
-- (zooms below 14, where raw points would make tiles of megabytes; DESIGN.md's performance facts).
-- A square is counted whole: incidents are read from the tile grown by the buffer and one square, and only
-- squares whose centre falls inside the buffered tile are kept, so neighbouring tiles agree on each count.
-- Parameters: z, x, y, extent, buffer, municipality, hidden_categories (bigint[]), cell_m (square side, m).
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s) AS tile_buffered
),
box AS (
    SELECT tile, tile_buffered, ST_Expand(ST_Transform(tile_buffered, 3006), %(cell_m)s) AS area
    FROM bounds
),
bins AS (
    SELECT floor(ST_X(incident.location) / %(cell_m)s) AS col,
           floor(ST_Y(incident.location) / %(cell_m)s) AS row,
           count(*) AS n
    FROM layers_incident AS incident
    CROSS JOIN box
    WHERE incident.municipality_id = %(municipality)s
      AND incident.precision = 'punkt'
      AND incident.location && box.area
      AND NOT (incident.category_id = ANY(%(hidden_categories)s::bigint[]))
    GROUP BY 1, 2
),
centres AS (
    SELECT bins.n,
           ST_Transform(
               ST_SetSRID(ST_MakePoint((bins.col + 0.5) * %(cell_m)s, (bins.row + 0.5) * %(cell_m)s), 3006),
               3857
           ) AS centre
    FROM bins
),
features AS (
    SELECT centres.n AS count,
           %(cell_m)s::integer AS cell_size_m,
           ST_AsMVTGeom(centres.centre, box.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM centres
    CROSS JOIN box
    WHERE ST_Intersects(centres.centre, box.tile_buffered)
)
SELECT ST_AsMVT(features, 'incidents', %(extent)s, 'geom') FROM features WHERE geom IS NOT NULL;
