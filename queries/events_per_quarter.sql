-- Events, participating countries and delegates per quarter, for the
-- trend up to the end of the period.
-- @param period_end DATE = 9999-12-31
WITH quarters AS (
    SELECT
        e.event_id,
        year(e.start_date) || '-Q' || quarter(e.start_date) AS quarter,
        e.start_date
    FROM events AS e
    WHERE e.start_date <= $period_end
)
SELECT
    q.quarter,
    count(DISTINCT q.event_id) AS events,
    count(DISTINCT p.country_iso3) AS countries,
    coalesce(sum(p.delegates) FILTER (WHERE p.participant_type = 'country'), 0) AS delegates
FROM quarters AS q
LEFT JOIN event_participants AS p USING (event_id)
GROUP BY q.quarter
ORDER BY q.quarter
