"""Instruction-response pairs from the user's documents, split 80/10/10 and saved as JSONL."""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from advisor.errors import AdvisorError

GENERAL_PAIRS = Path(__file__).with_name("general_pairs.jsonl")
CHECKS_FILE = "checks.jsonl"  # in an adapter folder: the questions behind "what it learned"
# Seed 003: an adapter trained only on bare question-answer pairs can answer worse when
# given retrieved context. A share of the training pairs is also taught in the RAG prompt,
# so that the LoRA + RAG arm of the comparison is a fair test.
RAG_SHARE = 0.3
MIN_PAIRS = 10  # fewer facts than this cannot show what an adapter learned
_PASSAGE_WORDS = 45  # a context passage: the words from the answer's sentence on
# Fine-tuning absorbs a new fact when it sees the fact in several phrasings (Ovadia et al.
# 2023, "Fine-Tuning or Retrieval?"). Each training fact is also taught in these wordings
# of its question; the held-out paraphrases (a golden `reworded` twin) and the validation
# and test facts never are, so "paraphrase" and "unseen" stay honest. Measured in
# bench/finetune.py: on the demo, 4 epochs of these 5 phrasings state more trained and
# paraphrased facts than 8 epochs of the bare question, in half the tokens.
REPHRASINGS = (
    "Quick question: {q}",
    "{q} Answer briefly.",
    "I need to know this. {q}",
    "Tell me, {lower}",
)


@dataclass(frozen=True)
class Pair:
    prompt: str
    completion: str
    source: str = ""
    # Passage texts: on a retrieval-style example, the numbered context of its prompt;
    # on a bare pair, the passage that holds its answer (to build such examples from).
    context: tuple[str, ...] = ()
    evidence: str = ""
    paraphrase: str = ""  # the same question in other words, never trained (a check)
    phrasing: int = 0  # 0: the question as written; n: its n-th rewording (REPHRASINGS)
    held_out: bool = False  # a fact kept out of training (validation and test only)

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"prompt": self.prompt, "completion": self.completion}
        if self.context:
            data["context"] = list(self.context)
        return data


@dataclass(frozen=True)
class PairSet:
    train: list[Pair]
    val: list[Pair]
    test: list[Pair]
    method: str  # "golden" (a question file) or "facts" (the documents' facts)
    general: int  # general-purpose pairs mixed into train
    rag_examples: int = 0  # retrieval-style examples (context + question -> cited answer)
    rephrased: int = 0  # rewordings of training questions (REPHRASINGS) in train

    def checks(self) -> list[dict[str, str]]:
        """What the adapter is asked after training, to say what it learned: each training
        fact in its own wording (trained), its held-out rewording (paraphrase), and the
        validation and test facts (unseen)."""
        facts = [
            p for p in self.train if not p.phrasing and not p.context and p.source != "general"
        ]
        out = [{"relation": "trained", "question": p.prompt, "answer": p.completion} for p in facts]
        out += [
            {"relation": "paraphrase", "question": p.paraphrase, "answer": p.completion}
            for p in facts
            if p.paraphrase
        ]
        out += [
            {"relation": "unseen", "question": p.prompt, "answer": p.completion}
            for p in self.val + self.test
        ]
        return out

    def data_hash(self) -> str:
        h = hashlib.sha256()
        for split in (self.train, self.val, self.test):
            for p in split:
                h.update(json.dumps(p.as_json(), sort_keys=True).encode())
        return h.hexdigest()[:16]

    def save(self, folder: Path) -> None:
        for name, split in (("train", self.train), ("val", self.val), ("test", self.test)):
            with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as f:
                for p in split:
                    f.write(json.dumps(p.as_json(), ensure_ascii=False) + "\n")
        with (folder / CHECKS_FILE).open("w", encoding="utf-8") as f:
            for row in self.checks():
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


def pairs_from_golden(
    golden_path: Path, passages: dict[str, list[str]] | None = None
) -> list[Pair]:
    """The demo corpus's golden questions, answered in one short sentence each.

    `passages` (document name -> chunk texts) lets each pair know the passage that holds
    its answer, for retrieval-style examples.
    """
    from advisor.questionsets.files import load_question_file
    from advisor.questionsets.model import require

    qs = load_question_file(golden_path)
    require(qs, "answer", why="a training pair is a question and its reference answer")
    reworded = {q.variant_of: q.question for q in qs.questions if q.variant_of}
    passages = passages or {}
    pairs = []
    for q in qs.originals():
        texts = [t for d in q.documents for t in passages.get(d, [])]
        evidence = best_passage(q.answer or "", texts)
        pairs.append(
            Pair(
                q.question,
                f"{q.answer}.",
                ", ".join(q.documents),
                evidence=evidence,
                paraphrase=reworded.get(q.id, ""),
            )
        )
    return pairs


