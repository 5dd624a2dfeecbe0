-- Assets seized (USD), arrests and victims rescued per joint operation
-- that ended in the period, with the number of countries taking part.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT
    o.operation_id,
    o.name AS operation,
    o.crime_type,
    o.lead_org_id AS lead,
    o.start_date,
    o.end_date,
    count(DISTINCT r.country_iso3) AS countries,
    sum(r.assets_seized_usd) AS assets_seized_usd,
    sum(r.arrests) AS arrests,
    sum(r.victims_rescued) AS victims_rescued,
    o.source
FROM operations AS o
JOIN operation_results AS r USING (operation_id)
WHERE o.end_date BETWEEN $period_start AND $period_end
GROUP BY ALL
ORDER BY assets_seized_usd DESC, o.operation_id
