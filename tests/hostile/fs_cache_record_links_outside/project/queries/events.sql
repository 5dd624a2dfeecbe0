-- Events.
SELECT * FROM events ORDER BY event_id
