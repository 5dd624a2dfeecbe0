-- Casts a city name to a number, which fails when it runs.
SELECT city::INTEGER AS n
FROM events
