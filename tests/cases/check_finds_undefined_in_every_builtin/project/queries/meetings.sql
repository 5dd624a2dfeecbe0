-- Meetings, newest first.
SELECT held_on, title, country, delegates FROM meetings ORDER BY held_on DESC
