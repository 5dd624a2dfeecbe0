-- Events and delegates per kind.
SELECT kind, count(*) AS events, sum(delegates) AS delegates
FROM stg_events
GROUP BY ALL
ORDER BY events DESC, kind
