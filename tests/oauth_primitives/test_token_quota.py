"""The quota header the authority writes is the one the client reads, for any buckets;
and a window ends at the next UTC hour or midnight."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from oauth_primitives.token_quota import (
    Bucket,
    QuotaLimit,
    header_value,
    parse_header,
    reset_after,
    window_end,
)

limits = st.builds(
    QuotaLimit,
    st.sampled_from(Bucket),
    st.integers(1, 2147483647),
    st.integers(0, 2147483647),
    st.integers(1, 86400),
)


@given(st.lists(limits, max_size=2))
def test_what_the_server_writes_the_client_reads(written):
    assert parse_header(header_value(written)) == tuple(written)


def test_other_servers_shapes_are_read_and_unknown_buckets_left_out():
    assert parse_header("per_hour;q=200;r=100;t=3600") == (
        QuotaLimit(Bucket.PER_HOUR, 200, 100, 3600),
    )
    assert parse_header("b=per_minute;q=1;r=0;t=5,b=per_day;q=2;r=x;t=1") == ()
    assert parse_header(None) == () and parse_header("") == ()


@given(st.integers(0, 4_000_000_000), st.sampled_from(Bucket))
def test_a_window_ends_on_the_next_utc_boundary(now, bucket):
    end = window_end(bucket, now)
    assert end % bucket.seconds == 0 and now < end <= now + bucket.seconds
    assert reset_after(bucket, now) == end - now
