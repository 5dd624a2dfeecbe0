-- Meetings in the period.
-- @param period_start DATE = 1900-01-01
-- @param period_end DATE = 9999-12-31
SELECT held_on, title, country, delegates, delegates / 321 AS share
FROM meetings
WHERE held_on BETWEEN $period_start AND $period_end
ORDER BY held_on
