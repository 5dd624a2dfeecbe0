-- Joint operations that ended in the period, grouped by crime type.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
WITH per_operation AS (
    SELECT
        o.operation_id,
        o.crime_type,
        sum(r.assets_seized_usd) AS assets_seized_usd,
        sum(r.arrests) AS arrests,
        sum(r.victims_rescued) AS victims_rescued
    FROM operations AS o
    JOIN operation_results AS r USING (operation_id)
    WHERE o.end_date BETWEEN $period_start AND $period_end
    GROUP BY ALL
)
SELECT
    crime_type,
    count(*) AS operations,
    sum(assets_seized_usd) AS assets_seized_usd,
    sum(arrests) AS arrests,
    sum(victims_rescued) AS victims_rescued
FROM per_operation
GROUP BY crime_type
ORDER BY operations DESC, assets_seized_usd DESC, crime_type
