"""The banded payment (spec §5.5): each test states the axis, the bands and the answer."""

from decimal import Decimal as D

from yibao.domain.bands import pay_bands

BEIJING_IN_SERVICE_L3 = [(D(30000), D("0.85")), (D(40000), D("0.90")), (D(100000), D("0.95"))]


def test_visit_inside_the_first_band():
    """[1300, 27200) at 85% = 25900 × 0.85 = 22015.00; nothing beyond."""
    paid = pay_bands(D(1300), D(27200), D(0), BEIJING_IN_SERVICE_L3, None)
    assert paid.payment == D("22015.00")
    assert paid.beyond_bands == 0
    assert paid.first_ratio == D("0.85")


def test_visit_crossing_every_band_and_beyond():
    """[1300, 200000): 28700×.85 + 10000×.90 + 60000×.95 = 90395.00; 100000 beyond the last band."""
    paid = pay_bands(D(1300), D(200000), D(0), BEIJING_IN_SERVICE_L3, None)
    assert paid.payment == D("90395.00")
    assert paid.beyond_bands == D(100000)
    assert [part.amount for part in paid.parts] == [D(28700), D(10000), D(60000)]


def test_threshold_removes_the_bottom_of_the_axis():
    """Critical illness, base 120000, threshold 10000: 20000×.6 + 70000×.7 + 20000×.8 = 77000."""
    bands = [(D(30000), D("0.6")), (D(100000), D("0.7")), (None, D("0.8"))]
    paid = pay_bands(D(0), D(120000), D(10000), bands, None)
    assert paid.payment == D("77000.00")
    assert paid.beyond_bands == 0


def test_annual_axis_starts_where_the_year_left_off():
    """Second visit of the year: [25000, 35000) = 5000×.85 + 5000×.90 = 8750."""
    paid = pay_bands(D(25000), D(35000), D(0), BEIJING_IN_SERVICE_L3, None)
    assert paid.payment == D("8750.00")
    assert paid.first_ratio == D("0.85")


def test_start_beyond_all_bands_pays_nothing_and_is_all_beyond():
    paid = pay_bands(D(120000), D(130000), D(0), BEIJING_IN_SERVICE_L3, None)
    assert paid.payment == 0
    assert paid.beyond_bands == D(10000)
    assert paid.first_ratio is None


def test_cap_room_limits_the_rounded_payment():
    """194 × 0.6 = 116.40, 50 left under the cap: pays 50."""
    paid = pay_bands(D(0), D(194), D(0), [(None, D("0.6"))], D(50))
    assert paid.uncapped == D("116.40")
    assert paid.payment == D(50)
    assert paid.capped


def test_exhausted_cap_pays_zero_never_negative():
    paid = pay_bands(D(0), D(1000), D(0), [(None, D("0.6"))], D(-5))
    assert paid.payment == 0


def test_rounding_happens_once_on_the_sum_of_parts():
    """0.005 + 0.005 would round to 0.02 part by part; the spec rounds the sum once: 0.01."""
    bands = [(D("0.01"), D("0.5")), (None, D("0.5"))]
    paid = pay_bands(D(0), D("0.02"), D(0), bands, None)
    assert paid.payment == D("0.01")
