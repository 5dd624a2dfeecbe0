SELECT count(*) AS rows, count(price) AS prices, count(DISTINCT day) AS days FROM good_one_na_among_numbers_is_text_with_a_warning
