-- Partner countries ranked by cooperation in the period: events attended
-- alongside Indonesia, joint operations, and cases exchanged.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
-- @param home_country VARCHAR = IDN
-- @param top INTEGER = 10
WITH home_events AS (
    SELECT DISTINCT p.event_id
    FROM event_participants AS p
    JOIN events AS e USING (event_id)
    WHERE p.country_iso3 = $home_country
      AND e.start_date BETWEEN $period_start AND $period_end
),
events_together AS (
    SELECT p.country_iso3 AS iso3, count(DISTINCT p.event_id) AS events
    FROM event_participants AS p
    JOIN home_events USING (event_id)
    WHERE p.country_iso3 IS NOT NULL AND p.country_iso3 <> $home_country
    GROUP BY ALL
),
operations_together AS (
    SELECT r.country_iso3 AS iso3, count(DISTINCT r.operation_id) AS operations
    FROM operation_results AS r
    JOIN operations AS o USING (operation_id)
    WHERE o.end_date BETWEEN $period_start AND $period_end
      AND r.country_iso3 <> $home_country
      AND r.operation_id IN (
          SELECT operation_id FROM operation_results WHERE country_iso3 = $home_country
      )
    GROUP BY ALL
),
cases_exchanged AS (
    SELECT partner_country_iso3 AS iso3, count(*) AS cases
    FROM cases
    WHERE opened_date BETWEEN $period_start AND $period_end
    GROUP BY ALL
),
scored AS (
    SELECT
        iso3,
        coalesce(ev.events, 0) AS events,
        coalesce(op.operations, 0) AS operations,
        coalesce(ca.cases, 0) AS cases
    FROM events_together AS ev
    FULL JOIN operations_together AS op USING (iso3)
    FULL JOIN cases_exchanged AS ca USING (iso3)
)
SELECT
    s.iso3,
    c.name_en AS country,
    c.name_id AS negara,
    s.events,
    s.operations,
    s.cases,
    s.events + s.operations + s.cases AS score
FROM scored AS s
JOIN countries AS c ON c.iso3 = s.iso3
ORDER BY score DESC, s.cases DESC, s.iso3
LIMIT $top
