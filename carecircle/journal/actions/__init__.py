"""Every write to the journal, one module per area (entries, medications, goals, sharing,
imports, preferences). Views, API, imports and tasks call these; none writes to the ORM."""