def retrieval_examples(pairs: list[Pair], share: float, rng: random.Random) -> list[Pair]:
    """Context + question -> answer citing [n], for a share of pairs that know their passage.

    The passage that holds the answer sits among one distractor (another pair's passage)
    at a random position, as retrieval would return it.
    """
    usable = [p for p in pairs if p.evidence]
    want = min(len(usable), round(len(pairs) * share))
    if want == 0 or len(usable) < 2:
        return []
    out = []
    for pair in rng.sample(usable, want):
        other = rng.choice([p for p in usable if p.evidence != pair.evidence] or usable)
        held = _around(pair.evidence, pair.completion)
        passages = [held, _around(other.evidence, other.completion)]
        rng.shuffle(passages)
        n = passages.index(held) + 1
        answer = pair.completion.rstrip().rstrip(".")
        out.append(Pair(pair.prompt, f"{answer} [{n}].", pair.source, tuple(passages)))
    return out


def rephrased(pairs: list[Pair], wordings: tuple[str, ...] = REPHRASINGS) -> list[Pair]:
    """Each pair's question again in `wordings` (same answer, same source)."""
    out = []
    for p in pairs:
        lower = p.prompt[:1].lower() + p.prompt[1:]
        out += [
            Pair(w.format(q=p.prompt, lower=lower), p.completion, p.source, phrasing=n)
            for n, w in enumerate(wordings, start=1)
        ]
    return out


def _around(text: str, answer: str) -> str:
    """`_PASSAGE_WORDS` words of a passage from the sentence that states `answer` (its
    start when none does): short enough to train on quickly, and never without the fact
    the example cites."""
    from advisor.words import normalise

    words = text.split()
    want = normalise(answer.rstrip(". "))
    starts = [i for i in range(len(words)) if i == 0 or words[i - 1].endswith((".", "!", "?", ":"))]
    holds = [
        i for i in starts if want and want in normalise(" ".join(words[i : i + _PASSAGE_WORDS]))
    ]
    start = holds[0] if holds else 0
    return " ".join(words[start : start + _PASSAGE_WORDS])


def best_passage(answer: str, passages: list[str]) -> str:
    """The passage sharing most words with the answer (where a golden answer comes from)."""
    want = set(re.findall(r"[a-z0-9]+", answer.lower()))
    if not passages or not want:
        return ""
    return max(passages, key=lambda t: len(want & set(re.findall(r"[a-z0-9]+", t.lower()))))


# Half of a collection's facts may be trained on; the other half never is, so that a
# comparison can ask what the adapter cannot know (advisor.questionsets.generate.held_out).
TRAIN_SHARE = 0.5
HELD_OUT_CHECKS = 0.25  # held-out facts kept for "what it learned", per trained fact


def pairs_from_facts(chunks, seed: int = 0) -> list[Pair]:
    """One pair per checkable fact of the chunks (StoredChunk or Chunk objects: document,
    heading, text): the question a person would ask -> the key in one short sentence.

    Facts come spread over documents and kinds, trainable ones first in that order (a
    fine-tune takes the first N it has time for), then the held-out ones.
    """
    from advisor.questionsets.facts import extract_facts
    from advisor.questionsets.generate import ask_all, held_out, spread

    chunks = list(chunks)
    asked = ask_all(extract_facts((c.document, c.heading, c.text) for c in chunks))
    ordered = spread(asked, len(asked), seed)
    by_doc: dict[str, list[str]] = {}
    for c in chunks:
        by_doc.setdefault(c.document, []).append(c.text)
    pairs = []
    for a in ordered:
        evidence = next(
            (t for t in by_doc.get(a.fact.document, []) if a.fact.key in t),
            a.fact.sentence,
        )
        pairs.append(
            Pair(
                a.question,
                a.answer_sentence,
                a.fact.document,
                evidence=evidence,
                paraphrase=a.paraphrase,
                held_out=held_out(a.fact, TRAIN_SHARE, seed),
            )
        )
    return sorted(pairs, key=lambda p: p.held_out)  # stable: the spread order within each


def first_facts(pairs: list[Pair], n: int) -> list[Pair]:
    """The first `n` trainable facts and the held-out ones their checks need."""
    trainable = [p for p in pairs if not p.held_out]
    held = [p for p in pairs if p.held_out]
    keep = max(2, round(n * HELD_OUT_CHECKS))
    return trainable[:n] + held[:keep]


