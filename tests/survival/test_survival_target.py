"""make_target / check_target / target_frame: the structured target and its errors."""

import numpy as np
import pandas as pd
import pytest

from stratify.survival import check_target, make_target, target_frame


def test_target_is_scikit_survival_structured_array():
    from sksurv.util import Surv, check_y_survival

    y = make_target([2.0, 5.5, 3.1], [1, 0, 1])
    expected = Surv.from_arrays(event=[True, False, True], time=[2.0, 5.5, 3.1])
    assert y.dtype == expected.dtype
    np.testing.assert_array_equal(y, expected)
    event, time = check_y_survival(y)
    np.testing.assert_array_equal(event, [True, False, True])


def test_booleans_and_nullable_codes_are_accepted():
    y = make_target(pd.Series([1.0, 2.0]), pd.Series([True, False]))
    np.testing.assert_array_equal(y["event"], [True, False])
    y = make_target([1.0, 2.0, 3.0], pd.Series([1, 0, 2], dtype="Int64"), competing="censor")
    np.testing.assert_array_equal(y["event"], [True, False, False])


def test_death_is_refused_by_default_and_censored_on_request():
    time = pd.Series([1.0, 2.0, 3.0, 4.0], index=["a", "b", "c", "d"])
    event = pd.Series([1, 2, 0, 2], index=time.index)
    with pytest.raises(ValueError, match=r"event code 2 .* 2 rows: b, d\. Pass competing='censor'"):
        make_target(time, event)
    y = make_target(time, event, competing="censor")
    np.testing.assert_array_equal(y["event"], [True, False, False, False])
    np.testing.assert_array_equal(y["time"], time.to_numpy())


@pytest.mark.parametrize("times, rule", [
    ([1.0, -2.0, 3.0, -0.5], r"time is negative .* in 2 rows: p1, p3"),
    ([1.0, np.nan, 3.0, 4.0], r"time is missing in 1 row: p1\."),
    ([1.0, np.inf, 3.0, 4.0], r"time is infinite in 1 row: p1\."),
])
def test_bad_times_name_the_rows(times, rule):
    time = pd.Series(times, index=["p0", "p1", "p2", "p3"])
    with pytest.raises(ValueError, match=rule):
        make_target(time, [1, 1, 0, 0])


def test_row_ids_are_capped_at_five():
    time = pd.Series(-np.arange(1.0, 9.0), index=[f"id{i}" for i in range(8)])
    with pytest.raises(ValueError, match=r"8 rows: id0, id1, id2, id3, id4 and 3 more"):
        make_target(time, np.ones(8, dtype=int))


def test_bad_event_codes():
    with pytest.raises(ValueError, match=r"event is missing in 1 row: 1\."):
        make_target([1.0, 2.0, 3.0], [1, np.nan, 0])
    with pytest.raises(ValueError, match=r"coded 0 \(censored\), 1 \(lymphoma\) or 2 .* 1 row: 2"):
        make_target([1.0, 2.0, 3.0], [1, 0, 3])
    with pytest.raises(ValueError, match="must be numeric"):
        make_target([1.0, 2.0], ["yes", "no"])


def test_all_censored_is_an_error():
    with pytest.raises(ValueError, match="all samples are censored"):
        make_target([1.0, 2.0], [0, 0])
    with pytest.raises(ValueError, match="all samples are censored"):
        make_target([1.0, 2.0], [2, 0], competing="censor")


def test_shape_and_parameter_errors():
    with pytest.raises(ValueError, match="time has 3 rows but event has 2"):
        make_target([1.0, 2.0, 3.0], [1, 0])
    with pytest.raises(ValueError, match="different indexes"):
        make_target(pd.Series([1.0, 2.0], index=["a", "b"]), pd.Series([1, 0], index=["b", "a"]))
    with pytest.raises(ValueError, match="The 'competing' parameter of make_target"):
        make_target([1.0], [1], competing="drop")


def test_check_target_accepts_arrays_and_frames():
    y = make_target([1.0, 2.0, 3.0], [1, 0, 1])
    event, time = check_target(y)
    np.testing.assert_array_equal(event, [True, False, True])
    frame = target_frame(y, index=["a", "b", "c"])
    assert list(frame.index) == ["a", "b", "c"]
    event2, time2 = check_target(frame)
    np.testing.assert_array_equal(event2, event)
    np.testing.assert_array_equal(time2, time)


def test_check_target_errors():
    with pytest.raises(ValueError, match="structured array with fields"):
        check_target(np.array([1.0, 2.0]))
    bad = np.array([(2, 1.0), (0, 2.0)], dtype=[("e", int), ("t", float)])
    with pytest.raises(ValueError, match=r"event must be boolean .* 1 row: 0"):
        check_target(bad)
    frame = pd.DataFrame({"event": [True, True], "time": [1.0, -1.0]}, index=["a", "b"])
    with pytest.raises(ValueError, match=r"time is negative .* 1 row: b"):
        check_target(frame, "my_func")
    with pytest.raises(ValueError, match="needs columns 'event' and 'time'"):
        check_target(pd.DataFrame({"event": [True]}))
    with pytest.raises(ValueError, match="index has 1 ids but y has 2"):
        target_frame(make_target([1.0, 2.0], [1, 0]), index=["a"])
