-- Meetings and delegates per month.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT
    date_trunc('month', held_on)::DATE AS month,
    count(*) AS meetings,
    sum(delegates) AS delegates
FROM meetings
WHERE held_on BETWEEN $period_start AND $period_end
GROUP BY ALL
ORDER BY month
