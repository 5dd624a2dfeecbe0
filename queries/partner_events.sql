-- The events of the period that one partner country and Indonesia both
-- attended, with each side's delegates.
-- @param iso3 VARCHAR
-- @param home_country VARCHAR = IDN
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT
    e.start_date,
    e.name AS event,
    e.event_type,
    e.city,
    host.name_en AS host_country,
    host.name_id AS host_country_id,
    coalesce(them.delegates, 0) AS partner_delegates,
    coalesce(us.delegates, 0) AS home_delegates
FROM events AS e
JOIN event_participants AS them ON them.event_id = e.event_id AND them.country_iso3 = $iso3
JOIN event_participants AS us ON us.event_id = e.event_id AND us.country_iso3 = $home_country
LEFT JOIN countries AS host ON host.iso3 = e.country_iso3
WHERE e.start_date BETWEEN $period_start AND $period_end
ORDER BY e.start_date, e.event_id
