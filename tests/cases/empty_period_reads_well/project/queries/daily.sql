-- Rain per day.
-- @param period_start DATE
-- @param period_end DATE
SELECT date, precipitation, temp_max FROM weather WHERE date BETWEEN $period_start AND $period_end ORDER BY date
