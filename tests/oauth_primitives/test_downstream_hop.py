"""The hop link as the API writes it and the client reads it (RFC 8288)."""

from __future__ import annotations

from oauth_primitives.downstream_hop import REL, link_header, link_targets


def test_what_the_api_writes_the_client_reads():
    assert link_targets(link_header("/api/directions/hops/abc")) == ["/api/directions/hops/abc"]


def test_links_are_picked_by_rel_among_others_and_without_case():
    header = (
        '</next?a=1,2>; rel="next", <https://x.example/s>; title="a, b; c"; rel=describedby, '
        f'</api/directions/hops/k>; rel="preload {REL.upper()}"'
    )
    assert link_targets(header) == ["/api/directions/hops/k"]
    assert link_targets(header, "next") == ["/next?a=1,2"]
    assert link_targets(header, "describedby") == ["https://x.example/s"]


def test_no_header_or_a_malformed_link_yields_nothing():
    assert link_targets(None) == [] and link_targets("") == []
    assert link_targets(f'/api/directions/hops/k; rel="{REL}"') == []  # no <...>
    assert link_targets("</api/directions/hops/k>") == []  # no rel
