"""Compare page: the same questions through base, RAG, LoRA and LoRA + RAG, scored."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import streamlit as st

from advisor.errors import AdvisorError
from advisor.ui import jobs, state, wording
from advisor.ui.jobs import Job

KEY = "cmp_"
DEMO = Path(__file__).resolve().parents[2] / "demo_corpus"
DEMO_GOLDEN = DEMO / "golden.yaml"
# where the questions come from, by the name the workspace keeps (advisor.workspace)
SOURCES = {
    "demo": "Demo golden set",
    "upload": "Upload a question file",
    "typed": "Type questions",
    "generated": "Generate from my documents",
}


@functools.cache
def _demo_ids() -> dict[str, frozenset[str]]:
    """Each demo document's name and its content ids: the original's and, for those the
    demo updates, the new version's (a demo workspace after "Apply the demo's updates")."""
    from advisor.rag.documents import document_id
    from advisor.rag.pipeline import expand_paths

    ids: dict[str, set[str]] = {}
    for p in expand_paths([DEMO, DEMO / "updates"]):
        ids.setdefault(p.name, set()).add(document_id(p.name, p.read_bytes()))
    return {name: frozenset(found) for name, found in ids.items()}


def demo_loaded(pipeline: Any) -> bool:
    """The workspace holds the demo corpus and nothing else: its documents (by name and
    content, so a file of the user's own named `sla.md` is not one), and none of the
    user's own. Only then is the demo's golden set, about drones and refunds, offered."""
    held = list(pipeline.documents())
    demo = _demo_ids()
    named = [n for n in held if n in demo]
    if not held or len(named) < len(held):
        return False
    stored = pipeline.store.stored_doc_ids(named)
    return all(stored.get(n) in demo[n] for n in named)


def _sources(pipeline: Any) -> tuple[list[str], str]:
    """The question sets offered, and the one chosen: the user's own choice (kept in the
    workspace, so a reload keeps it) when it is still offered; else the demo's golden set
    in a demo workspace, and questions generated from the documents in any other."""
    demo = demo_loaded(pipeline)
    offered = [s for s in SOURCES if s != "demo" or demo]
    chosen = state.question_choice().get("source")
    if chosen in offered:
        return offered, chosen
    return offered, "demo" if demo else "generated"


def _chose() -> None:
    """The radio's change: the user's choice, kept for the next visit (a default is not)."""
    state.choose_questions(source=st.session_state[KEY + "source"])


def _adapters() -> list[Path]:
    folder = state.adapters_dir()
    found = [p for p in folder.glob("*") if (p / "run.json").exists()] if folder.exists() else []
    return sorted(found, reverse=True)


def _question_set(source: str, adapter: Path | None = None) -> Any:
    """The chosen question set; an AdvisorError says what is missing or wrong. Generated
    with an adapter chosen, it follows the adapter's split by fact: its trained facts in
    other words beside facts it never saw."""
    from advisor.compare.questions import generated_questions, read_training_pairs
    from advisor.questionsets.files import load_question_file
    from advisor.questionsets.model import typed_questions

    pipeline = state.pipeline()
    if source == "demo":
        return load_question_file(DEMO_GOLDEN)
    if source == "upload":
        return load_question_file(_uploaded())
    if source == "typed":
        return typed_questions(st.session_state.get(KEY + "typed", "").splitlines())
    chunks = [(c.document, c.heading, c.text) for c in pipeline.store.all_chunks()]
    if not chunks:
        raise AdvisorError("this workspace holds no documents; add some on the documents page")
    trained = [p for p, _ in read_training_pairs(adapter)] if adapter is not None else []
    return generated_questions(chunks, limit=20, trained_prompts=trained)


def _uploads() -> Path:
    return state.settings().data_dir / "uploads" / state.collection()


