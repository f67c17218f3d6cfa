from julep_users_double.web.responses import format_timestamp


def test_microseconds_are_written_only_when_there_are_any():
    assert format_timestamp(1795787407511795) == "2026-11-27T13:50:07.511795Z"
    assert format_timestamp(1795787407000000) == "2026-11-27T13:50:07Z"
    assert format_timestamp(1795787407000010) == "2026-11-27T13:50:07.000010Z"
