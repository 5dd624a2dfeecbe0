-- The most populous countries in the period, with their growth over the
-- five years before.
-- @param period_start DATE
-- @param period_end DATE
-- @param top INTEGER = 15
SELECT
    now.iso3,
    now.country,
    now.region,
    now.pop AS population,
    now.pop / before.pop - 1 AS growth_5y,
    now.life_expect,
    now.fertility
FROM country_years AS now
LEFT JOIN country_years AS before ON before.iso3 = now.iso3 AND before.year = now.year - 5
WHERE now.year_start BETWEEN $period_start AND $period_end
ORDER BY now.pop DESC
LIMIT $top
