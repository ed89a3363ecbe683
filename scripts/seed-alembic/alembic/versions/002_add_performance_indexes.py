# Migration: 002_add_performance_indexes.py
"""Add performance indexes for filtering and searching

Revision ID: 002_add_performance_indexes
Revises: 001_initial_schema
Create Date: 2024-03-15 11:00:00.000000

"""

# seed fix (docs/seed-notes.md, blocking): the seed gives the revision ids only in the docstring and
# never imports op/sa.
from alembic import op
import sqlalchemy as sa

revision = '002_add_performance_indexes'
down_revision = '001_initial_schema'
branch_labels = None
depends_on = None

def upgrade():
    # Games indexes - for search and lookup
    op.create_index('idx_games_igdb_id', 'games', ['igdb_id'], unique=True, postgresql_where=sa.text('igdb_id IS NOT NULL'))
    op.create_index('idx_games_title_search', 'games', [sa.text("to_tsvector('english', title)")], postgresql_using='gin')
    op.create_index('idx_games_release_date', 'games', ['release_date'])
    op.create_index('idx_games_created_at', 'games', ['created_at'])
    
    # Full-text search across title and description
    op.create_index('idx_games_fulltext_search', 'games', 
        [sa.text("to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, ''))")], 
        postgresql_using='gin')
    
    # Collection indexes - critical for user filtering
    op.create_index('idx_collection_user_id', 'user_game_collection', ['user_id'])
    op.create_index('idx_collection_user_platform', 'user_game_collection', ['user_id', 'platform'])
    op.create_index('idx_collection_user_priority', 'user_game_collection', ['user_id', 'priority'], 
        postgresql_where=sa.text('priority IS NOT NULL'))
    op.create_index('idx_collection_user_acquired', 'user_game_collection', ['user_id', 'acquired_at'])
    op.create_index('idx_collection_active', 'user_game_collection', ['user_id', 'is_active'])
    
    # Composite indexes for common filter combinations
    op.create_index('idx_collection_platform_priority', 'user_game_collection', 
        ['user_id', 'platform', 'priority'])
    op.create_index('idx_collection_platform_acquired', 'user_game_collection', 
        ['user_id', 'platform', 'acquired_at'])
    op.create_index('idx_collection_active_platform', 'user_game_collection', 
        ['user_id', 'is_active', 'platform'], 
        postgresql_where=sa.text('is_active = true'))
    
    # Playthrough indexes - for status tracking and analytics
    op.create_index('idx_playthrough_user_id', 'game_playthrough', ['user_id'])
    op.create_index('idx_playthrough_user_status', 'game_playthrough', ['user_id', 'status'])
    op.create_index('idx_playthrough_user_platform', 'game_playthrough', ['user_id', 'platform'])
    op.create_index('idx_playthrough_user_rating', 'game_playthrough', ['user_id', 'rating'], 
        postgresql_where=sa.text('rating IS NOT NULL'))
    op.create_index('idx_playthrough_user_completed', 'game_playthrough', ['user_id', 'completed_at'], 
        postgresql_where=sa.text('completed_at IS NOT NULL'))
    op.create_index('idx_playthrough_user_updated', 'game_playthrough', ['user_id', 'updated_at'])
    op.create_index('idx_playthrough_game_user', 'game_playthrough', ['game_id', 'user_id'])
    
    # Composite indexes for advanced filtering
    op.create_index('idx_playthrough_status_platform', 'game_playthrough', 
        ['user_id', 'status', 'platform'])
    op.create_index('idx_playthrough_status_rating', 'game_playthrough', 
        ['user_id', 'status', 'rating'])
    op.create_index('idx_playthrough_completed_rating', 'game_playthrough', 
        ['user_id', 'completed_at', 'rating'], 
        postgresql_where=sa.text('completed_at IS NOT NULL'))

def downgrade():
    # Drop indexes in reverse order
    indexes_to_drop = [
        'idx_playthrough_completed_rating',
        'idx_playthrough_status_rating', 
        'idx_playthrough_status_platform',
        'idx_playthrough_game_user',
        'idx_playthrough_user_updated',
        'idx_playthrough_user_completed',
        'idx_playthrough_user_rating',
        'idx_playthrough_user_platform',
        'idx_playthrough_user_status',
        'idx_playthrough_user_id',
        'idx_collection_active_platform',
        'idx_collection_platform_acquired',
        'idx_collection_platform_priority',
        'idx_collection_active',
        'idx_collection_user_acquired',
        'idx_collection_user_priority',
        'idx_collection_user_platform',
        'idx_collection_user_id',
        'idx_games_fulltext_search',
        'idx_games_created_at',
        'idx_games_release_date',
        'idx_games_title_search',
        'idx_games_igdb_id'
    ]
    
    for index_name in indexes_to_drop:
        op.drop_index(index_name)
