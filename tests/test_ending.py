"""ending.held(): ending signals noted while a session's end is written, acted on after."""

import signal

import pytest

from facetension.ending import held


def test_a_signal_while_held_is_noted_and_delivered_at_the_end():
    before = signal.getsignal(signal.SIGINT)
    done = []
    with pytest.raises(KeyboardInterrupt), held() as gate:
        signal.raise_signal(signal.SIGINT)
        done.append("written")  # the held section runs to its end first
    assert done == ["written"] and gate.caught == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before


def test_a_signal_held_without_redelivery_is_left_to_the_holder():
    with held(redeliver=False) as gate:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
    assert gate.caught == [signal.SIGINT, signal.SIGINT]


def test_nothing_held_nothing_raised():
    with held() as gate:
        pass
    assert gate.caught == []
