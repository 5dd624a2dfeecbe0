-- All the rain.
SELECT sum(precipitation) AS rain FROM weather
