"""Fine-tune (LoRA) page: review the pairs, train with a live loss chart, ask the adapter."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import streamlit as st

from advisor.errors import AdvisorError
from advisor.ui import finetune_export, jobs, state, wording
from advisor.ui.jobs import Job

KEY = "ft_"
DEMO = Path(__file__).resolve().parents[2] / "demo_corpus"
MIN_PAIRS = 10  # split_pairs needs this many for an 80/10/10 split
ARMS = (("lora", "Without retrieval (LoRA alone)"), ("lora_rag", "With retrieval (LoRA + RAG)"))


def _job() -> Job | None:
    return jobs.current(KEY + "job")


def _pairs():
    """The pairs this workspace can train on, or None after saying why there are none."""
    from advisor.finetune.pairs import pairs_from_facts, pairs_from_golden, split_pairs

    pipeline = state.pipeline()
    docs = set(pipeline.documents())
    chunks = pipeline.store.all_chunks() if docs else []
    # The passages let a share of the examples be retrieval-style (the RAG prompt with a
    # cited answer), so the LoRA + RAG arm is trained for the prompt it is asked with.
    passages: dict[str, list[str]] = {}
    for c in chunks:
        passages.setdefault(c.document, []).append(c.text)
    # The demo's golden questions, where every document they need is in this workspace.
    golden = [
        p
        for p in pairs_from_golden(DEMO / "golden.yaml", passages)
        if set(p.source.split(", ")) <= docs
    ]
    if len(golden) >= MIN_PAIRS:
        return split_pairs(golden, method="golden")
    pairs = pairs_from_facts(chunks) if docs else []
    if len(pairs) < MIN_PAIRS:
        st.info(wording.pairs_message(len(pairs), MIN_PAIRS))
        return None
    return _within_budget(pairs)


def _within_budget(pairs):
    """As many of the documents' facts as a run of DEFAULT_MINUTES fits here, by the same
    estimate the CLI's --minutes uses (loading and the learned-facts check counted)."""
    from advisor.finetune.estimate import DEFAULT_MINUTES, duration, estimate, fit_budget
    from advisor.finetune.pairs import split_pairs
    from advisor.finetune.train import TrainConfig

    settings = state.settings()

    def guess(chosen):
        split = split_pairs(chosen, method="facts")
        return estimate(
            settings.model_cache, split, TrainConfig(), settings.base_model, settings.device
        )

    budget = fit_budget(pairs, DEFAULT_MINUTES * 60, guess)
    st.caption(
        f"{wording.plural(budget.available, 'fact')} with short answers could be trained on; "
        f"{budget.facts} fit in about {duration(DEFAULT_MINUTES * 60)} here. The other half "
        "of the documents' facts is never trained on: the comparison asks them as unseen."
    )
    return split_pairs(budget.pairs, method="facts")


def _start(split) -> None:
    """Start training (a button callback: it runs before the page, so the page already
    shows the Train button disabled)."""
    from advisor.compare.learned import checker
    from advisor.finetune.train import QUICK_STEPS, TrainConfig, train_lora

    epochs, rank = int(st.session_state[KEY + "epochs"]), int(st.session_state[KEY + "rank"])
    quick = st.session_state.get(KEY + "preset") == "quick"
    config = TrainConfig(
        epochs=1 if quick else epochs,
        max_steps=QUICK_STEPS if quick else None,
        rank=rank,
        alpha=2 * rank,
    )
    out = state.adapters_dir() / time.strftime("run-%Y%m%d-%H%M%S")
    settings = state.settings()  # this session's base model, the process's device

    def work(job: Job) -> Any:
        return train_lora(
            split,
            out,
            settings.model_cache,
            config,
            job.reports.append,
            job.cancel,
            base_model=settings.base_model,
            device=settings.device,
            check=None if quick else checker(settings.model_cache),
        )

    def failed(exc: Exception) -> str:
        return f"Training failed: {(str(exc) or type(exc).__name__).splitlines()[0]}"

    jobs.start(KEY + "job", Job("train", quick=quick), work, failed)
    st.session_state.pop(KEY + "answers", None)  # answers of an older adapter


def _loss_figure(train: list[tuple[int, float]], val: list[tuple[int, float]]):
    """The one loss chart (advisor.compare.figures), shared with the report."""
    from advisor.compare.figures import loss_figure

    return loss_figure(train, val)


def _curves(reports: list[Any]) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    train = [(r.step, r.loss) for r in reports if r.phase != "checking"]
    val = [(r.step, r.eval_loss) for r in reports if r.eval_loss is not None]
    return train, val


