-- Participating countries and delegates per event held in the period.
-- Without a period, every event is listed.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT
    e.event_id,
    e.name AS event,
    e.event_type,
    e.city,
    c.name_en AS host_country,
    c.name_id AS host_country_id,
    e.start_date,
    e.end_date,
    count(DISTINCT p.country_iso3) AS countries,
    coalesce(sum(p.delegates) FILTER (WHERE p.participant_type = 'country'), 0) AS delegates,
    e.source
FROM events AS e
LEFT JOIN event_participants AS p USING (event_id)
LEFT JOIN countries AS c ON c.iso3 = e.country_iso3
WHERE e.start_date BETWEEN $period_start AND $period_end
GROUP BY ALL
ORDER BY e.start_date, e.event_id
