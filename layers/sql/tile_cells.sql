-- Squares computed in Python (layers.aggregates.sensitive_cells: fixed grid, k-suppressed), encoded as one
-- tile. The squares arrive as parameters, never as SQL text.
-- Parameters: z, x, y, extent, buffer, cols (int[]), rows (int[]), counts (int[]), cell_m, layer_name is
-- fixed in this file.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile
),
cells AS (
    SELECT c.col, c.row, c.n
    FROM unnest(%(cols)s::integer[], %(rows)s::integer[], %(counts)s::integer[]) AS c(col, row, n)
),
features AS (
    SELECT cells.n AS count,
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
