-- Delegates per event in the period: all countries, and Indonesia's own
-- delegation.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
-- @param home_country VARCHAR = IDN
SELECT
    e.name AS event,
    e.start_date,
    coalesce(sum(p.delegates) FILTER (WHERE p.participant_type = 'country'), 0) AS delegates,
    coalesce(sum(p.delegates) FILTER (WHERE p.country_iso3 = $home_country), 0) AS home_delegates,
    count(DISTINCT p.org_id) AS organisations
FROM events AS e
LEFT JOIN event_participants AS p USING (event_id)
WHERE e.start_date BETWEEN $period_start AND $period_end
GROUP BY ALL
ORDER BY e.start_date, e.name
