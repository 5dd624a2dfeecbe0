-- Years of life expectancy gained since 1955, by country, in the period.
-- @param period_start DATE
-- @param period_end DATE
-- @param top INTEGER = 20
SELECT
    now.country || ' (' || now.iso3 || ')' AS country,
    first.life_expect AS life_expect_1955,
    now.life_expect,
    now.life_expect - first.life_expect AS gain
FROM country_years AS now
JOIN country_years AS first ON first.iso3 = now.iso3 AND first.year = 1955
WHERE now.year_start BETWEEN $period_start AND $period_end
ORDER BY gain DESC, country
LIMIT $top
