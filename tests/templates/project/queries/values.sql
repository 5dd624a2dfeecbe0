-- Numbers of every kind the filters meet, from the data and beside it.
SELECT max(countries) * 10000 + 7 AS integer,
       sum(budget_usd) AS decimal,
       1234567.891::DOUBLE AS float,
       17.0::DOUBLE AS whole_float,
       0.001234::DOUBLE AS small_float,
       -0.004::DOUBLE AS almost_zero,
       -2500.5::DOUBLE AS negative,
       '1234.5' AS number_as_text,
       max(start_date) AS latest,
       TIMESTAMP '2024-08-17 10:30:00' AS timestamp,
       '2024-08-17' AS date_as_text
FROM events