def _saved_upload() -> Path | None:
    """The question file uploaded before in this workspace (the workspace keeps its name,
    the file is in its uploads), for a reload, where the uploader starts empty."""
    name = state.question_choice().get("file")
    path = _uploads() / name if name else None
    return path if path is not None and path.parent == _uploads() and path.is_file() else None


def _uploaded() -> Path:
    """The question file uploaded now, saved in the workspace's uploads and remembered;
    or the one uploaded before."""
    upload = st.session_state.get(KEY + "upload")
    if upload is None:
        saved = _saved_upload()
        if saved is None:
            raise AdvisorError("choose a question file (YAML or CSV) first")
        return saved
    folder = _uploads()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(upload.name).name
    if not path.exists() or path.read_bytes() != upload.getvalue():
        path.write_bytes(upload.getvalue())
    state.choose_questions(source="upload", file=path.name)
    return path


def _typed() -> None:
    state.choose_questions(source="typed", typed=st.session_state[KEY + "typed"])


def _start(questions: Any, adapter: Path | None, arms: list[str], k: int) -> None:
    from advisor.advice import cost_inputs, folder_prices
    from advisor.compare.estimate import remember, setup_key
    from advisor.compare.history import save_latest
    from advisor.compare.runner import run_comparison
    from advisor.compare.session import build_plan

    settings = state.settings()
    rules = state.rules_or_error()
    inputs = cost_inputs(rules, state.answers()) if rules else None
    plan = build_plan(
        settings, questions=questions, adapter=adapter, arms=arms, k=k,
        pipeline=state.pipeline(), prices=folder_prices(rules) if rules else None,
        serving=(inputs.base_serving, inputs.tuned_serving) if inputs else
        ("large_api", "small_api_finetuned"),
    )  # fmt: skip

    def work(job: Job) -> Any:
        run = run_comparison(plan, job.report, job.cancel)
        save_latest(run, settings)
        remember(settings.model_cache, setup_key(settings), run)  # the next estimate
        return run

    jobs.start(KEY + "job", Job("compare"), work)


@st.fragment(run_every=1.0)
def _progress() -> None:
    job = jobs.current(KEY + "job")
    if job is None or not (job.running or job.result is not None or job.error):
        return
    done, total, what = job.progress
    if job.running:
        st.progress(min(done / max(total, 1), 1.0), text=f"{done} of {total} answers · {what}")
        if st.button("Cancel comparison", key=KEY + "cancel"):
            job.cancel.set()
    elif job.error:
        st.error(job.error)
    elif st.session_state.get(KEY + "shown") is not job.result:
        st.session_state[KEY + "shown"] = job.result
        st.session_state["compare_run"] = job.result
        st.rerun()  # the whole page: the results below appear without a click


