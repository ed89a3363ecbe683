# Migration: 003_add_functions_triggers.py
"""Add database functions and triggers

Revision ID: 003_add_functions_triggers  
Revises: 002_add_performance_indexes
Create Date: 2024-03-15 11:30:00.000000

"""

# seed fix (docs/seed-notes.md, blocking): the seed gives the revision ids only in the docstring and
# never imports op/sa.
from alembic import op
import sqlalchemy as sa

revision = '003_add_functions_triggers'
down_revision = '002_add_performance_indexes'
branch_labels = None
depends_on = None

def upgrade():
    # Automatic timestamp update function
    op.execute("""
        CREATE OR REPLACE FUNCTION update_updated_at_column()
        RETURNS TRIGGER AS $$
        BEGIN
            NEW.updated_at = CURRENT_TIMESTAMP;
            RETURN NEW;
        END;
        $$ language 'plpgsql';
    """)
    
    # Apply timestamp triggers to all tables
    op.execute("""
        CREATE TRIGGER update_games_updated_at 
        BEFORE UPDATE ON games 
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    """)
    
    op.execute("""
        CREATE TRIGGER update_collection_updated_at 
        BEFORE UPDATE ON user_game_collection 
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    """)
    
    op.execute("""
        CREATE TRIGGER update_playthrough_updated_at 
        BEFORE UPDATE ON game_playthrough 
        FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
    """)
    
    # Game search function with ranking
    op.execute("""
        CREATE OR REPLACE FUNCTION search_games(
            search_query TEXT,
            user_id_param VARCHAR(255) DEFAULT NULL,
            limit_param INTEGER DEFAULT 20
        )
        RETURNS TABLE(
            id UUID,
            title VARCHAR(255),
            cover_image_id VARCHAR(50),
            release_date DATE,
            owned BOOLEAN,
            search_rank REAL
        ) AS $$
        BEGIN
            RETURN QUERY
            SELECT 
                g.id,
                g.title,
                g.cover_image_id,
                g.release_date,
                (c.id IS NOT NULL) as owned,
                ts_rank(
                    to_tsvector('english', coalesce(g.title, '') || ' ' || coalesce(g.description, '')),
                    plainto_tsquery('english', search_query)
                ) as search_rank
            FROM games g
            LEFT JOIN user_game_collection c ON g.id = c.game_id 
                AND c.user_id = user_id_param 
                AND c.is_active = TRUE
            WHERE to_tsvector('english', coalesce(g.title, '') || ' ' || coalesce(g.description, ''))
                @@ plainto_tsquery('english', search_query)
            ORDER BY search_rank DESC, g.title
            LIMIT limit_param;
        END;
        $$ LANGUAGE plpgsql;
    """)

def downgrade():
    op.execute("DROP FUNCTION IF EXISTS search_games(TEXT, VARCHAR(255), INTEGER);")
    op.execute("DROP TRIGGER IF EXISTS update_playthrough_updated_at ON game_playthrough;")
    op.execute("DROP TRIGGER IF EXISTS update_collection_updated_at ON user_game_collection;")
    op.execute("DROP TRIGGER IF EXISTS update_games_updated_at ON games;")
    op.execute("DROP FUNCTION IF EXISTS update_updated_at_column();")
