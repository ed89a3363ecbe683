# alembic/env.py
# The seed's env.py with the minimal fixes of docs/seed-notes.md, each marked "seed fix".
import os
from logging.config import fileConfig
from sqlalchemy import pool
from sqlalchemy.engine import Connection
# seed fix: a synchronous engine (psycopg2); the seed's async engine cannot use a postgresql:// URL.
from sqlalchemy import engine_from_config
from alembic import context
# seed fix: the seed imports app.database.models, which it never defines. Its revisions are all
# hand-written, so no metadata is needed to run them.
target_metadata = None

config = context.config
# seed fix: run against the throw-away database given by regenerate.sh, never the seed's URL.
config.set_main_option('sqlalchemy.url', os.environ['SEED_ALEMBIC_DATABASE_URL'])

def run_migrations_online():
    """Run migrations in 'online' mode."""
    
    def do_run_migrations(connection: Connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            compare_server_default=True
        )
        
        with context.begin_transaction():
            context.run_migrations()
    
    connectable = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    
    with connectable.connect() as connection:
        do_run_migrations(connection)
    
    connectable.dispose()

# seed fix: the seed defines run_migrations_online() but never calls it, so `upgrade head` exits 0
# having done nothing.
run_migrations_online()
