SELECT a, b FROM good_rename_swaps_two_columns
