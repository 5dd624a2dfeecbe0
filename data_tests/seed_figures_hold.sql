-- The figures the seed articles report stay as reported (data/README.md): no
-- illustrative row may change them. Each failing row is a figure that moved.
WITH figures(figure, reported, actual) AS (
    SELECT 'Lyon, 23 April 2024: countries', 136,
        (SELECT count(DISTINCT country_iso3) FROM event_participants
         WHERE event_id = 'EV-2024-04-LYON' AND participant_type = 'country')
    UNION ALL
    SELECT 'Lyon, 23 April 2024: police officials', 321,
        (SELECT sum(delegates) FROM event_participants WHERE event_id = 'EV-2024-04-LYON')
    UNION ALL
    SELECT 'Lyon, 23 April 2024: Indonesian delegation', 7,
        (SELECT sum(delegates) FROM event_participants
         WHERE event_id = 'EV-2024-04-LYON' AND country_iso3 = 'IDN')
    UNION ALL
    SELECT 'HAECHI IV: assets seized, USD', 300000000,
        (SELECT sum(assets_seized_usd) FROM operation_results WHERE operation_id = 'OP-HAECHI-IV')
    UNION ALL
    SELECT 'HAECHI IV: countries', 34,
        (SELECT count(DISTINCT country_iso3) FROM operation_results WHERE operation_id = 'OP-HAECHI-IV')
    UNION ALL
    SELECT 'Seoul, November 2025: invited countries', 15,
        (SELECT count(DISTINCT p.country_iso3) FROM event_participants AS p JOIN events AS e USING (event_id)
         WHERE p.event_id = 'EV-2025-11-SEOUL' AND p.participant_type = 'country'
           AND p.country_iso3 <> e.country_iso3)
    UNION ALL
    SELECT 'Seoul, November 2025: cases discussed', 24,
        (SELECT count(*) FROM cases WHERE discussed_at_event_id = 'EV-2025-11-SEOUL')
    UNION ALL
    SELECT 'Seoul, November 2025: cases with sufficient, secured evidence', 8,
        (SELECT count(*) FROM cases
         WHERE discussed_at_event_id = 'EV-2025-11-SEOUL' AND evidence_status = 'sufficient and secured')
    UNION ALL
    SELECT 'INTERPOL members, 2023', 195,
        (SELECT member_countries FROM interpol_membership WHERE year = 2023)
    UNION ALL
    SELECT 'INTERPOL members, 2024', 196,
        (SELECT member_countries FROM interpol_membership WHERE year = 2024)
)
SELECT figure, reported, actual FROM figures WHERE actual IS DISTINCT FROM reported
