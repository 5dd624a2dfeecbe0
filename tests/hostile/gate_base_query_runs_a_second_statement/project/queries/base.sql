-- An attack.
SELECT * FROM events --; COPY events TO '{{OUTSIDE}}/written.csv'
