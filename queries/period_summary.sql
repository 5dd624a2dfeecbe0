-- Headline figures for the period and the period before it: events,
-- participating countries, operations, assets seized, arrests, victims
-- rescued and cases opened.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
-- @param previous_start DATE = 1800-01-01
-- @param previous_end DATE = 1800-12-31
WITH periods AS (
    SELECT 'current' AS period, $period_start::DATE AS first_day, $period_end::DATE AS last_day
    UNION ALL
    SELECT 'previous', $previous_start::DATE, $previous_end::DATE
),
event_figures AS (
    SELECT
        pr.period,
        count(DISTINCT e.event_id) AS events,
        count(DISTINCT p.country_iso3) AS countries,
        coalesce(sum(p.delegates) FILTER (WHERE p.participant_type = 'country'), 0) AS delegates
    FROM periods AS pr
    LEFT JOIN events AS e ON e.start_date BETWEEN pr.first_day AND pr.last_day
    LEFT JOIN event_participants AS p USING (event_id)
    GROUP BY pr.period
),
operation_figures AS (
    SELECT
        pr.period,
        count(DISTINCT o.operation_id) AS operations,
        coalesce(sum(r.assets_seized_usd), 0) AS assets_seized_usd,
        coalesce(sum(r.arrests), 0) AS arrests,
        coalesce(sum(r.victims_rescued), 0) AS victims_rescued
    FROM periods AS pr
    LEFT JOIN operations AS o ON o.end_date BETWEEN pr.first_day AND pr.last_day
    LEFT JOIN operation_results AS r USING (operation_id)
    GROUP BY pr.period
),
case_figures AS (
    SELECT
        pr.period,
        count(c.case_id) AS cases,
        count(c.case_id) FILTER (WHERE c.evidence_status = 'sufficient and secured') AS cases_with_evidence
    FROM periods AS pr
    LEFT JOIN cases AS c ON c.opened_date BETWEEN pr.first_day AND pr.last_day
    GROUP BY pr.period
)
SELECT *
FROM event_figures
JOIN operation_figures USING (period)
JOIN case_figures USING (period)
ORDER BY period
