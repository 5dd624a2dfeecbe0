-- Rainy days per month. The alias, the CTE column and the string named
-- `days` are not the saved query days.
WITH wet AS (SELECT date, precipitation > 0 AS days FROM weather)
SELECT date_trunc('month', date) AS month, count(*) AS days, count(*) FILTER (WHERE days) AS rainy, 'days' AS unit
FROM wet
GROUP BY ALL
ORDER BY month
