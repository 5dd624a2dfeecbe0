-- Every country and year with its ISO codes and region, and the year as a
-- date so that a period can select it.
SELECT
    make_date(g.year, 1, 1) AS year_start,
    g.year,
    c.iso3,
    g.country,
    c.region,
    g.pop,
    g.life_expect,
    g.fertility
FROM gapminder AS g
JOIN countries AS c ON c.gapminder_name = g.country
