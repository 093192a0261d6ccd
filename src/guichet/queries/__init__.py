"""Read-only SQL: organization-scoped lookups and the access policy's filters as SQL.

Nothing here commits or publishes (that is `guichet.actions`); `actions`, `live`, `analytics`,
`api`, `web` and `channels` all read through these helpers (docs/architecture.md).
"""
