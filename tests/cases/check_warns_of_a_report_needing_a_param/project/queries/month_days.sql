-- The days of one month.
-- @param month DATE
SELECT date, precipitation FROM weather WHERE date_trunc('month', date) = $month ORDER BY date
