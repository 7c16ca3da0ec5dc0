"""Batched greedy generation on the real embedded model gives what one-at-a-time gives.

float32 with left padding and an attention mask matches exactly; bfloat16 does not (its
rounding depends on the batch's shapes), which is one reason the model loads in float32.
Speed is measured by bench/generate.py, never asserted here.
"""

from __future__ import annotations

import pytest

from advisor.llm import registry
from advisor.llm.base import generate_many
from advisor.llm.embedded import generate_batch_with, shared
from advisor.settings import Settings

pytestmark = pytest.mark.slow

CONTEXT = (
    "Context:\n[1] Acme's refund window is 45 days from delivery. Opened units carry a "
    "12 percent restocking fee. Refunds reach the original payment method within 10 "
    "business days of the return being received at the Leeds warehouse.\n\n"
    "Question: How long is the refund window?"
)
PROMPTS = [  # four lengths, in no particular order, so sorting and padding both matter
    [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}],
    [
        {"role": "system", "content": "Answer from the context only."},
        {"role": "user", "content": CONTEXT},
    ],
    [{"role": "user", "content": "Hi."}],
    [{"role": "user", "content": "Give three tips for clear technical documentation."}],
]
TOKENS = 32


@pytest.fixture(scope="module")
def one_at_a_time(model_dir):
    # transformers' batching is what this file tests; the ONNX engine has its own tests
    gen = shared(str(model_dir), "transformers")
    return gen, [gen.generate(m, TOKENS) for m in PROMPTS]


def test_batched_answers_equal_one_at_a_time_in_input_order(model_dir, one_at_a_time):
    _, single = one_at_a_time
    # through the configured generator, as the comparison runner calls it
    batched = generate_many(
        registry.make_generator(Settings(data_dir=model_dir, engine="transformers")),
        PROMPTS,
        TOKENS,
    )
    assert [b.text for b in batched] == [s.text for s in single]
    assert [b.tokens for b in batched] == [s.tokens for s in single]
    assert len({s.text for s in single}) == 4 and all(s.text for s in single)
    assert any(s.tokens < TOKENS for s in single)  # one stopped at EOS, before the budget
    # one batch of four: each answer is charged a quarter of its wall time
    assert len({b.seconds for b in batched}) == 1 and batched[0].seconds > 0
    assert all(b.backend == "embedded:SmolLM2-135M-Instruct" for b in batched)


def test_uneven_batches_sorted_by_length_keep_the_input_order(one_at_a_time):
    gen, single = one_at_a_time
    batched = generate_batch_with(gen.tok, gen.model, PROMPTS, TOKENS, gen.name, batch_size=3)
    assert [b.text for b in batched] == [s.text for s in single]
    assert [b.tokens for b in batched] == [s.tokens for s in single]
    assert len({b.seconds for b in batched}) == 2  # a batch of three and a batch of one
    assert generate_batch_with(gen.tok, gen.model, [], TOKENS, gen.name) == []
