-- Context features (streets, paths, buildings, lamps, POIs, land use, parks, water, stops) in one tile,
-- simplified to the tile's pixel grid by ST_AsMVTGeom. Parameters: z, x, y, extent, buffer, municipality, limit.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s), 3006) AS box
),
features AS (
    SELECT feature.id,
           feature.kind,
           feature.name,
           ST_AsMVTGeom(ST_Transform(feature.geom, 3857), bounds.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM layers_contextfeature AS feature
    CROSS JOIN bounds
    WHERE feature.municipality_id = %(municipality)s
      AND feature.geom && bounds.box
    LIMIT %(limit)s
)
SELECT ST_AsMVT(features, 'context', %(extent)s, 'geom', 'id') FROM features WHERE geom IS NOT NULL;
