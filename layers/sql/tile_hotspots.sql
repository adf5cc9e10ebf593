-- Gi* hot and cold spots computed in Python (layers.analysis.hotspot_cells: fixed squares aligned to
-- multiples of cell_m in SWEREF 99 TM), encoded as one tile. The squares arrive as parameters, never as SQL.
-- Parameters: z, x, y, extent, buffer, x0, y0 (float8[]: lower-left corners, SWEREF 99 TM), counts (int[]),
-- z_scores, p_values (float8[]), classes (int[]), labels (text[]), cell_m.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s), 3006) AS box
),
cells AS (
    SELECT c.x0, c.y0, c.n, c.z_score, c.p, c.class, c.label,
           ST_MakeEnvelope(c.x0, c.y0, c.x0 + %(cell_m)s, c.y0 + %(cell_m)s, 3006) AS square
    FROM unnest(%(x0)s::float8[], %(y0)s::float8[], %(counts)s::integer[], %(z_scores)s::float8[],
                %(p_values)s::float8[], %(classes)s::integer[], %(labels)s::text[])
         AS c(x0, y0, n, z_score, p, class, label)
),
features AS (
    SELECT cells.n AS count,
           cells.z_score AS z,
           cells.p,
           cells.class,
           cells.label,
           %(cell_m)s::integer AS cell_size_m,
           ST_AsMVTGeom(ST_Transform(cells.square, 3857), bounds.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM cells
    CROSS JOIN bounds
    WHERE cells.square && bounds.box
)
SELECT ST_AsMVT(features, 'hotspots', %(extent)s, 'geom') FROM features WHERE geom IS NOT NULL;
