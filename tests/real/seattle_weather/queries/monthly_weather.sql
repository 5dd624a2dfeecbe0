-- One row per month of the whole record: the base of the monthly trend.
SELECT
    date_trunc('month', date)::DATE AS month,
    count(*) AS days,
    sum(precipitation) AS precipitation,
    count(*) FILTER (WHERE precipitation > 0) AS wet_days,
    count(*) FILTER (WHERE weather = 'sun') AS sunny_days,
    round(avg(temp_max), 1) AS mean_temp_max,
    round(avg(temp_min), 1) AS mean_temp_min
FROM seattle_weather
GROUP BY ALL
ORDER BY month
