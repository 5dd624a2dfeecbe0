-- One row per candidate, cleaned: the office read from the FEC candidate
-- id, the status spelled out, the coverage end date parsed from MM/DD/YYYY,
-- and the amounts the file writes as text turned into numbers.
SELECT
    Candidate_Identification AS candidate_id,
    Candidate_Name AS name,
    CASE left(Candidate_Identification, 1)
        WHEN 'H' THEN 'House'
        WHEN 'S' THEN 'Senate'
        WHEN 'P' THEN 'President'
    END AS office,
    Party_Affiliation AS party,
    CASE Incumbent_Challenger_Status
        WHEN 'C' THEN 'challenger'
        WHEN 'I' THEN 'incumbent'
        WHEN 'O' THEN 'open seat'
        ELSE 'unknown'
    END AS status,
    Candidate_State AS state,
    Candidate_District AS district,
    strptime(Coverage_End_Date, '%m/%d/%Y')::DATE AS coverage_end,
    Total_Receipts AS receipts,
    Total_Individual_Contributions AS individual_contributions,
    Contributions_from_Candidate + Loans_from_Candidate AS from_candidate,
    Other_Loans::DECIMAL(12,2) AS other_loans,
    Total_Disbursements AS disbursements,
    Beginning_Cash AS beginning_cash,
    Ending_Cash AS ending_cash,
    Debts_Owed_By AS debts
FROM candidate_summaries
