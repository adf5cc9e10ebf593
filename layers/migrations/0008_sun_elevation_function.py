"""trygg_sun_elevation(t, lat, lon): the sun's elevation in degrees, for the light filter (dagsljus,
skymning, mörker) in SQL. The same NOAA formulas as geo.timepatterns.sun_elevation_deg; a test keeps
the two in step (tests/layers/test_filters.py)."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION trygg_sun_elevation(t timestamptz, lat float8, lon float8)
RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH u AS (SELECT (t AT TIME ZONE 'UTC') AS ts),
  d AS (
    SELECT extract(doy FROM ts)::float8 - 1 AS doy,
           extract(epoch FROM ts::time)::float8 / 3600 AS h,
           CASE WHEN (extract(year FROM ts)::int % 4 = 0 AND extract(year FROM ts)::int % 100 <> 0)
                  OR extract(year FROM ts)::int % 400 = 0 THEN 366.0 ELSE 365.0 END AS diy
    FROM u
  ),
  g AS (SELECT h, 2 * pi() / diy * (doy + (h - 12) / 24) AS g FROM d),
  s AS (
    SELECT h,
      229.18 * (0.000075 + 0.001868 * cos(g) - 0.032077 * sin(g) - 0.014615 * cos(2 * g)
                - 0.040849 * sin(2 * g)) AS eqtime,
      0.006918 - 0.399912 * cos(g) + 0.070257 * sin(g) - 0.006758 * cos(2 * g)
        + 0.000907 * sin(2 * g) - 0.002697 * cos(3 * g) + 0.00148 * sin(3 * g) AS decl
    FROM g
  )
  SELECT 90 - degrees(acos(greatest(-1.0, least(1.0,
           sin(radians(lat)) * sin(decl)
           + cos(radians(lat)) * cos(decl) * cos(radians((h * 60 + eqtime + 4 * lon) / 4 - 180))))))
  FROM s
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0007_import_profile")]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql="DROP FUNCTION IF EXISTS trygg_sun_elevation(timestamptz, float8, float8);")
    ]
