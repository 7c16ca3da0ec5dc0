"""The check of what an adapter learned keeps the base model's answers in the model cache:
a second run asks the base nothing it was asked before, and its figures are the same."""

from __future__ import annotations

import warnings

from advisor.compare import learned

CHECKS = [
    {"relation": "trained", "question": "Who is the safety officer?", "answer": "Dana Kim"},
    {"relation": "paraphrase", "question": "Name the safety officer.", "answer": "Dana Kim"},
    {"relation": "unseen", "question": "What is the gate code?", "answer": "4711"},
]


def test_a_second_check_asks_the_base_model_nothing_again(
    trained_adapter, model_dir, tmp_path, monkeypatch
):
    from peft import PeftModel

    from advisor.llm import hf_generate
    from advisor.llm.base_model import load_base

    _, result, _ = trained_adapter
    tok, base = load_base(model_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = PeftModel.from_pretrained(base, str(result.out))
    asked: list[str] = []
    real = hf_generate.generate_batch_with

    def counting(tok, model, messages, max_new_tokens, backend, batch_size=8):
        asked.extend([backend] * len(messages))
        return real(tok, model, messages, max_new_tokens, backend, batch_size)

    monkeypatch.setattr(hf_generate, "generate_batch_with", counting)
    check = learned.checker(tmp_path)
    first = check(tok, model, CHECKS)
    assert asked.count("base") == 3 and (tmp_path / learned.BASE_ANSWERS).is_file()
    asked.clear()
    second = check(tok, model, CHECKS)
    assert asked == ["lora"] * 3  # the adapter is asked again; its base is not
    assert first == second
    uncached = learned.check(tok, model, CHECKS)  # no cache: the same figures
    assert uncached == first
