-- Receipts and spending per party, for the reports ending in the period.
-- @param period_start DATE
-- @param period_end DATE
SELECT
    party,
    count(*) AS candidates,
    count(*) FILTER (WHERE status = 'incumbent') AS incumbents,
    sum(receipts) AS receipts,
    sum(disbursements) AS disbursements,
    sum(debts) AS debts
FROM candidates
WHERE coverage_end BETWEEN $period_start AND $period_end
GROUP BY party
ORDER BY disbursements DESC, party
