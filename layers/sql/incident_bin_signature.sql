-- A number that changes whenever rows of layers_incident are inserted, updated or deleted: PostgreSQL's own
-- row-change counters, committed ones plus this transaction's. Used to tell when layers_incident_bin is stale.
SELECT coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0)
     + coalesce(x.n_tup_ins + x.n_tup_upd + x.n_tup_del, 0)
FROM pg_stat_user_tables AS s
LEFT JOIN pg_stat_xact_user_tables AS x ON x.relid = s.relid
WHERE s.relid = 'layers_incident'::regclass;
