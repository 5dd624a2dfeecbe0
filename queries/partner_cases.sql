-- Cases opened in the period with one partner country, by crime type and
-- status.
-- @param iso3 VARCHAR
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT
    crime_type,
    count(*) AS cases,
    count(*) FILTER (WHERE status = 'open') AS open,
    count(*) FILTER (WHERE evidence_status = 'sufficient and secured') AS with_evidence
FROM cases
WHERE partner_country_iso3 = $iso3
  AND opened_date BETWEEN $period_start AND $period_end
GROUP BY crime_type
ORDER BY cases DESC, crime_type
