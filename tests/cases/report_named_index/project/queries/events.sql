-- Events in the period.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT name, city, start_date, countries
FROM events
WHERE start_date BETWEEN $period_start AND $period_end
ORDER BY start_date
