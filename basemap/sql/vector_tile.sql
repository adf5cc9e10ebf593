-- The offline vector background of one Web Mercator tile, from the municipality's own data
-- (docs/decisions/0723): context features (streets, paths, buildings, water, parks, land use), district,
-- NYKO and municipality outlines, and label points for districts, NYKO areas and a generated demo town.
-- Each layer is its own ST_AsMVT, concatenated (a valid multi-layer tile); an empty layer adds nothing.
-- Geometries are simplified to a quarter of a 256-pixel tile's pixel before the transform, and every
-- layer has a cap, so a tile stays small at every zoom.
-- Parameters: z, x, y, extent, buffer, municipality, and the caps street_cap, building_cap, area_cap.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s,
                                        margin => %(buffer)s::float8 / %(extent)s), 3006) AS box
),
params AS (
    SELECT tile, box,
           -- metres of SWEREF 99 TM per quarter pixel of a 256-pixel tile
           (ST_XMax(box) - ST_XMin(box)) / (256.0 * (1 + 2 * %(buffer)s::float8 / %(extent)s)) / 4
               AS tolerance
    FROM bounds
),
context AS MATERIALIZED (
    SELECT feature.kind,
           feature.name,
           feature.properties,
           feature.geom,
           coalesce(batch.kind = 'demo', false) AS generated
    FROM layers_contextfeature AS feature
    JOIN layers_contextlayer AS layer ON layer.id = feature.layer_id
    LEFT JOIN layers_importbatch AS batch ON batch.id = layer.import_batch_id
    CROSS JOIN params
    WHERE feature.municipality_id = %(municipality)s
      AND feature.geom && params.box
      AND feature.kind IN ('street', 'path', 'building', 'water', 'park', 'landuse')
),
ranked_streets AS (
    SELECT name, coalesce(properties ->> 'highway', '') AS highway, generated, geom,
           CASE
               WHEN properties ->> 'highway' IN ('motorway', 'trunk', 'primary',
                                                 'motorway_link', 'trunk_link', 'primary_link') THEN 1
               WHEN properties ->> 'highway' IN ('secondary', 'tertiary',
                                                 'secondary_link', 'tertiary_link') THEN 2
               WHEN properties ->> 'highway' IN ('service', 'track') THEN 4
               ELSE 3
           END AS rank
    FROM context
    WHERE kind = 'street'
),
streets AS (
    -- Segments of one street are merged, so a name has the length it needs along the line.
    SELECT street.name, street.highway AS kind, street.rank, street.generated,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_LineMerge(ST_Collect(street.geom)),
                                                 (SELECT tolerance FROM params)), 3857),
                        (SELECT tile FROM params), %(extent)s, %(buffer)s, true) AS geom
    FROM ranked_streets AS street
    WHERE street.rank <= CASE WHEN %(z)s >= 14 THEN 4 WHEN %(z)s >= 12 THEN 3 ELSE 2 END
    GROUP BY street.name, street.highway, street.rank, street.generated
    ORDER BY street.rank
    LIMIT %(street_cap)s
),
paths AS (
    SELECT path.name, coalesce(path.properties ->> 'highway', '') AS kind,
           coalesce(path.properties ->> 'lit', '') AS lit, path.generated,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_LineMerge(ST_Collect(path.geom)),
                                                 (SELECT tolerance FROM params)), 3857),
                        (SELECT tile FROM params), %(extent)s, %(buffer)s, true) AS geom
    FROM context AS path
    WHERE path.kind = 'path' AND %(z)s >= 14
    GROUP BY path.name, 2, 3, path.generated
    LIMIT %(street_cap)s
),
buildings AS (
    SELECT building.generated,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(building.geom, params.tolerance), 3857),
                        params.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM context AS building CROSS JOIN params
    WHERE building.kind = 'building' AND %(z)s >= 14
    ORDER BY ST_Area(building.geom) DESC
    LIMIT %(building_cap)s
),
areas AS (
    -- Water, parks and land use; areas smaller than a few pixels are left out.
    SELECT area.kind AS layer, area.name, area.generated,
           coalesce(area.properties ->> 'landuse', area.properties ->> 'leisure',
                    area.properties ->> 'natural', area.properties ->> 'amenity',
                    area.properties ->> 'waterway', area.kind) AS kind,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(area.geom, params.tolerance), 3857),
                        params.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM context AS area CROSS JOIN params
    WHERE area.kind IN ('water', 'park', 'landuse')
      AND (area.kind <> 'landuse' OR %(z)s >= 12)
      AND (ST_Dimension(area.geom) < 2 OR ST_Area(area.geom) >= (4 * params.tolerance) ^ 2)
    ORDER BY ST_Area(area.geom) DESC
    LIMIT %(area_cap)s
),
outlines AS (
    SELECT 'municipality' AS kind, municipality.name, ''::text AS code, municipality.boundary AS area
    FROM layers_municipality AS municipality
    WHERE municipality.id = %(municipality)s
    UNION ALL
    SELECT 'district', district.name, district.code, district.area
    FROM layers_district AS district
    WHERE district.municipality_id = %(municipality)s
    UNION ALL
    SELECT 'nyko', nyko.name, nyko.code, nyko.area
    FROM layers_statisticalarea AS nyko
    WHERE nyko.municipality_id = %(municipality)s AND %(z)s >= 12
),
demo_towns AS (
    -- Context that the demo generated (its import batch is of kind demo), framed and named as such.
    SELECT layer.name, ST_Envelope(ST_Collect(feature.geom)) AS area
    FROM layers_contextlayer AS layer
    JOIN layers_importbatch AS batch ON batch.id = layer.import_batch_id AND batch.kind = 'demo'
    JOIN layers_contextfeature AS feature ON feature.layer_id = layer.id
    WHERE layer.municipality_id = %(municipality)s AND %(z)s >= 12
    GROUP BY layer.id, layer.name
),
boundaries AS (
    SELECT outline.kind, outline.name, outline.code,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_Boundary(outline.area), params.tolerance), 3857),
                        params.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM outlines AS outline CROSS JOIN params
    WHERE outline.area && params.box
    UNION ALL
    SELECT 'generated', town.name, '',
           ST_AsMVTGeom(ST_Transform(ST_Boundary(town.area), 3857),
                        params.tile, %(extent)s, %(buffer)s, true)
    FROM demo_towns AS town CROSS JOIN params
    WHERE town.area && params.box
),
places AS (
    -- Label points: a district's and a NYKO area's name inside its area; a demo town's name at the
    -- middle of its northern edge.
    SELECT outline.kind, outline.name, outline.code,
           ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(outline.area), 3857),
                        params.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM outlines AS outline CROSS JOIN params
    WHERE outline.kind IN ('district', 'nyko') AND outline.area && params.box
    UNION ALL
    SELECT 'generated', town.name, '',
           ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint((ST_XMin(town.area) + ST_XMax(town.area)) / 2,
                                                             ST_YMax(town.area)), 3006), 3857),
                        params.tile, %(extent)s, %(buffer)s, true)
    FROM demo_towns AS town CROSS JOIN params
    WHERE town.area && params.box
)
SELECT coalesce((SELECT ST_AsMVT(l, 'water', %(extent)s, 'geom') FROM (SELECT name, kind, generated, geom FROM areas WHERE layer = 'water' AND geom IS NOT NULL) AS l), '')
    || coalesce((SELECT ST_AsMVT(l, 'landuse', %(extent)s, 'geom') FROM (SELECT name, kind, generated, geom FROM areas WHERE layer = 'landuse' AND geom IS NOT NULL) AS l), '')
    || coalesce((SELECT ST_AsMVT(l, 'parks', %(extent)s, 'geom') FROM (SELECT name, kind, generated, geom FROM areas WHERE layer = 'park' AND geom IS NOT NULL) AS l), '')
    || coalesce((SELECT ST_AsMVT(l, 'buildings', %(extent)s, 'geom') FROM (SELECT generated, geom FROM buildings WHERE geom IS NOT NULL) AS l), '')
    || coalesce((SELECT ST_AsMVT(l, 'paths', %(extent)s, 'geom') FROM (SELECT * FROM paths WHERE geom IS NOT NULL) AS l), '')
    || coalesce((SELECT ST_AsMVT(l, 'streets', %(extent)s, 'geom') FROM (SELECT * FROM streets WHERE geom IS NOT NULL) AS l), '')
    || coalesce((SELECT ST_AsMVT(l, 'boundaries', %(extent)s, 'geom') FROM (SELECT * FROM boundaries WHERE geom IS NOT NULL) AS l), '')
    || coalesce((SELECT ST_AsMVT(l, 'places', %(extent)s, 'geom') FROM (SELECT * FROM places WHERE geom IS NOT NULL) AS l), '')
    AS tile;
