import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from planner.avoid import dark_during, sun_elevation_deg


def test_darkness_follows_the_sun_in_helsinki():
    zone = ZoneInfo("Europe/Helsinki")
    noon = dt.datetime(2026, 6, 21, 13, 0, tzinfo=zone)
    assert sun_elevation_deg(60.17, 24.94, noon) == pytest.approx(53.3, abs=1.0)
    midsummer_night = (noon.replace(hour=22), noon.replace(hour=23, minute=30))
    winter_evening = (noon.replace(month=12, hour=18), noon.replace(month=12, hour=20))
    assert not dark_during(60.17, 24.94, *midsummer_night)  # white nights: twilight only
    assert dark_during(60.17, 24.94, *winter_evening)
