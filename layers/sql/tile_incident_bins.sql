-- Incidents counted per square, from the pre-aggregated 160 m squares (the view layers_incident_bin,
-- migration 0006): a square of cell_m (a power-of-two multiple of 160 m) is the sum of its 160 m squares,
-- drawn at its centre. Zooms below 14; DESIGN.md's performance facts. Squares are counted whole: the 160 m
-- squares are read from the tile grown by the buffer and one square, and only squares whose centre falls
-- inside the buffered tile are kept, so neighbouring tiles agree on each count.
-- Parameters: z, x, y, extent, buffer, municipality, include_sensitive (boolean: the user may see sensitive
-- incidents; otherwise only the non-sensitive count n_open is summed), cell_m.
-- Returns the tile and how many sensitive incidents its squares count (0 unless include_sensitive; for
-- the audit log).
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
           sum(CASE WHEN %(include_sensitive)s THEN bin.n_all ELSE bin.n_open END) AS n,
           sum(CASE WHEN %(include_sensitive)s THEN bin.n_all - bin.n_open ELSE 0 END) AS n_sensitive
    FROM layers_incident_bin AS bin
    -- integer bounds from one-row subqueries: index conditions on (municipality_id, col, row)
    WHERE bin.municipality_id = %(municipality)s
      AND bin.col BETWEEN (SELECT floor(ST_XMin(area) / 160)::integer FROM box)
                      AND (SELECT floor(ST_XMax(area) / 160)::integer FROM box)
      AND bin.row BETWEEN (SELECT floor(ST_YMin(area) / 160)::integer FROM box)
                      AND (SELECT floor(ST_YMax(area) / 160)::integer FROM box)
    GROUP BY 1, 2
    HAVING sum(CASE WHEN %(include_sensitive)s THEN bin.n_all ELSE bin.n_open END) > 0
),
centres AS (
    SELECT bins.n, bins.n_sensitive,
           ST_Transform(
               ST_SetSRID(ST_MakePoint((bins.col + 0.5) * %(cell_m)s, (bins.row + 0.5) * %(cell_m)s), 3006),
               3857
           ) AS centre
    FROM bins
),
features AS MATERIALIZED (
    SELECT centres.n::integer AS count,
           %(cell_m)s::integer AS cell_size_m,
           centres.n_sensitive,
           ST_AsMVTGeom(centres.centre, box.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM centres
    CROSS JOIN box
    WHERE ST_Intersects(centres.centre, box.tile_buffered)
)
SELECT (SELECT ST_AsMVT(f, 'incidents', %(extent)s, 'geom')
        FROM (SELECT count, cell_size_m, geom FROM features WHERE geom IS NOT NULL) AS f),
       (SELECT coalesce(sum(n_sensitive), 0)::integer FROM features WHERE geom IS NOT NULL);
