-- The wettest days of the period.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
-- @param top INTEGER = 10
SELECT date, weather, precipitation, temp_max, temp_min, wind
FROM seattle_weather
WHERE date BETWEEN $period_start AND $period_end
  AND precipitation > 0
ORDER BY precipitation DESC, date
LIMIT $top
