-- Headline figures for the period, and the same figures for the period
-- before it: precipitation (mm), wet days, temperatures (°C) and wind (m/s).
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
-- @param previous_start DATE = 1800-01-01
-- @param previous_end DATE = 1800-12-31
WITH tagged AS (
    SELECT
        *,
        CASE
            WHEN date BETWEEN $period_start AND $period_end THEN 'current'
            WHEN date BETWEEN $previous_start AND $previous_end THEN 'previous'
        END AS which
    FROM seattle_weather
)
SELECT
    count(*) FILTER (WHERE which = 'current') AS days,
    sum(precipitation) FILTER (WHERE which = 'current') AS precipitation,
    count(*) FILTER (WHERE which = 'current' AND precipitation > 0) AS wet_days,
    count(*) FILTER (WHERE which = 'current' AND precipitation > 0)
        / count(*) FILTER (WHERE which = 'current') AS wet_share,
    round(avg(temp_max) FILTER (WHERE which = 'current'), 1) AS mean_temp_max,
    round(avg(temp_min) FILTER (WHERE which = 'current'), 1) AS mean_temp_min,
    max(temp_max) FILTER (WHERE which = 'current') AS hottest,
    min(temp_min) FILTER (WHERE which = 'current') AS coldest,
    round(avg(wind) FILTER (WHERE which = 'current'), 2) AS mean_wind,
    sum(precipitation) FILTER (WHERE which = 'previous') AS previous_precipitation,
    count(*) FILTER (WHERE which = 'previous' AND precipitation > 0) AS previous_wet_days,
    round(avg(temp_max) FILTER (WHERE which = 'previous'), 1) AS previous_mean_temp_max
FROM tagged
