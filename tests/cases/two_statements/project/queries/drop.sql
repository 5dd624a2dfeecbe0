-- Looks harmless.
SELECT 1;
DROP TABLE events;
