-- Month by month, from the first record to the end of the period.
-- @param period_end DATE = 9999-12-31
SELECT
    strftime(month, '%Y-%m') AS month,
    precipitation,
    wet_days,
    mean_temp_max,
    mean_temp_min
FROM monthly_weather
WHERE month <= $period_end
ORDER BY month
