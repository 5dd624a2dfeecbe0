-- The candidates who spent the most, straight from the file.
-- @param period_start DATE
-- @param period_end DATE
-- @param top INTEGER = 15
SELECT
    Candidate_Name,
    Party_Affiliation,
    Candidate_State || coalesce('-' || Candidate_District, '') AS District,
    Total_Receipts,
    Total_Disbursements,
    Debts_Owed_By
FROM candidate_summaries
WHERE strptime(Coverage_End_Date, '%m/%d/%Y')::DATE BETWEEN $period_start AND $period_end
ORDER BY Total_Disbursements DESC, Candidate_Name
LIMIT $top
