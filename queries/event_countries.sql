-- The countries taking part in one event, with their delegates.
-- @param event_id VARCHAR
SELECT
    p.country_iso3 AS iso3,
    c.name_en AS country,
    c.name_id AS negara,
    sum(p.delegates) AS delegates
FROM event_participants AS p
JOIN countries AS c ON c.iso3 = p.country_iso3
WHERE p.event_id = $event_id AND p.participant_type = 'country'
GROUP BY ALL
ORDER BY delegates DESC, iso3
