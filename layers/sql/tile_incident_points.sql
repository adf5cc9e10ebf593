-- Incidents from zoom 14: points in one Web Mercator tile, or counts per square where the tile would hold
-- more than cap points.
-- At zoom 14 and 15 (fine = true) the pre-aggregated 40 m squares (layers_incident_bin_fine, migration 0009)
-- decide: when the squares whose centre lies in the buffered tile count more than cap incidents, the tile
-- is their counts (80 m squares at zoom 14, 40 m at 15) and no point is read; otherwise the points. From
-- zoom 16 (fine = false) the points are read, at most cap + 1 of them in one pass over the index range, and
-- the answer is NULL when there are more (the caller then counts per square from the points,
-- tile_incident_bins_raw.sql); so is a tile at 14 or 15 whose squares lag a change by a moment.
-- Parameters: z, x, y, extent (4096), buffer (pixels), municipality (id), include_sensitive (boolean: the
-- user may see sensitive incidents; otherwise those of SENSITIVE_INCIDENT, the category or its focus area
-- sensitive, are left out), cap, cell_m (square side at this zoom), fine (boolean).
-- Returns the tile (NULL: more than cap points) and how many sensitive incidents it holds (audit log).
-- The tile envelope is transformed to SWEREF 99 TM once, so the GiST index on location is used.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s) AS tile_buffered
),
box AS (
    SELECT tile, tile_buffered,
           ST_Transform(tile_buffered, 3006) AS area,
           ST_Expand(ST_Transform(tile_buffered, 3006), %(cell_m)s) AS grown
    FROM bounds
),
squares AS MATERIALIZED (
    SELECT sq.n, sq.n_sensitive,
           ST_AsMVTGeom(
               ST_Transform(
                   ST_SetSRID(ST_MakePoint((sq.col + 0.5) * %(cell_m)s, (sq.row + 0.5) * %(cell_m)s), 3006),
                   3857
               ),
               box.tile, %(extent)s, %(buffer)s, true
           ) AS geom
    FROM (
        SELECT floor(bin.col / (%(cell_m)s::float8 / 40)) AS col,
               floor(bin.row / (%(cell_m)s::float8 / 40)) AS row,
               sum(CASE WHEN %(include_sensitive)s THEN bin.n_all ELSE bin.n_open END) AS n,
               sum(CASE WHEN %(include_sensitive)s THEN bin.n_all - bin.n_open ELSE 0 END) AS n_sensitive
        FROM layers_incident_bin_fine AS bin
        -- integer bounds from one-row subqueries: index conditions on (municipality_id, col, row)
        WHERE %(fine)s
          AND bin.municipality_id = %(municipality)s
          AND bin.col BETWEEN (SELECT floor(ST_XMin(grown) / 40)::integer FROM box)
                          AND (SELECT floor(ST_XMax(grown) / 40)::integer FROM box)
          AND bin.row BETWEEN (SELECT floor(ST_YMin(grown) / 40)::integer FROM box)
                          AND (SELECT floor(ST_YMax(grown) / 40)::integer FROM box)
        GROUP BY 1, 2
        HAVING sum(CASE WHEN %(include_sensitive)s THEN bin.n_all ELSE bin.n_open END) > 0
    ) AS sq
    CROSS JOIN box
    WHERE ST_Intersects(
        ST_Transform(
            ST_SetSRID(ST_MakePoint((sq.col + 0.5) * %(cell_m)s, (sq.row + 0.5) * %(cell_m)s), 3006), 3857
        ),
        box.tile_buffered
    )
),
crowded AS (
    SELECT coalesce(sum(n), 0) > %(cap)s AS yes, coalesce(sum(n_sensitive), 0)::integer AS n_sensitive
    FROM squares
),
-- SENSITIVE_INCIDENT by category, once per tile: the category or its focus area is sensitive.
sensitive_categories AS (
    SELECT coalesce(array_agg(category.id), '{}') AS ids
    FROM layers_incidentcategory AS category
    LEFT JOIN layers_focusarea AS focus_area ON focus_area.id = category.focus_area_id
    WHERE category.sensitive OR coalesce(focus_area.sensitive, false)
),
points AS MATERIALIZED (
    SELECT incident.id, incident.category_id, incident.occurred_from, incident.generated, incident.location,
           incident.category_id = ANY((SELECT ids FROM sensitive_categories)::bigint[]) AS sensitive
    FROM layers_incident AS incident
    CROSS JOIN box
    WHERE NOT (SELECT yes FROM crowded)
      AND incident.municipality_id = %(municipality)s
      AND incident.precision = 'punkt'
      AND incident.location && box.area
      AND (%(include_sensitive)s OR NOT incident.category_id = ANY((SELECT ids FROM sensitive_categories)::bigint[]))
    LIMIT %(cap)s + 1
),
features AS (
    SELECT points.id,
           category.code AS category,
           category.label AS category_label,
           to_char(points.occurred_from AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM-DD"T"HH24:MI') AS occurred_from,
           points.generated,
           ST_AsMVTGeom(ST_Transform(points.location, 3857), box.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM points
    JOIN layers_incidentcategory AS category ON category.id = points.category_id
    CROSS JOIN box
)
SELECT CASE
           WHEN (SELECT yes FROM crowded) THEN
               (SELECT ST_AsMVT(f, 'incidents', %(extent)s, 'geom')
                FROM (SELECT n::integer AS count, %(cell_m)s::integer AS cell_size_m, geom
                      FROM squares WHERE geom IS NOT NULL) AS f)
           WHEN (SELECT count(*) FROM points) > %(cap)s THEN NULL
           ELSE coalesce((SELECT ST_AsMVT(features, 'incidents', %(extent)s, 'geom', 'id')
                          FROM features WHERE geom IS NOT NULL), ''::bytea)
       END,
       CASE
           WHEN (SELECT yes FROM crowded) THEN (SELECT n_sensitive FROM crowded)
           ELSE (SELECT count(*) FILTER (WHERE sensitive)::integer FROM points)
       END;
