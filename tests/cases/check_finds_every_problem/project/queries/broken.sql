-- Delegates per country, with a typo.
SELECT country_iso3,
       sum(delegats) AS delegates
FROM events
GROUP BY ALL
