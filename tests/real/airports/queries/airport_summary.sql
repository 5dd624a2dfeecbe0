-- Headline counts for the whole directory, and for one state.
-- @param state VARCHAR = GA
SELECT
    $state::VARCHAR AS state,
    count(*) AS airports,
    count(DISTINCT state) AS states,
    count(*) FILTER (WHERE country <> 'USA') AS outside_usa,
    count(*) FILTER (WHERE state IS NULL) AS without_state,
    count(*) FILTER (WHERE international) AS international,
    count(*) FILTER (WHERE state = $state) AS in_state,
    count(*) FILTER (WHERE state = $state AND municipal) AS municipal_in_state,
    max(latitude) FILTER (WHERE state = $state) AS northernmost_latitude
FROM airports_clean
