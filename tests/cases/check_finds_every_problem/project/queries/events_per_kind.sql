-- Events per kind.
SELECT kind, count(*) AS events
FROM events
GROUP BY ALL