def _progress() -> None:
    """The run's progress; a fragment that refreshes itself every second while training
    runs (and only then: a finished run's chart need not be redrawn every second)."""
    job = _job()
    st.fragment(_progress_body, run_every=1.0 if job is not None and job.running else None)()


def _progress_body() -> None:
    job = _job()
    if job is None:
        return
    from advisor.finetune.estimate import duration

    last = job.reports[-1] if job.reports else None
    if last and job.running and job.cancel.is_set():
        st.progress(last.step / last.total_steps, text="Cancelling: stopping after this step...")
    elif last and last.phase == "checking":
        st.progress(1.0, text="Checking what the adapter learned (its facts, asked again)...")
    elif last:
        st.progress(
            last.step / last.total_steps,
            text=f"step {last.step}/{last.total_steps} · loss {last.loss:.3f} · "
            f"{last.tokens_per_second:,.0f} tokens/s · ETA {duration(last.eta_seconds)}",
        )
        train, val = _curves(job.reports)
        st.plotly_chart(_loss_figure(train, val), width="stretch", key=KEY + "loss")
        if wording.overfitting(train, val):
            st.warning(
                "Overfitting: the validation loss went up while the training loss kept "
                "going down. The adapter is memorising its training pairs rather than "
                "learning what carries over to new questions; fewer epochs would do better."
            )
    elif job.running:
        st.progress(0.0, text="Loading the base model...")
    if job.running:
        st.button(
            "Cancelling..." if job.cancel.is_set() else "Cancel training",
            key=KEY + "cancel",
            on_click=job.cancel.set,
            disabled=job.cancel.is_set(),
        )
        return
    if not job.shown_done:
        # The thread has ended: rerun the whole page, not just this fragment, so the
        # Train button comes back and the adapter can be asked.
        job.shown_done = True
        st.rerun(scope="app")
    if job.error:
        st.error(job.error)
    elif job.result is not None:
        from advisor.compare.learned import learned_lines

        run = job.result.run
        done = (
            f"{run['steps']} steps in {duration(run['train_seconds'])}, "
            f"{run['tokens_per_second']:,.0f} tokens/s, peak {run['peak_memory_mb']:,.0f} MB. "
            f"Adapter: {job.result.out.name}"
        )
        if job.result.status == "cancelled":  # neutral: nothing failed, but it is partial
            st.info(
                f"Cancelled: a partial adapter was kept ({done}). It is marked partial "
                f"wherever it is offered; a whole run would take about "
                f"{duration(run['full_run_seconds'])} here."
            )
        elif job.quick:
            st.info(f"Quick check complete ({done}). Too few steps to learn facts.")
        else:
            st.success(f"Complete: {done}")
        if run.get("learned"):
            lines = learned_lines(run["learned"])
            st.markdown(f"**{lines[0]}**")
            st.code("\n".join(lines[1:]), language=None)
        state.set_adapter(job.result.out)


def _last_run(adapter: Path) -> None:
    """What the workspace's last training run left, as the page said when it ended."""
    from advisor.compare.learned import learned_lines
    from advisor.finetune.estimate import duration
    from advisor.llm.adapters import partial_note

    run = state.lora_run() or {}
    took = duration(float(run.get("train_seconds") or 0))
    steps = run.get("steps", "?")
    line = f"Last run in this workspace: adapter {adapter.name}, {steps} steps in {took}"
    partial = partial_note(run)
    if partial:  # neutral, as when it ended: nothing failed, but it is partial
        st.info(f"{line} ({partial}). It is marked partial wherever it is offered.")
    else:
        st.success(line + ".")
    if run.get("learned"):
        lines = learned_lines(run["learned"])
        st.markdown(f"**{lines[0]}**")
        st.code("\n".join(lines[1:]), language=None)


def render() -> None:
    st.title("Fine-tune the same model (LoRA)")
    st.caption(
        "A real LoRA adapter on SmolLM2-135M, trained on your documents on this CPU. "
        "Watch what it memorises, and what it cannot know."
    )
    try:
        split = _pairs()
    except AdvisorError as exc:
        st.error(str(exc))
        return
    if split is not None:
        _train_controls(split)
    _progress()
    job = _job()
    done = job is not None and job.result is not None and not job.running
    last = job.result.out if done else None
    if job is None:  # a reload, or the link opened elsewhere: the workspace's last run
        last = state.adapter()
        if last is not None:
            _last_run(last)
    if last is not None:
        _ask(last)
    if job is None or not job.running:  # a run being written is not exported
        finetune_export.render(last)


