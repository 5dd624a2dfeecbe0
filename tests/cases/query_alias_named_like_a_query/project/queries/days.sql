-- The days of a month, with their rain.
-- @param month DATE
SELECT date, precipitation FROM weather WHERE date_trunc('month', date) = $month
