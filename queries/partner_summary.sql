-- Headline figures of cooperation with one partner country, for the
-- period and the period before it: events attended together, joint
-- operations, cases exchanged, and the partner's seizures and arrests in
-- those operations. One row per period ('current', 'previous').
-- @param iso3 VARCHAR
-- @param home_country VARCHAR = IDN
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
-- @param previous_start DATE = 1800-01-01
-- @param previous_end DATE = 1800-12-31
WITH periods AS (
    SELECT 'current' AS period, $period_start::DATE AS first_day, $period_end::DATE AS last_day
    UNION ALL
    SELECT 'previous', $previous_start::DATE, $previous_end::DATE
),
together AS (
    SELECT pr.period, count(DISTINCT e.event_id) AS events
    FROM periods AS pr
    LEFT JOIN events AS e ON e.start_date BETWEEN pr.first_day AND pr.last_day
        AND e.event_id IN (SELECT event_id FROM event_participants WHERE country_iso3 = $iso3)
        AND e.event_id IN (SELECT event_id FROM event_participants WHERE country_iso3 = $home_country)
    GROUP BY pr.period
),
operations_together AS (
    SELECT
        pr.period,
        count(DISTINCT o.operation_id) AS operations,
        coalesce(sum(r.assets_seized_usd), 0) AS assets_seized_usd,
        coalesce(sum(r.arrests), 0) AS arrests,
        coalesce(sum(r.victims_rescued), 0) AS victims_rescued
    FROM periods AS pr
    LEFT JOIN operations AS o ON o.end_date BETWEEN pr.first_day AND pr.last_day
        AND o.operation_id IN (SELECT operation_id FROM operation_results WHERE country_iso3 = $home_country)
    LEFT JOIN operation_results AS r ON r.operation_id = o.operation_id AND r.country_iso3 = $iso3
    WHERE r.country_iso3 IS NOT NULL OR o.operation_id IS NULL
    GROUP BY pr.period
),
cases_exchanged AS (
    SELECT pr.period, count(c.case_id) AS cases
    FROM periods AS pr
    LEFT JOIN cases AS c ON c.opened_date BETWEEN pr.first_day AND pr.last_day AND c.partner_country_iso3 = $iso3
    GROUP BY pr.period
)
SELECT p.period, coalesce(t.events, 0) AS events, coalesce(o.operations, 0) AS operations,
    coalesce(o.assets_seized_usd, 0) AS assets_seized_usd, coalesce(o.arrests, 0) AS arrests,
    coalesce(o.victims_rescued, 0) AS victims_rescued, coalesce(c.cases, 0) AS cases
FROM periods AS p
LEFT JOIN together AS t USING (period)
LEFT JOIN operations_together AS o USING (period)
LEFT JOIN cases_exchanged AS c USING (period)
ORDER BY p.period
