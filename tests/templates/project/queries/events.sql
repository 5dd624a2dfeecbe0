-- Every event in the period, oldest first.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT name, city, kind, start_date, countries, delegates, budget_usd, share, member, url, note
FROM events
WHERE start_date BETWEEN $period_start AND $period_end
ORDER BY start_date
