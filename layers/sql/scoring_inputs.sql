-- Which kinds of context the data holds around a plan area, for geo.criteria.inputs.present: a kind
-- found within the reach (plan area + 800 m) counts as data even where the study area has none of
-- it; stops count when the municipality has any (a stop register lists every stop).
-- Parameters: municipality (id), reach (WKB, SRID 3006).
SELECT k.kind,
       EXISTS (
         SELECT 1 FROM layers_contextfeature AS f
         WHERE f.municipality_id = %(municipality)s AND f.kind = k.kind
           AND (k.kind = 'bus_stop' OR ST_Intersects(f.geom, ST_GeomFromWKB(%(reach)s, 3006)))
       ) AS found,
       k.kind IN ('street', 'path') AND EXISTS (
         SELECT 1 FROM layers_contextfeature AS f
         WHERE f.municipality_id = %(municipality)s AND f.kind = k.kind AND f.properties ? 'lit'
           AND ST_Intersects(f.geom, ST_GeomFromWKB(%(reach)s, 3006))
       ) AS lit_tagged
FROM unnest(ARRAY['street', 'path', 'building', 'lamp', 'poi', 'landuse', 'park', 'bus_stop'])
  AS k(kind)
