-- Contributions per country, all years.
SELECT country, sum(amount) AS total, min(agreed) AS first_agreed
FROM budget
GROUP BY country
ORDER BY country
