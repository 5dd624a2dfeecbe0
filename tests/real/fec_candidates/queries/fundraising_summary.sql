-- Reports whose coverage ends in the period, with what they raised, spent
-- and owed, beside the same figures for the period before.
-- @param period_start DATE
-- @param period_end DATE
-- @param previous_start DATE
-- @param previous_end DATE
SELECT
    count(*) FILTER (WHERE coverage_end BETWEEN $period_start AND $period_end) AS reports,
    count(DISTINCT state) FILTER (WHERE coverage_end BETWEEN $period_start AND $period_end) AS states,
    sum(receipts) FILTER (WHERE coverage_end BETWEEN $period_start AND $period_end) AS receipts,
    sum(disbursements) FILTER (WHERE coverage_end BETWEEN $period_start AND $period_end) AS disbursements,
    sum(ending_cash) FILTER (WHERE coverage_end BETWEEN $period_start AND $period_end) AS ending_cash,
    sum(debts) FILTER (WHERE coverage_end BETWEEN $period_start AND $period_end) AS debts,
    count(*) FILTER (WHERE coverage_end BETWEEN $period_start AND $period_end AND receipts = 0) AS raised_nothing,
    sum(receipts) FILTER (WHERE coverage_end BETWEEN $previous_start AND $previous_end) AS previous_receipts,
    sum(disbursements) FILTER (WHERE coverage_end BETWEEN $previous_start AND $previous_end) AS previous_disbursements
FROM candidates
