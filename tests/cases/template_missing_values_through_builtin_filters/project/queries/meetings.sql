-- Every meeting, with the country's name.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT m.held_on, m.title, c.name AS country, m.delegates
FROM meetings AS m
JOIN countries AS c ON c.iso3 = m.country_iso3
WHERE m.held_on BETWEEN $period_start AND $period_end
ORDER BY m.held_on
