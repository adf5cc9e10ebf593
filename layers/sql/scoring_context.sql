-- Context features around a plan area for scoring (layers/scoring.py).
-- Streets, paths, lamps and stops are read within the wide reach (to the stops, transport criterion);
-- everything else only within the study area (plan area + buffer).
-- Parameters: municipality (id), reach and study (WKB, SRID 3006).
SELECT f.kind, ST_AsBinary(f.geom) AS wkb, f.properties, f.name
FROM layers_contextfeature AS f
WHERE f.municipality_id = %(municipality)s
  AND (
    (f.kind IN ('street', 'path', 'lamp', 'bus_stop')
      AND ST_Intersects(f.geom, ST_GeomFromWKB(%(reach)s, 3006)))
    OR (f.kind NOT IN ('street', 'path', 'lamp', 'bus_stop')
      AND ST_Intersects(f.geom, ST_GeomFromWKB(%(study)s, 3006)))
  )
