-- A user's collection without soft-deleted rows, with the game's details.
CREATE VIEW active_collection AS
SELECT c.id,
       c.user_id,
       c.game_id,
       g.title,
       g.cover_image_id,
       g.release_date,
       g.main_story,
       g.main_extra,
       g.completionist,
       c.platform,
       c.acquisition_type,
       c.acquired_at,
       c.priority,
       c.notes,
       c.created_at,
       c.updated_at
  FROM user_game_collection c
  JOIN games g ON c.game_id = g.id
 WHERE c.is_active = TRUE;

-- Playthroughs with the game's details, how long they took and how far against HLTB's main story.
CREATE VIEW playthrough_summary AS
SELECT p.id,
       p.user_id,
       p.game_id,
       g.title,
       g.cover_image_id,
       g.main_story,
       g.main_extra,
       g.completionist,
       p.status,
       p.platform,
       p.started_at,
       p.completed_at,
       p.play_time_hours,
       p.playthrough_type,
       p.difficulty,
       p.rating,
       p.notes,
       p.created_at,
       p.updated_at,
       CASE
           WHEN p.completed_at IS NOT NULL AND p.started_at IS NOT NULL
           THEN p.completed_at - p.started_at
           ELSE NULL
       END AS duration,
       CASE
           WHEN p.play_time_hours IS NOT NULL AND g.main_story IS NOT NULL AND g.main_story > 0
           THEN ROUND((p.play_time_hours / g.main_story) * 100, 1)
           ELSE NULL
       END AS completion_percentage
  FROM game_playthrough p
  JOIN games g ON p.game_id = g.id;
