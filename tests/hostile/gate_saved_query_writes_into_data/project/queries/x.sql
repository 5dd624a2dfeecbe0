-- An attack.
COPY (SELECT 'E3,x,y,1' AS line) TO 'data/events.csv' (HEADER false)
