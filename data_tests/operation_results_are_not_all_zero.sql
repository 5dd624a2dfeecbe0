-- No operation result row is all zero: a country listed in an operation seized, arrested or rescued something.
SELECT operation_id, country_iso3
FROM operation_results
WHERE coalesce(assets_seized_usd, 0) = 0 AND coalesce(arrests, 0) = 0 AND coalesce(victims_rescued, 0) = 0
