-- Whether the data holds car parks within the reach (plan area + 800 m) and places children go to
-- within the wide reach (plan area + 2 km), for geo.criteria.inputs.present ("parking",
-- "child_destinations"; docs/decisions/0742). The plan's own zones are not context and not read here.
-- Parameters: municipality (id), reach and wide (WKB, SRID 3006).
SELECT
  EXISTS (
    SELECT 1 FROM layers_contextfeature AS f
    WHERE f.municipality_id = %(municipality)s
      AND (f.properties ->> 'amenity' IN ('parking', 'parking_entrance')
           OR f.properties ->> 'building' = 'parking')
      AND ST_Intersects(f.geom, ST_GeomFromWKB(%(reach)s, 3006))
  ) AS parking,
  EXISTS (
    SELECT 1 FROM layers_contextfeature AS f
    WHERE f.municipality_id = %(municipality)s
      AND (f.properties ->> 'amenity' IN ('kindergarten', 'childcare', 'school', 'library',
                                         'youth_centre', 'community_centre')
           OR f.properties ->> 'leisure' IN ('playground', 'pitch', 'sports_centre',
                                            'sports_hall', 'track', 'skatepark'))
      AND ST_Intersects(f.geom, ST_GeomFromWKB(%(wide)s, 3006))
  ) AS child_destinations
