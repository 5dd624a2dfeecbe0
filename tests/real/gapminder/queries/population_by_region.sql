-- Population by region in the period.
-- @param period_start DATE
-- @param period_end DATE
SELECT region, sum(pop) AS population
FROM country_years
WHERE year_start BETWEEN $period_start AND $period_end
GROUP BY ALL
ORDER BY population DESC
