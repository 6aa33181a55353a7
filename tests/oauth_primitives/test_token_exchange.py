"""The act chain, may_act and scope narrowing every side computes alike (RFC 8693)."""

from oauth_primitives.token_exchange import (
    MAX_CHAIN,
    client_subject,
    may_act_allows,
    narrow,
    nest_act,
    read_chain,
)


def test_a_chain_reads_current_actor_first():
    claims = {"act": {"sub": "b@clients", "act": {"sub": "a@clients"}}}
    assert read_chain(claims).actors == ("b@clients", "a@clients")
    assert read_chain({}).actors == () and not read_chain({}).delegated


def test_a_broken_chain_says_why():
    assert read_chain({"act": "b"}).problem == "act is not a JSON object"
    broken = read_chain({"act": {"sub": "b", "act": {"x": 1}}})
    assert broken.problem.startswith("an act has no sub")
    deep: dict = {"sub": "x"}
    for _ in range(MAX_CHAIN + 1):
        deep = {"sub": "x", "act": deep}
    assert "deeper" in read_chain({"act": deep}).problem


def test_nesting_keeps_the_prior_chain_inside():
    subject = {"sub": "gift@clients", "act": {"sub": "a@clients"}}
    act = nest_act(client_subject("wm"), subject)
    assert act == {"sub": "wm@clients", "act": {"sub": "a@clients"}}
    assert nest_act("wm@clients", {"sub": "gift@clients"}) == {"sub": "wm@clients"}


def test_may_act_names_the_actor_or_refuses():
    assert may_act_allows({}, "wm@clients") is None
    assert may_act_allows({"may_act": {"sub": "wm@clients"}}, "wm@clients") is True
    assert may_act_allows({"may_act": {"sub": "other"}}, "wm@clients") is False
    assert may_act_allows({"may_act": "wm@clients"}, "wm@clients") is False


def test_scopes_never_widen():
    granted = ["routes:read", "routes:write"]
    # routes:read is permitted by the subject's directions; routes:write by nothing held
    m = {"routes:read": ["directions"], "routes:write": ["admin"]}
    assert narrow(None, ["directions"], granted, m).issued == ("routes:read",)
    n = narrow(["routes:read", "routes:write", "other"], ["directions"], granted, m)
    assert n.issued == ("routes:read",)
    assert n.widened == ("routes:write",)
    assert n.ungranted == ("other",)
    # without a map, only a scope the subject token itself carries
    assert narrow(None, ["routes:write"], granted).issued == ("routes:write",)
    assert narrow(None, [], granted).issued == ()