def _train_controls(split) -> None:
    st.markdown(
        f"**{wording.plural(len(split.train), 'training pair')}** ({split.method}, including "
        f"{split.rephrased} rewordings of its questions, {split.general} general-purpose and "
        f"{split.rag_examples} retrieval-style), {len(split.val)} validation, "
        f"{len(split.test)} test. Each fact is taught in several phrasings, as fine-tuning "
        "needs to absorb it; held-out paraphrases and the test facts check what it learned."
    )
    st.dataframe(
        [p.as_json() for p in split.train],
        hide_index=True,
        width="stretch",
        height=200,
        column_config={
            "prompt": st.column_config.TextColumn("Prompt", width="large"),
            "completion": st.column_config.TextColumn("Completion", width="large"),
        },
    )
    from advisor.finetune.train import QUICK_STEPS

    job = _job()
    st.radio(
        "Run",
        ["full", "quick"],
        format_func={
            "full": "Full run: learns the pairs (the epochs below)",
            "quick": f"Quick check: {QUICK_STEPS} steps, to see a run through (learns little)",
        }.get,
        key=KEY + "preset",
        horizontal=True,
    )
    quick = st.session_state.get(KEY + "preset") == "quick"
    c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
    c1.number_input("Epochs", 1, 50, 4, key=KEY + "epochs", disabled=quick)
    c2.selectbox("LoRA rank", [8, 16], index=1, key=KEY + "rank")
    st.caption(f"Estimated time: {_estimate(split, quick).text}")
    c3.button(
        "Train",
        disabled=bool(job and job.running),
        key=KEY + "train",
        on_click=_start,
        args=(split,),
    )


def _estimate(split, quick: bool):
    """How long the run set up above will take here (from the last run on this machine)."""
    from advisor.finetune.estimate import estimate
    from advisor.finetune.train import QUICK_STEPS, TrainConfig

    epochs = 1 if quick else int(st.session_state.get(KEY + "epochs", 4))
    config = TrainConfig(epochs=epochs, max_steps=QUICK_STEPS if quick else None)
    settings = state.settings()
    return estimate(settings.model_cache, split, config, settings.base_model, settings.device)


def _ask(adapter: Path) -> None:
    from advisor.llm.adapters import label

    st.subheader("Ask the adapter")
    name = label(adapter)
    st.caption(
        f"Adapter {name}: the same question, answered once without and once with retrieval."
        + (" A partial adapter answers as far as it was trained." if "partial" in name else "")
    )
    with st.form(KEY + "ask_form", border=False):
        q = st.text_input(
            "Question", key=KEY + "question", placeholder="Who is the safety officer?"
        )
        asked = st.form_submit_button("Ask both", key=KEY + "answer")
    area = st.empty()  # the answers' place: a new question clears the old ones at once
    if asked:
        if not q.strip():
            area.warning("Type a question first.")
            return
        st.session_state.pop(KEY + "answers", None)
        with area, st.spinner("Answering without and with retrieval"):
            _answer_both(adapter, q)
    saved = st.session_state.get(KEY + "answers")
    if saved and saved["adapter"] == str(adapter):
        with area.container():
            _show_answers(saved)


def _answer_both(adapter: Path, question: str) -> None:
    """Both answers into the session (they outlive reruns: the two stay side by side)."""
    from advisor.compare.arms import answer_arm
    from advisor.llm.lora import LoraGenerator

    gens = st.session_state.setdefault(KEY + "lora", {})
    pipeline = state.pipeline()
    try:
        key = f"{adapter}|{state.settings().base_model or ''}"
        if key not in gens:  # loaded once per adapter, base model and session
            gens[key] = LoraGenerator.for_settings(adapter, state.settings())
        answers = {
            arm: answer_arm(arm, question, pipeline, pipeline.generator, gens[key])
            for arm, _ in ARMS
        }
    except AdvisorError as exc:
        st.error(str(exc))
        return
    st.session_state[KEY + "answers"] = {
        "adapter": str(adapter),
        "question": question,
        "answers": answers,
    }


def _show_answers(saved: dict[str, Any]) -> None:
    st.caption(f"Q: {wording.as_text(saved['question'])}")
    for col, (arm, label) in zip(st.columns(2), ARMS, strict=True):
        answer = saved["answers"][arm]
        with col.container(border=True, key=KEY + "answer_" + arm):
            st.markdown(f"**{label}**")
            st.markdown(wording.as_text(answer.text))
            docs = wording.unique_documents(answer.sources)
            st.caption(
                f"{answer.backend} · "
                + (
                    f"sources: {', '.join(docs)}"
                    if docs
                    else "no retrieval: from the weights alone"
                )
            )
