-- Squares of a release (layers.release: a calendar year's fixed cells, protected), encoded as one tile.
-- The squares arrive as parameters, never as SQL text. A hidden square (at least k, its count kept back
-- to protect a smaller one) has no count.
-- Parameters: z, x, y, extent, buffer, cols (int[]), rows (int[]), counts (int[]), hidden (bool[]),
-- periods (text[]), cell_m; the layer name is fixed in this file.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile
),
cells AS (
    SELECT c.col, c.row, c.n, c.hidden, c.period
    FROM unnest(%(cols)s::integer[], %(rows)s::integer[], %(counts)s::integer[],
                %(hidden)s::boolean[], %(periods)s::text[]) AS c(col, row, n, hidden, period)
),
features AS (
    SELECT CASE WHEN cells.hidden THEN NULL ELSE cells.n END AS count,
           cells.hidden AS hidden,
           cells.period AS period,
           %(cell_m)s::integer AS cell_size_m,
           ST_AsMVTGeom(
               ST_Transform(
                   ST_MakeEnvelope(cells.col * %(cell_m)s, cells.row * %(cell_m)s,
                                   (cells.col + 1) * %(cell_m)s, (cells.row + 1) * %(cell_m)s, 3006),
                   3857
               ),
               bounds.tile, %(extent)s, %(buffer)s, true
           ) AS geom
    FROM cells
    CROSS JOIN bounds
)
SELECT ST_AsMVT(features, 'sensitive_cells', %(extent)s, 'geom') FROM features WHERE geom IS NOT NULL;
