-- Events per country.
SELECT country, events FROM events ORDER BY country
