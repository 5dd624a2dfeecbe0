-- Life expectancy of every country in the period, by its ISO numeric code
-- (written with leading zeros, as ISO 3166-1 does).
-- @param period_start DATE
-- @param period_end DATE
SELECT c.iso_numeric, y.country, y.life_expect
FROM country_years AS y
JOIN countries AS c ON c.iso3 = y.iso3
WHERE y.year_start BETWEEN $period_start AND $period_end
ORDER BY c.iso_numeric
