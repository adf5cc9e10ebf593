-- Walk observations as points in one tile. Parameters: z, x, y, extent, buffer, municipality, limit.
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s), 3006) AS box
),
features AS (
    SELECT observation.id,
           observation.category,
           observation.feeling,
           observation.severity,
           observation.walk_id AS walk,
           observation.generated,
           ST_AsMVTGeom(ST_Transform(observation.location, 3857), bounds.tile, %(extent)s, %(buffer)s, true) AS geom
    FROM surveys_observation AS observation
    CROSS JOIN bounds
    WHERE observation.municipality_id = %(municipality)s
      AND observation.location && bounds.box
    ORDER BY observation.recorded_at DESC
    LIMIT %(limit)s
)
SELECT ST_AsMVT(features, 'observations', %(extent)s, 'geom', 'id') FROM features WHERE geom IS NOT NULL;
