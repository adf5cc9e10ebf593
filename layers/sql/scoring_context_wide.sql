-- What the five criteria of method 2026.12 read beyond what scoring_context.sql gives the ten
-- (layers/scoring.py, docs/decisions/0742 and 0744). Two rings, each without what is read already:
--   wide (plan area + 2 km, children's routes): streets, paths and lamps outside the reach (800 m);
--     schools, preschools and places for play and leisure, and dense vegetation, outside the study
--     area (200 m);
--   ring (plan area + 400 m, conflicting uses): night places, bus terminals and sports grounds
--     outside the study area (a use 200 m from a home at the study area's edge still counts).
-- ``conflict`` says whether a row lies in the ring and is a conflict source.
-- Parameters: municipality (id), study, reach, wide, ring (WKB, SRID 3006).
WITH p AS (
  SELECT ST_GeomFromWKB(%(study)s, 3006) AS study, ST_GeomFromWKB(%(reach)s, 3006) AS reach,
         ST_GeomFromWKB(%(wide)s, 3006) AS wide, ST_GeomFromWKB(%(ring)s, 3006) AS ring
), f AS (
  SELECT f.kind, f.geom, f.properties, f.name,
         f.properties ->> 'amenity' AS amenity, f.properties ->> 'leisure' AS leisure
  FROM layers_contextfeature AS f, p
  WHERE f.municipality_id = %(municipality)s AND ST_Intersects(f.geom, p.wide)
)
SELECT f.kind, ST_AsBinary(f.geom) AS wkb, f.properties, f.name,
       (f.kind <> 'street' AND f.kind <> 'path' AND f.kind <> 'lamp'
        AND ST_Intersects(f.geom, p.ring)
        AND (f.amenity IN ('bar', 'pub', 'nightclub', 'biergarten', 'casino', 'stripclub',
                           'bus_station')
             OR (f.amenity IS NOT NULL AND f.properties ? 'opening_hours')
             OR (f.properties ->> 'public_transport' = 'station'
                 AND f.properties ->> 'bus' = 'yes')
             OR f.leisure IN ('pitch', 'stadium', 'track'))) AS conflict
FROM f, p
WHERE (f.kind IN ('street', 'path', 'lamp') AND NOT ST_Intersects(f.geom, p.reach))
   OR (f.kind NOT IN ('street', 'path', 'lamp') AND NOT ST_Intersects(f.geom, p.study) AND (
        f.amenity IN ('kindergarten', 'childcare', 'school', 'library', 'youth_centre',
                      'community_centre')
        OR f.leisure IN ('playground', 'pitch', 'sports_centre', 'sports_hall', 'track',
                         'skatepark')
        OR f.properties ->> 'natural' IN ('wood', 'scrub', 'heath')
        OR f.properties ->> 'landuse' = 'forest'
        OR f.properties ->> 'barrier' = 'hedge'
        OR (ST_Intersects(f.geom, p.ring) AND (
              f.amenity IN ('bar', 'pub', 'nightclub', 'biergarten', 'casino', 'stripclub',
                            'bus_station')
              OR (f.amenity IS NOT NULL AND f.properties ? 'opening_hours')
              OR (f.properties ->> 'public_transport' = 'station'
                  AND f.properties ->> 'bus' = 'yes')
              OR f.leisure IN ('stadium')))))
