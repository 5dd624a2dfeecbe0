-- Events in a year without any: no rows.
SELECT name, countries, start_date FROM events WHERE year(start_date) = 1999
