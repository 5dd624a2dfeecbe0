-- The period's rain, and the share of rainy days.
-- @param period_start DATE
-- @param period_end DATE
SELECT sum(precipitation) AS rain, count(*) AS days,
       count(*) FILTER (WHERE precipitation > 0) / count(*) AS rainy_share,
       max(temp_max) AS warmest, min(date) AS first_day
FROM weather WHERE date BETWEEN $period_start AND $period_end
