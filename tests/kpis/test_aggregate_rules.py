"""The grouping arithmetic of `kpis.aggregate` with hand-worked numbers (no database): both
ways of grouping keys, each reduction, and the median's ordering in both of its branches."""

import numpy as np
import pytest

from kpis import aggregate


@pytest.mark.parametrize("space", [10, 10_000_000])  # dense count, then hashing (sparse keys)
def test_grouping_gives_each_row_the_code_of_its_own_key(space):
    key = np.array([7, 3, 7, 9, 3, 3], dtype=np.int64)
    codes, uniques = aggregate.group(key, space)
    assert sorted(uniques.tolist()) == [3, 7, 9]
    assert uniques[codes].tolist() == key.tolist()
    assert np.bincount(codes).tolist() == [
        int((key == uniques[c]).sum()) for c in range(len(uniques))
    ]


def test_sparse_keys_are_grouped_by_hashing_not_by_a_dense_count():
    key = np.array([5_000_000, 1, 5_000_000], dtype=np.int64)
    codes, uniques = aggregate.group(key, 10_000_000)
    assert len(uniques) == 2 and codes[0] == codes[2] != codes[1]


def test_reductions_skip_blanks_and_size_counts_every_row():
    codes = np.array([0, 0, 0, 1, 2])
    values = np.array([1.0, 2.0, np.nan, 5.0, np.nan])
    assert aggregate.reduce(codes, 3, values, "size").tolist() == [3, 1, 1]
    assert aggregate.reduce(codes, 3, values, "sum").tolist() == [3.0, 5.0, 0.0]
    mean = aggregate.reduce(codes, 3, values, "mean")
    assert mean[:2].tolist() == [1.5, 5.0] and np.isnan(mean[2])
    median = aggregate.reduce(codes, 3, values, "median")
    assert median[:2].tolist() == [1.5, 5.0] and np.isnan(median[2])


def test_the_median_of_an_odd_count_is_the_middle_and_of_an_even_the_mean_of_two():
    codes = np.array([0, 0, 0, 1, 1, 1, 1])
    values = np.array([9.0, 1.0, 4.0, 10.0, 2.0, 8.0, 3.0])
    assert aggregate.reduce(codes, 2, values, "median").tolist() == [4.0, 5.5]


def test_the_median_orders_fractional_values_as_well_as_whole_ones():
    codes = np.array([1, 0, 1, 0, 1])
    values = np.array([2.5, 0.5, 1.25, 0.75, 9.0])
    assert aggregate.sorted_by_group(codes, values).tolist() == [0.5, 0.75, 1.25, 2.5, 9.0]
    whole = np.array([30.0, 2.0, 10.0, 1.0, 20.0])
    assert aggregate.sorted_by_group(codes, whole).tolist() == [1.0, 2.0, 10.0, 20.0, 30.0]
    assert aggregate.reduce(codes, 2, values, "median").tolist() == [0.625, 2.5]


def test_a_median_with_no_known_value_is_blank_for_every_group():
    median = aggregate.reduce(np.array([0, 1]), 2, np.array([np.nan, np.nan]), "median")
    assert np.isnan(median).all()


def test_an_unknown_reduction_is_refused():
    with pytest.raises(ValueError, match="unknown aggregate"):
        aggregate.reduce(np.array([0]), 1, np.array([1.0]), "mode")
