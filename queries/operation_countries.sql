-- The countries taking part in one joint operation, with their seizures,
-- arrests and victims rescued.
-- @param operation_id VARCHAR
SELECT
    r.country_iso3 AS iso3,
    c.name_en AS country,
    c.name_id AS negara,
    r.assets_seized_usd,
    r.arrests,
    r.victims_rescued
FROM operation_results AS r
JOIN countries AS c ON c.iso3 = r.country_iso3
WHERE r.operation_id = $operation_id
ORDER BY r.assets_seized_usd DESC, iso3
