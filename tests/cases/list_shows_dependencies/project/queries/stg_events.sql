-- Events, cleaned: kinds trimmed and lower-cased, missing delegates as 0.
SELECT event_id, lower(trim(kind)) AS kind, coalesce(delegates, 0) AS delegates
FROM events
