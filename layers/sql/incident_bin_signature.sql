-- A number that changes whenever rows of layers_incident, layers_incidentcategory or layers_focusarea are
-- inserted, updated or deleted (a category turned sensitive changes the counts too): PostgreSQL's own
-- row-change counters, committed ones plus this transaction's, read by the statistics functions directly
-- (about 0.1 ms; the pg_stat_user_tables view costs ten times that). Also the signature stored at the last
-- refresh of the pre-aggregated squares, so one round trip tells whether they are stale.
-- Counters of other sessions reach these functions when those sessions flush their statistics (at most a
-- few seconds after a commit), so the signature can lag a change by that long (docs/decisions/0406).
SELECT (SELECT sum(pg_stat_get_tuples_inserted(t) + pg_stat_get_tuples_updated(t)
                 + pg_stat_get_tuples_deleted(t) + pg_stat_get_xact_tuples_inserted(t)
                 + pg_stat_get_xact_tuples_updated(t) + pg_stat_get_xact_tuples_deleted(t))
        FROM unnest(ARRAY['layers_incident'::regclass, 'layers_incidentcategory'::regclass,
                          'layers_focusarea'::regclass]::oid[]) AS t) AS signature,
       (SELECT signature FROM layers_incident_bin_state WHERE id = 1) AS stored;
