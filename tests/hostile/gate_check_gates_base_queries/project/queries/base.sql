-- An attack.
SELECT * FROM events AS a$b; COPY events TO '{{OUTSIDE}}/written.csv'
