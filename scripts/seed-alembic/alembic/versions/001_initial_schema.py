# Migration: 001_initial_schema.py
"""Initial schema setup

Revision ID: 001_initial_schema
Revises: 
Create Date: 2024-03-15 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '001_initial_schema'
down_revision = None
branch_labels = None
depends_on = None

def upgrade():
    # Games table - central repository for game metadata
    op.create_table('games',
        sa.Column('id', postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text('gen_random_uuid()')),
        sa.Column('igdb_id', sa.Integer(), unique=True, nullable=True),
        sa.Column('hltb_id', sa.Integer(), nullable=True),
        sa.Column('steam_app_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('cover_image_id', sa.String(50), nullable=True, comment='IGDB image ID like co2lbd'),
        sa.Column('release_date', sa.Date(), nullable=True),
        sa.Column('main_story', sa.Integer(), nullable=True, comment='HLTB main story hours'),
        sa.Column('main_extra', sa.Integer(), nullable=True, comment='HLTB main + extras hours'),
        sa.Column('completionist', sa.Integer(), nullable=True, comment='HLTB completionist hours'),
        sa.Column('created_at', sa.TIMESTAMP(timezone=True), server_default=sa.func.current_timestamp()),
        sa.Column('updated_at', sa.TIMESTAMP(timezone=True), server_default=sa.func.current_timestamp()),
    )
    
    # User Game Collection - ownership/access tracking
    op.create_table('user_game_collection',
        sa.Column('id', postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text('gen_random_uuid()')),
        sa.Column('user_id', sa.String(255), nullable=False, comment='AWS Cognito sub'),
        sa.Column('game_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('platform', sa.String(50), nullable=False),
        sa.Column('acquisition_type', sa.String(20), nullable=False),
        sa.Column('acquired_at', sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=True),
        sa.Column('is_active', sa.Boolean(), default=True, comment='Soft delete flag'),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('created_at', sa.TIMESTAMP(timezone=True), server_default=sa.func.current_timestamp()),
        sa.Column('updated_at', sa.TIMESTAMP(timezone=True), server_default=sa.func.current_timestamp()),
        sa.ForeignKeyConstraint(['game_id'], ['games.id'], ondelete='CASCADE'),
        sa.UniqueConstraint('user_id', 'game_id', 'platform', name='uq_user_game_platform'),
        sa.CheckConstraint("acquisition_type IN ('PHYSICAL', 'DIGITAL', 'SUBSCRIPTION', 'BORROWED', 'RENTAL')", name='ck_acquisition_type'),
        sa.CheckConstraint('priority >= 1 AND priority <= 5', name='ck_priority_range'),
        sa.CheckConstraint('acquired_at <= CURRENT_TIMESTAMP', name='ck_acquired_not_future')
    )
    
    # Game Playthrough - individual play sessions
    op.create_table('game_playthrough',
        sa.Column('id', postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text('gen_random_uuid()')),
        sa.Column('user_id', sa.String(255), nullable=False, comment='AWS Cognito sub'),
        sa.Column('game_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('collection_id', postgresql.UUID(as_uuid=True), nullable=True, comment='Optional link to collection'),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('platform', sa.String(50), nullable=False),
        sa.Column('started_at', sa.TIMESTAMP(timezone=True), nullable=True),
        sa.Column('completed_at', sa.TIMESTAMP(timezone=True), nullable=True),
        sa.Column('play_time_hours', sa.NUMERIC(8,2), nullable=True),
        sa.Column('playthrough_type', sa.String(100), nullable=True, comment='First Run, NG+, Speedrun, etc.'),
        sa.Column('difficulty', sa.String(50), nullable=True),
        sa.Column('rating', sa.Integer(), nullable=True),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('created_at', sa.TIMESTAMP(timezone=True), server_default=sa.func.current_timestamp()),
        sa.Column('updated_at', sa.TIMESTAMP(timezone=True), server_default=sa.func.current_timestamp()),
        sa.ForeignKeyConstraint(['game_id'], ['games.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['collection_id'], ['user_game_collection.id'], ondelete='SET NULL'),
        sa.CheckConstraint("status IN ('PLANNING', 'PLAYING', 'COMPLETED', 'DROPPED', 'ON_HOLD', 'MASTERED')", name='ck_playthrough_status'),
        sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 10)', name='ck_rating_range'),
        sa.CheckConstraint('play_time_hours IS NULL OR play_time_hours >= 0', name='ck_positive_play_time'),
        sa.CheckConstraint('completed_at IS NULL OR started_at IS NULL OR completed_at > started_at', name='ck_completion_date_logic')
    )

def downgrade():
    op.drop_table('game_playthrough')
    op.drop_table('user_game_collection')
    op.drop_table('games')
