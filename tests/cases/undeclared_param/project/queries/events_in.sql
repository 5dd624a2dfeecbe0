-- Events in a city.
SELECT name
FROM events
WHERE city = $city
