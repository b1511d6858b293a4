"""The store: the engine and its sessions (database), where the database is (location),
SQLite checkpoints, refusals in plain words, bulk inserts and id batches. It may import the
models and the migrations, never services, the command line or Qt.
"""
