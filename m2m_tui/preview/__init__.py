"""What the authority would do, worked out before it is asked: the next token and the
API's answer to it (`next_token`), and one Action tried on a sample event
(`action_trial`)."""
