"""The store: the schema (models) and its migrations, the engine and its sessions (database),
where the database is (location), what is visible of an import still being written
(visibility), SQLite checkpoints, refusals in plain words, bulk inserts, id batches and the
NOTIFY writers send on PostgreSQL. It may import the domain, output, settings and (its
migrations) the log's formats, never services, queries, the command line or Qt.
"""
