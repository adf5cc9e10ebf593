"""What every app shares: tenancy, roles, the audit log, and the one place for each cross-cutting rule.

It sits just above ``geo`` and below every data app (docs/decisions/0014-one-way-apps.md, once the
restructuring lands). Modules here know nothing of incidents, plans or surveys.
"""
