"""numpy classes: mapclassify's conventions, checked against it when it is installed."""

import numpy as np
import pytest

from territoires.maps.classify import classify, equal_interval, quantiles, user_defined

RNG = np.random.default_rng(0)
SAMPLES = [RNG.lognormal(3, 1, 500), RNG.integers(0, 5, 200).astype(float), np.arange(1, 11, dtype=float), np.array([7.0, 7.0, 7.0])]


def test_small_cases_by_hand():
    c = quantiles([1, 2, 3, 4, 5, 6, 7, 8], k=4)
    assert c.bins.tolist() == [2.75, 4.5, 6.25, 8.0] and c.counts().tolist() == [2, 2, 2, 2]
    u = user_defined([0, 10, 10.5, 20, 31], [10, 20, 30])
    assert u.yb.tolist() == [0, 0, 1, 1, 3] and u.bins.tolist() == [10, 20, 30, 31]  # right-closed, max appended
    e = equal_interval([0, 1, 5, 10], k=2)
    assert e.bins.tolist() == [5, 10] and e.yb.tolist() == [0, 0, 0, 1]
    assert quantiles([3, 3, 3, 3], k=5).k == 1  # ties collapse


@pytest.mark.parametrize("bad", [[], [1, np.nan], [np.inf]])
def test_missing_values_are_refused_in_french(bad):
    with pytest.raises(ValueError, match="valeur"):
        quantiles(bad)


def test_unknown_scheme_names_the_choices():
    with pytest.raises(ValueError, match="quantiles"):
        classify([1, 2, 3], "pas-une-methode")


@pytest.mark.parametrize("i", range(len(SAMPLES)))
def test_same_classes_as_mapclassify(i):
    mc = pytest.importorskip("mapclassify")
    y = SAMPLES[i]
    for k in (3, 5, 7):
        ours, ref = quantiles(y, k), mc.Quantiles(y, k=k)
        np.testing.assert_allclose(ours.bins, ref.bins)
        assert ours.yb.tolist() == ref.yb.tolist()
        if y.max() > y.min():
            ours, ref = equal_interval(y, k), mc.EqualInterval(y, k=k)
            np.testing.assert_allclose(ours.bins, ref.bins)
            assert ours.yb.tolist() == ref.yb.tolist()
    bins = [float(np.percentile(y, 30)), float(np.percentile(y, 60))]
    ours, ref = user_defined(y, bins), mc.UserDefined(y, bins=bins)
    np.testing.assert_allclose(ours.bins, ref.bins)
    assert ours.yb.tolist() == ref.yb.tolist()
    if len(np.unique(y)) >= 3:
        assert classify(y, "FisherJenksSampled" if len(y) > 100 else "NaturalBreaks", k=3).k == 3
