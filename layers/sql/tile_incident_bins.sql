-- Incidents counted per square, from the pre-aggregated 160 m squares (the view layers_incident_bin,
-- migration 0003): a square of cell_m (a power-of-two multiple of 160 m) is the sum of its 160 m squares,
-- drawn at its centre. Zooms below 14; DESIGN.md's performance facts. Squares are counted whole: the 160 m
-- squares are read from the tile grown by the buffer and one square, and only squares whose centre falls
-- inside the buffered tile are kept, so neighbouring tiles agree on each count.
-- Parameters: z, x, y, extent, buffer, municipality, include_sensitive (boolean: the user may see sensitive
-- incidents; otherwise only the non-sensitive count n_open is summed), cell_m.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s) AS tile_buffered
),
box AS (
    SELECT tile, tile_buffered, ST_Expand(ST_Transform(tile_buffered, 3006), %(cell_m)s) AS area
    FROM bounds
),
bins AS (
    SELECT floor(bin.col / (%(cell_m)s::float8 / 160)) AS col,
           floor(bin.row / (%(cell_m)s::float8 / 160)) AS row,
           sum(CASE WHEN %(include_sensitive)s THEN bin.n_all ELSE bin.n_open END) AS n
    FROM layers_incident_bin AS bin
    CROSS JOIN box
    WHERE bin.municipality_id = %(municipality)s
      AND bin.col BETWEEN floor(ST_XMin(box.area) / 160) AND floor(ST_XMax(box.area) / 160)
      AND bin.row BETWEEN floor(ST_YMin(box.area) / 160) AND floor(ST_YMax(box.area) / 160)
    GROUP BY 1, 2
    HAVING sum(CASE WHEN %(include_sensitive)s THEN bin.n_all ELSE bin.n_open END) > 0
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
    SELECT centres.n::integer AS count,
           %(cell_m)s::integer AS cell_size_m,
           ST_AsMVTGeom(centres.centre, box.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM centres
    CROSS JOIN box
    WHERE ST_Intersects(centres.centre, box.tile_buffered)
)
SELECT ST_AsMVT(features, 'incidents', %(extent)s, 'geom') FROM features WHERE geom IS NOT NULL;