def split_pairs(
    pairs: list[Pair],
    seed: int = 0,
    general_share: float = 0.15,
    method: str = "golden",
    rag_share: float = RAG_SHARE,
    wordings: tuple[str, ...] = REPHRASINGS,
) -> PairSet:
    """Shuffle and split 80/10/10 by fact; mix general pairs into train (10-20%, seed 004),
    add retrieval-style copies of a `rag_share` of the training pairs (seed 003), and each
    training question again in `wordings` (REPHRASINGS)."""
    if len(pairs) < MIN_PAIRS:
        raise AdvisorError(
            f"Only {len(pairs)} facts with short answers; at least {MIN_PAIRS} are needed to "
            "train and check an adapter. Add documents, or write your own questions as a CSV "
            "with question,answer."
        )
    if not 0 <= general_share <= 0.5:
        raise AdvisorError("general_share must be between 0 and 0.5")
    if not 0 <= rag_share <= 1:
        raise AdvisorError("rag_share must be between 0 and 1")
    rng = random.Random(seed)
    held = [p for p in pairs if p.held_out]
    if held:  # facts: the split is by fact, chosen where the pairs were made
        train = [p for p in pairs if not p.held_out]
        val, test = held[: len(held) // 2], held[len(held) // 2 :]
    else:
        shuffled = pairs[:]
        rng.shuffle(shuffled)
        n_val = max(1, round(len(shuffled) * 0.1))
        n_test = max(1, round(len(shuffled) * 0.1))
        test, val, train = (
            shuffled[:n_test],
            shuffled[n_test : n_test + n_val],
            shuffled[n_test + n_val :],
        )
    general: list[Pair] = []
    if general_share > 0:
        pool = [
            Pair(**json.loads(line), source="general")
            for line in GENERAL_PAIRS.read_text("utf-8").splitlines()
            if line.strip()
        ]
        # a share of the distinct training questions (their rewordings aside)
        want = round(len(train) * general_share / (1 - general_share))
        general = rng.sample(pool, min(want, len(pool)))
    rag = retrieval_examples(train, rag_share, rng)
    again = rephrased(train, wordings)
    mixed = train + again + general + rag
    rng.shuffle(mixed)
    return PairSet(mixed, val, test, method, len(general), len(rag), len(again))


def pairs_for_documents(
    settings, docs: Path | None, collection: str | None
) -> tuple[list[Pair], str, str]:
    """Pairs, the method that made them, and a name for the run.

    A folder with a golden.yaml (the demo corpus) uses its questions; anything else gets
    one pair per checkable fact of its chunks (pairs_from_facts), the held-out facts
    marked.
    """
    from advisor.rag.chunking import chunk_document
    from advisor.rag.documents import LoadError, load_file
    from advisor.rag.pipeline import expand_paths

    if docs is not None:
        chunks = []
        for path in expand_paths([docs]):
            try:
                chunks += chunk_document(
                    load_file(path), settings.chunk_tokens, settings.chunk_overlap
                )
            except LoadError:
                continue  # a bad file is skipped here as in ingestion
        if docs.is_dir() and (docs / "golden.yaml").exists():
            passages: dict[str, list[str]] = {}
            for c in chunks:
                passages.setdefault(c.document, []).append(c.text)
            return pairs_from_golden(docs / "golden.yaml", passages), "golden", docs.name
        if not chunks:
            raise AdvisorError(f"{docs}: no documents to learn from")
        return _facts_or_error(chunks, str(docs)), "facts", docs.stem
    from advisor.rag.store import ChromaStore

    store = ChromaStore(settings.data_dir, collection, settings.chroma_url)
    chunks = store.all_chunks()
    if not chunks:
        raise AdvisorError(f"collection '{collection}' is empty; run `advisor ingest` first")
    return _facts_or_error(chunks, f"collection '{collection}'"), "facts", collection


def _facts_or_error(chunks, where: str) -> list[Pair]:
    pairs = pairs_from_facts(chunks)
    if len([p for p in pairs if not p.held_out]) < MIN_PAIRS // 2 or len(pairs) < MIN_PAIRS:
        raise AdvisorError(
            f"{len(pairs)} facts with short answers were found in {where} (at least "
            f"{MIN_PAIRS} are needed); write your own questions as a CSV with "
            "question,answer, or add documents that state figures, dates and settings"
        )
    return pairs
