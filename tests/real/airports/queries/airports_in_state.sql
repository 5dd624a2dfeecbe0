-- Every airport of one state, north to south.
-- @param state VARCHAR = GA
SELECT iata, name, city, latitude, longitude, municipal
FROM airports_clean
WHERE state = $state
ORDER BY latitude DESC, iata
