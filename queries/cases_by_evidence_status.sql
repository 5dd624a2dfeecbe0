-- Cases exchanged with partner countries and opened in the period, by how
-- far their evidence goes.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT
    evidence_status,
    count(*) AS cases,
    count(*) / sum(count(*)) OVER () AS share
FROM cases
WHERE opened_date BETWEEN $period_start AND $period_end
GROUP BY evidence_status
ORDER BY CASE evidence_status
    WHEN 'sufficient and secured' THEN 1
    WHEN 'partial' THEN 2
    WHEN 'insufficient' THEN 3
    ELSE 4
END
