"""Fine-tune (LoRA) page: review the pairs, train with a live loss chart, ask the adapter."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from advisor.errors import AdvisorError
from advisor.ui import state

KEY = "ft_"
DEMO = Path(__file__).resolve().parents[2] / "demo_corpus"


@dataclass
class TrainJob:
    """A training run in a background thread; the page polls it."""

    cancel: threading.Event = field(default_factory=threading.Event)
    reports: list[Any] = field(default_factory=list)
    result: Any = None
    error: str | None = None
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


def _pairs():
    from advisor.finetune.pairs import pairs_from_chunks, pairs_from_golden, split_pairs

    pipeline = state.pipeline()
    docs = set(pipeline.documents())
    # The demo's golden questions, where every document they need is in this workspace.
    golden = [
        p for p in pairs_from_golden(DEMO / "golden.yaml") if set(p.source.split(", ")) <= docs
    ]
    if len(golden) >= 10:
        return split_pairs(golden, method="golden")
    return split_pairs(pairs_from_chunks(pipeline.store.all_chunks()), method="templates")


def _start(split, epochs: int, rank: int) -> None:
    from advisor.finetune.train import TrainConfig, train_lora

    job = TrainJob()
    out = state.adapters_dir() / time.strftime("run-%Y%m%d-%H%M%S")
    data_dir = state.settings().data_dir

    def work() -> None:
        try:
            job.result = train_lora(
                split,
                out,
                data_dir,
                TrainConfig(epochs=epochs, rank=rank, alpha=2 * rank),
                job.reports.append,
                job.cancel,
            )
        except Exception as exc:
            job.error = str(exc)

    job.thread = threading.Thread(target=work, name="advisor-train", daemon=True)
    job.thread.start()
    st.session_state[KEY + "job"] = job


@st.fragment(run_every=1.0)
def _progress() -> None:
    job: TrainJob | None = st.session_state.get(KEY + "job")
    if job is None:
        return
    last = job.reports[-1] if job.reports else None
    if last:
        st.progress(
            last.step / last.total_steps,
            text=f"step {last.step}/{last.total_steps} · loss {last.loss:.3f} · "
            f"{last.tokens_per_second:.0f} tokens/s · ETA {last.eta_seconds:.0f} s",
        )
        st.line_chart({"train loss": [r.loss for r in job.reports]}, height=220)
    elif job.running:
        st.progress(0.0, text="Loading the base model...")
    if job.running:
        if st.button("Cancel training", key=KEY + "cancel"):
            job.cancel.set()
    elif job.error:
        st.error(job.error)
    elif job.result is not None:
        run = job.result.run
        st.success(
            f"{job.result.status}: {run['steps']} steps in {run['train_seconds']:.0f} s, "
            f"{run['tokens_per_second']:.0f} tokens/s, peak {run['peak_memory_mb']:.0f} MB. "
            f"Adapter: {job.result.out.name}"
        )
        st.session_state["lora_run"] = run


def render() -> None:
    st.title("Fine-tune the same model (LoRA)")
    st.caption(
        "A real LoRA adapter on SmolLM2-135M, trained on your documents on this CPU. "
        "Watch what it memorises, and what it cannot know."
    )
    try:
        split = _pairs()
    except AdvisorError as exc:
        st.info(f"{exc} The RAG page takes uploads and has the demo corpus.")
        return
    st.markdown(
        f"**{len(split.train)} training pairs** ({split.method}, including {split.general} "
        f"general-purpose), {len(split.val)} validation, {len(split.test)} test."
    )
    st.dataframe(
        [p.as_json() for p in split.train], hide_index=True, use_container_width=True, height=200
    )
    job: TrainJob | None = st.session_state.get(KEY + "job")
    c1, c2, c3 = st.columns(3)
    epochs = c1.number_input("Epochs", 1, 50, 8, key=KEY + "epochs")
    rank = c2.selectbox("LoRA rank", [8, 16], index=1, key=KEY + "rank")
    c3.write("")
    if c3.button("Train", disabled=bool(job and job.running), key=KEY + "train"):
        _start(split, int(epochs), int(rank))
    _progress()
    job = st.session_state.get(KEY + "job")
    if job is not None and job.result is not None and not job.running:
        _ask(job.result.out)


def _ask(adapter: Path) -> None:
    from advisor.compare.arms import answer_arm

    st.subheader("Ask the adapter")
    q = st.text_input("Question", key=KEY + "question", placeholder="Who is the safety officer?")
    retrieval = st.toggle("With retrieval (LoRA + RAG)", key=KEY + "retrieval")
    if st.button("Answer with the adapter", key=KEY + "answer"):
        if not q.strip():
            st.warning("Type a question first.")
            return
        gens = st.session_state.setdefault(KEY + "lora", {})
        with st.spinner("Loading the adapter"):
            if str(adapter) not in gens:
                from advisor.llm.lora import LoraGenerator

                gens[str(adapter)] = LoraGenerator(adapter, state.settings().data_dir)
        pipeline = state.pipeline()
        arm = "lora_rag" if retrieval else "lora"
        with st.spinner("Answering"):
            answer = answer_arm(arm, q, pipeline, pipeline.generator, gens[str(adapter)])
        st.markdown(f"**{answer.text}**")
        st.caption(
            f"{arm} · {answer.backend}"
            + (
                f" · sources: {', '.join(s.document for s in answer.sources)}"
                if answer.sources
                else " · no retrieval"
            )
        )
