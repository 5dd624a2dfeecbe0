-- Events of each kind per year, one column per kind.
SELECT year(start_date)::VARCHAR AS year,
       count(*) FILTER (kind = 'conference') AS conferences,
       count(*) FILTER (kind = 'meeting') AS meetings,
       count(*) FILTER (kind = 'training') AS trainings
FROM events
GROUP BY ALL
ORDER BY year
