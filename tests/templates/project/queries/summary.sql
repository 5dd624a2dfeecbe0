-- One row: this year against the year before, and values that are missing
-- (a sum over no rows, a ratio over zero).
SELECT sum(countries) FILTER (year(start_date) = 2025) AS countries_now,
       sum(countries) FILTER (year(start_date) = 2024) AS countries_before,
       sum(budget_usd) FILTER (year(start_date) = 2025) AS budget_now,
       sum(budget_usd) FILTER (year(start_date) = 2024) AS budget_before,
       avg(share) FILTER (year(start_date) = 2025) AS share_now,
       avg(share) FILTER (year(start_date) = 2024) AS share_before,
       count(*) FILTER (year(start_date) = 2023) AS events_2023,
       count(*) FILTER (year(start_date) = 2022) AS events_2022,
       sum(countries) FILTER (year(start_date) = 2020) AS countries_2020,
       'nan'::DOUBLE AS nan_ratio,
       'inf'::DOUBLE AS infinite_ratio
FROM events
