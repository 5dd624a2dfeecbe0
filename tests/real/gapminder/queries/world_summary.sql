-- Population, population-weighted life expectancy and mean fertility of the
-- countries in the period, and the same five years earlier (the data has
-- one year in five).
-- @param period_start DATE
-- @param period_end DATE
WITH tagged AS (
    SELECT
        *,
        CASE
            WHEN year_start BETWEEN $period_start AND $period_end THEN 'now'
            WHEN year_start BETWEEN $period_start - INTERVAL 5 YEAR AND $period_end - INTERVAL 5 YEAR THEN 'before'
        END AS which
    FROM country_years
)
SELECT
    count(*) FILTER (WHERE which = 'now') AS countries,
    sum(pop) FILTER (WHERE which = 'now') AS population,
    round(sum(pop * life_expect) FILTER (WHERE which = 'now') / sum(pop) FILTER (WHERE which = 'now'), 2) AS life_expectancy,
    round(avg(fertility) FILTER (WHERE which = 'now'), 2) AS fertility,
    sum(pop) FILTER (WHERE which = 'before') AS population_before,
    round(sum(pop * life_expect) FILTER (WHERE which = 'before') / sum(pop) FILTER (WHERE which = 'before'), 2) AS life_expectancy_before,
    round(avg(fertility) FILTER (WHERE which = 'before'), 2) AS fertility_before
FROM tagged
