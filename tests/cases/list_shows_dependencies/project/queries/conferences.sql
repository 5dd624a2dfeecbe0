-- Conferences only.
-- @param min_delegates INTEGER = 0
SELECT e.event_id, e.delegates
FROM stg_events AS e
JOIN kinds AS k USING (kind)
WHERE e.kind = 'conference' AND e.delegates >= $min_delegates
ORDER BY e.event_id
