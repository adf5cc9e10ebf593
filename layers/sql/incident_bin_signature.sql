-- A number that changes whenever rows of layers_incident, layers_incidentcategory or layers_focusarea are
-- inserted, updated or deleted (a category turned sensitive changes the counts too): PostgreSQL's own
-- row-change counters, committed ones plus this transaction's. Tells when layers_incident_bin is stale.
SELECT coalesce(sum(s.n_tup_ins + s.n_tup_upd + s.n_tup_del), 0)
     + coalesce(sum(x.n_tup_ins + x.n_tup_upd + x.n_tup_del), 0)
FROM pg_stat_user_tables AS s
LEFT JOIN pg_stat_xact_user_tables AS x ON x.relid = s.relid
WHERE s.relid IN ('layers_incident'::regclass, 'layers_incidentcategory'::regclass,
                  'layers_focusarea'::regclass);
