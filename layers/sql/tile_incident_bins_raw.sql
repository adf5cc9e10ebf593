-- Incidents counted per square of a fixed SWEREF 99 TM grid, from the points, drawn as one point per square
-- at its centre: the fallback for a tile from zoom 14 whose points turned out to be more than the cap (from
-- zoom 16, where no pre-aggregated squares are kept, or when those lag a change by a moment).
-- A square is counted whole: incidents are read from the tile grown by the buffer and one square, and only
-- squares whose centre falls inside the buffered tile are kept, so neighbouring tiles agree on each count.
-- Parameters: z, x, y, extent, buffer, municipality, include_sensitive (boolean: the user may see sensitive
-- incidents; otherwise those of SENSITIVE_INCIDENT, the category or its focus area sensitive, are left
-- out), cell_m (square side, m). Returns the tile and the sensitive incidents it counts.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s) AS tile_buffered
),
box AS (
    SELECT tile, tile_buffered, ST_Expand(ST_Transform(tile_buffered, 3006), %(cell_m)s) AS area
    FROM bounds
),
-- SENSITIVE_INCIDENT by category, once per tile: the category or its focus area is sensitive.
sensitive_categories AS (
    SELECT coalesce(array_agg(category.id), '{}') AS ids
    FROM layers_incidentcategory AS category
    LEFT JOIN layers_focusarea AS focus_area ON focus_area.id = category.focus_area_id
    WHERE category.sensitive OR coalesce(focus_area.sensitive, false)
),
bins AS (
    SELECT floor(ST_X(incident.location) / %(cell_m)s) AS col,
           floor(ST_Y(incident.location) / %(cell_m)s) AS row,
           count(*) AS n,
           count(*) FILTER (WHERE incident.category_id = ANY((SELECT ids FROM sensitive_categories)::bigint[])) AS n_sensitive
    FROM layers_incident AS incident
    CROSS JOIN box
    WHERE incident.municipality_id = %(municipality)s
      AND incident.precision = 'punkt'
      AND incident.location && box.area
      AND (%(include_sensitive)s OR NOT incident.category_id = ANY((SELECT ids FROM sensitive_categories)::bigint[]))
    GROUP BY 1, 2
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
    SELECT centres.n AS count,
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
