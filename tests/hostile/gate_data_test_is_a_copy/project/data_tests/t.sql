-- Writes.
COPY events TO '{{OUTSIDE}}/written.csv'
