-- The period's totals: always one row.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT count(*) AS days, sum(precipitation) AS rain FROM weather WHERE date BETWEEN $period_start AND $period_end