def _setup() -> None:
    pipeline = state.pipeline()
    docs = pipeline.documents()
    st.caption(f"Workspace documents: {len(docs)} · generator `{state.settings().generator}`")
    c1, c2 = st.columns(2)  # room for the arms' chips, whole
    offered, chosen = _sources(pipeline)
    source = c1.radio("Questions", offered, index=offered.index(chosen), key=KEY + "source",
                      format_func=SOURCES.get, horizontal=True, on_change=_chose)  # fmt: skip
    if source == "upload":
        c1.file_uploader(
            "Question file (YAML like golden.yaml, or CSV: question, answer, documents)",
            type=["yaml", "yml", "csv"],
            key=KEY + "upload",
            max_upload_size=state.yaml_upload_mb(),
        )
        saved = _saved_upload()
        if st.session_state.get(KEY + "upload") is None and saved is not None:
            c1.caption(f"Questions from {wording.as_text(saved.name)}, uploaded before (upload "
                       "another to replace it).")  # fmt: skip
    elif source == "typed":
        c1.text_area(
            "One question per line; add `| reference answer` to score it "
            "(How long is the return window? | 45 days). Without one, correctness is n/a.",
            value=state.question_choice().get("typed", ""),  # as typed before a reload
            key=KEY + "typed",
            height=120,
            on_change=_typed,
        )
    from advisor.llm.adapters import label as adapter_label

    adapters = _adapters()
    adapter = c2.selectbox("LoRA adapter", [None, *adapters], key=KEY + "adapter",
                           index=1 if adapters else 0,  # the newest run: just trained
                           format_func=lambda p: "none (base and RAG only)" if p is None
                           else adapter_label(p))  # fmt: skip
    from advisor.compare.arms import REGISTRY

    names = [n for n, a in REGISTRY.items() if adapter is not None or not a.needs_adapter]
    arms = c2.multiselect(
        "Arms",
        names,
        default=names,
        key=KEY + "arms",
        format_func=lambda n: REGISTRY[n].short,
        help=" · ".join(f"{a.short}: {a.label}" for a in REGISTRY.values()),
    )
    k = c2.slider("Chunks retrieved (k)", 1, 10, 5, key=KEY + "k")
    try:
        questions = _question_set(source, adapter)
    except AdvisorError as exc:
        c1.caption(str(exc))
        questions = None
    if questions is not None and questions.questions:
        questions = _first(c1, questions, arms)
    busy = jobs.running(KEY + "job")
    ready = bool(arms) and questions is not None and bool(questions.questions)
    if st.button("Run the comparison", type="primary", disabled=busy or not ready, key=KEY + "run"):
        try:
            _start(questions, adapter, arms, k)
        except AdvisorError as exc:
            st.error(str(exc))


def _first(col, questions: Any, arms: list[str]) -> Any:
    """The "first N questions" choice, and what the run will be: how many questions of
    which kind, through which arms, and how long it will take here."""
    from advisor.compare.estimate import estimate, setup_key
    from advisor.ui.wording import plural

    total = len(questions.questions)
    # a widget per question set: another set starts again at all of its questions
    n = int(col.number_input(
        f"Questions to run (the first N of {total})", 1, total, total,
        key=f"{KEY}first_{questions.sha256[:12]}",
    ))  # fmt: skip
    chosen = questions.first(n)
    qs = chosen.questions
    with_ref = sum(1 for q in qs if q.answer is not None and not q.unanswerable)
    kinds = [f"{with_ref} with a reference answer"]
    if any(q.unanswerable for q in qs):
        kinds.append(f"{sum(q.unanswerable for q in qs)} the documents do not answer")
    if len(qs) - with_ref - sum(q.unanswerable for q in qs):
        kinds.append(f"{len(qs) - with_ref - sum(q.unanswerable for q in qs)} without one (n/a)")
    settings = state.settings()
    guess = estimate(settings.model_cache, setup_key(settings), arms, len(qs))
    answers = len(qs) * len(arms)
    st.caption(
        f"{plural(len(qs), 'question')} ({', '.join(kinds)}) × {plural(len(arms), 'arm')} = "
        f"{plural(answers, 'answer')}. Estimated time: {guess.text}.",
        help="Measured on this machine by the last comparison with this model and device; "
        "the first comparison in a session also loads the models (about 30 s).",
    )
    return chosen


