-- States and territories with the most airports.
-- @param top INTEGER = 25
SELECT
    state,
    kind,
    count(*) AS airports,
    count(*) FILTER (WHERE municipal) AS municipal,
    count(*) FILTER (WHERE international) AS international,
    count(DISTINCT city) AS cities
FROM airports_clean
WHERE state IS NOT NULL
GROUP BY ALL
ORDER BY airports DESC, state
LIMIT $top
