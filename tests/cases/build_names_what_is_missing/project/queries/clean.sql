-- The wet days.
SELECT * FROM weather WHERE precipitation > 0