def _results(run: Any) -> None:
    from advisor.compare.figures import (
        arm_stats,
        correctness_figure,
        grid_rows,
        label,
        latency_figure,
        short,
    )
    from advisor.compare.run import to_csv
    from advisor.compare.text import (
        abstention_lines,
        judge_lines,
        paired_lines,
        pct,
        retrieval_and_reader,
    )

    agg = run.aggregates
    if run.status != "complete":
        st.warning(f"This run was {run.status}: it shows the {len(run.cells)} answers done.")
    _headline(agg.get("headline"))
    _effect(run)
    cols = st.columns(len(run.arms))
    for col, arm in zip(cols, run.arms, strict=True):
        s = agg["arms"].get(arm, {})
        col.metric(short(arm), pct(s.get("correct"), False),
                   help=f"{label(arm)}. 95% interval {pct(s.get('correct'))}; F1 {pct(s.get('f1'), False)}; "
                   f"grounded {pct(s.get('groundedness'), False)}; {s.get('seconds', 0):.2f} s "
                   "per answer")  # fmt: skip
    st.caption(
        f"{agg.get('disagreements', 0)} of {agg.get('questions_scored', 0)} questions "
        f"split the arms; {agg.get('all_fail', 0)} failed everywhere. Models: "
        + ", ".join(f"{a}: {m}" for a, m in run.models.items())
    )
    sentence = retrieval_and_reader(run)
    if sentence:
        st.markdown(f"**{sentence}**")
    retrieval = agg.get("retrieval") or {}
    if retrieval.get("context_recall"):
        st.caption(
            f"Context recall {pct(retrieval['context_recall'])}: the share of questions whose "
            f"top {retrieval.get('k')} chunks held the answer itself, not just a chunk of the "
            "right document."
        )
    st.dataframe(
        [
            {
                "arm": label(arm),
                "exact match": pct(s.get("exact"), False),
                "token F1": pct(s.get("f1"), False),
                "correct where retrieval held the answer": pct(s.get("reader_correct")),
                "echoes (scored wrong)": s.get("echoes", 0),
            }
            for arm in run.arms
            if (s := agg["arms"].get(arm))
        ],
        hide_index=True,
        key=KEY + "scores",
    )
    st.caption(
        "Exact match and F1 stand beside published figures; an echo is an answer that only "
        "repeated the question, the prompt or the passages: scored wrong, never grounded."
    )
    pairs = paired_lines(run)
    if pairs and all("not applicable" in line for line in pairs[1:]):
        # no pair has enough questions: one line says so, not one per pair of arms
        pairs = [f"Paired differences between arms: {pairs[1].split(': ', 1)[1]}"]
    measured = [line.strip() for line in abstention_lines(run) + pairs + judge_lines(run)]
    if measured:
        with st.container(border=True, key=KEY + "measured"):
            for line in measured:
                st.markdown(line if line.endswith(":") else f"- {line}")
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(correctness_figure(arm_stats(run)), width="stretch", key=KEY + "fig1")
    c2.plotly_chart(latency_figure(run), width="stretch", key=KEY + "fig2")
    only = st.radio("Show", ["all", "disagree", "fail"], horizontal=True, key=KEY + "only",
                    format_func={"all": "every question", "disagree": "arms disagree",
                                 "fail": "every arm failed"}.get)  # fmt: skip
    st.caption(LEGEND)
    rows = grid_rows(run, only)
    # as tall as its rows (a header and 35 px a row), scrolling past twelve
    st.dataframe(rows, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(rows)),
                 column_config={"id": None, **{a: st.column_config.TextColumn(short(a), help=label(a),
                                width="medium") for a in run.arms}})  # fmt: skip
    _detail(run)
    d1, d2 = st.columns(2)
    import json

    d1.download_button(
        "Download the run (JSON)",
        json.dumps(run.to_dict(), indent=1),
        "compare.json",
        "application/json",
        key=KEY + "dl_json",
    )
    d2.download_button(
        "Download the grid (CSV)", to_csv(run), "compare.csv", "text/csv", key=KEY + "dl_csv"
    )


LEGEND = (
    "**correct**: the answer holds the reference's key facts (every number, time and "
    "code, and every other word), not counting words the question already has; an echo "
    "of the question, prompt or passages is wrong, and on a question the documents do not "
    "answer, withholding is right · **F1**: word overlap with the reference · "
    "**grounded**: share of the answer's words found in the retrieved passages · "
    "**trained**: asked as the adapter was trained · **paraphrase**: a trained fact in "
    "other words · **unseen**: a fact the adapter never trained on · **n/a**: no reference"
)


