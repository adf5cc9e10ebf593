-- Non-sensitive, placed incidents since a date, counted per fixed cell of the municipality.
-- Sensitive incidents are left out here: they reach the scoring only as k-suppressed cells
-- (layers.release), docs/decisions/0353-exposure-without-sensitive-points.md.
-- Parameters: municipality (id), since (timestamptz), size (cell, metres).
SELECT floor(ST_X(i.location) / %(size)s)::bigint AS col,
       floor(ST_Y(i.location) / %(size)s)::bigint AS row,
       count(*) AS n
FROM layers_incident AS i
JOIN layers_incidentcategory AS c ON c.id = i.category_id
LEFT JOIN layers_focusarea AS fa ON fa.id = c.focus_area_id
WHERE i.municipality_id = %(municipality)s
  AND i.precision = 'punkt'
  AND i.occurred_from >= %(since)s
  AND NOT c.sensitive
  AND NOT coalesce(fa.sensitive, false)
GROUP BY 1, 2
