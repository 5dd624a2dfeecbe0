-- Airports with a few flags read from their names, and the states grouped
-- into US states and territories. The base of the other queries.
SELECT
    iata,
    name,
    city,
    state,
    country,
    latitude,
    longitude,
    name ILIKE '%muni%' AS municipal,
    name ILIKE '%international%' OR name ILIKE '%int''l%' OR name ILIKE '%intl%' AS international,
    CASE
        WHEN state IS NULL THEN 'unknown'
        WHEN state IN ('PR', 'VI', 'GU', 'AS', 'CQ') THEN 'territory'
        ELSE 'state'
    END AS kind
FROM airports