def _headline(head: dict[str, Any] | None) -> None:
    """The verdict of the run: a winner only when the paired interval excludes zero, read on
    the questions the adapter did not train on when they are labelled; the figures behind
    it below, and the trained questions beside it (what memorising looks like)."""
    from advisor.compare.text import headline_parts, trained_line

    if head is None:
        st.subheader("No reference answers: read the answers side by side below")
        return
    title, figures = headline_parts(head)
    st.subheader(title, anchor=False)
    said = [figures[:1].upper() + figures[1:] + "." if figures else "", trained_line(head) or ""]
    if any(said):
        st.caption(" ".join(s for s in said if s), help=HEADLINE_HELP)


HEADLINE_HELP = (
    "An arm is named most correct only when the paired 95% interval of its difference from "
    "every other arm (the same questions in both, resampled together) excludes zero. With "
    "questions labelled trained / paraphrase / unseen, the headline reads the paraphrase "
    "and unseen ones: the questions a user asks, not the adapter's own training wording."
)


def _effect(run: Any) -> None:
    """One sentence on what this run does to the verdict, linked to the questionnaire."""
    from advisor.advice import measured_effect
    from advisor.compare.text import headline_pair

    rules = state.rules_or_error()
    if rules is None:
        return
    facts = state.evidence()
    try:
        effect = measured_effect(
            rules, state.answers(), evidence=facts, prices=state.price_sheet(rules),
            cost_overrides=state.cost_overrides(),
        )  # fmt: skip
    except AdvisorError as exc:
        st.error(str(exc))
        return
    with st.container(border=True, key=KEY + "effect"):
        st.markdown("**On the verdict:** " + effect.sentence(facts, headline_pair(run)))
        state.page_link("questionnaire", "See the verdict, with the measured rules")


def _detail(run: Any) -> None:
    from advisor.compare.figures import MARK, label

    ids = [r.id for r in run.rows]
    pick = st.selectbox(
        "Look closer at a question",
        ids,
        key=KEY + "pick",
        format_func=lambda i: next(r.question for r in run.rows if r.id == i),
    )
    row = next(r for r in run.rows if r.id == pick)
    st.markdown(
        f"**Reference:** {row.reference or '(none)'} · documents: "
        f"{', '.join(row.documents) or '(none)'} · {row.relation or 'no adapter'}"
    )
    for col, arm in zip(st.columns(len(run.arms)), run.arms, strict=True):
        cell = run.cell(row.id, arm)
        if cell is None:
            continue
        col.markdown(f"**{label(arm)}** {MARK[cell.correct]}")
        col.markdown(wording.as_text(cell.answer))  # model output, never read as markdown
        scores = {k: getattr(cell, k) for k in ("f1", "groundedness", "citation_hit")}
        col.caption(" · ".join(f"{k} {v:.2f}" for k, v in scores.items() if v is not None))
    if row.retrieved:
        with st.expander(f"The {len(row.retrieved)} chunks both retrieval arms saw"):
            for s in row.retrieved:
                st.markdown(f"**[{s.n}] {s.document}** {s.heading}")
                st.text(s.text[:600])


def render() -> None:
    st.title("Side by side on your documents")
    st.caption(
        "The same questions through the model alone, the model with retrieval (RAG), "
        "the LoRA adapter, and the adapter with retrieval. Every answer is scored "
        "against the reference; intervals are 95% bootstrap."
    )
    _setup()
    _progress()
    if "compare_run" not in st.session_state:  # a reload keeps the workspace's last run
        from advisor.compare.history import load_latest

        try:
            st.session_state["compare_run"] = load_latest(state.settings(), state.collection())
        except AdvisorError as exc:
            st.warning(f"The last saved comparison could not be read: {exc}")
            st.session_state["compare_run"] = None
    run = st.session_state.get("compare_run")
    if run is not None:
        _results(run)
        from advisor.ui import compare_history

        compare_history.render()  # earlier runs of this workspace, and a diff of two
        from advisor.ui import compare_change

        compare_change.render(run)  # what goes stale, what a fine-tune cannot forget
