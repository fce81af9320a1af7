"""Restating by meaning: a small cross-encoder that reads the customer's words and the reply together.

The rules of :mod:`tutor.scoring.restating` see words, synonyms and moves; on
wording nobody here wrote they miss restatements in new words and pass
replies that share the customer's nouns but say something else. This model
was fine-tuned on the labelled development replies (``python -m
benchmarks.train_meaning``) from all-MiniLM-L6-v2 and reads the pair
("what the customer said", "what the trainee said") the way a BERT
classifier does, returning the probability that the reply restates the
concern. The paraphrase decision averages it with the rules' fitted
probability: the two are wrong on different replies.

The weights ship inside this package (``data/meaning.npz``, int8 matrices
with one scale per row); the forward pass is plain numpy, so no torch is
needed, and the tokenizer is the ``tokenizers`` library reading the
``tokenizer.json`` stored in the same file. Nothing is downloaded.
"""

from __future__ import annotations

import threading
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np

from tutor.errors import ModelError
from tutor.scenarios import Scenario
from tutor.scoring.complaint import complaint_of

__all__ = ["MeaningModel", "customer_words", "layer_norm", "load_meaning_model", "meaning_model"]

WEIGHTS_FILE: Final = "meaning.npz"
MAX_FILE_BYTES: Final = 200_000_000  # the shipped file is about 21 MB
EPSILON: Final = 1e-12


class MeaningModel:
    """(customer's words, reply) -> probability that the reply restates the customer's concern."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        from tokenizers import Tokenizer  # imported here: only the scorer's model needs it

        self._arrays = arrays
        try:
            self.layers, self.heads, self.max_tokens = (int(v) for v in arrays["meta"])
            self.tokenizer = Tokenizer.from_str(bytes(arrays["tokenizer"]).decode())
            missing = [name for name in self._weight_names()
                       if name not in arrays and name + ".q" not in arrays]
            if missing:
                raise KeyError(f"no {missing[0]}")
            self.hidden = int(self._w("embeddings.position_embeddings.weight").shape[1])
            self._forward(np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64))  # shapes agree
        except Exception as error:  # a missing array, a bad number or shape, the tokenizer's own error
            raise ModelError(f"the meaning model's file is damaged ({error}); reinstall the tutor") \
                from error
        self.tokenizer.no_padding()
        # the customer's side is cut first, as in training; a reply longer than the budget is cut too
        self.tokenizer.enable_truncation(self.max_tokens, strategy="longest_first")
        self._lock = threading.Lock()  # numpy releases the GIL; one reply at a time keeps memory flat

    def _weight_names(self) -> list[str]:
        """Every weight the forward pass reads (each stored plain or as int8 rows with a scale)."""
        names = [f"embeddings.{n}" for n in ("word_embeddings.weight", "position_embeddings.weight",
                                               "token_type_embeddings.weight", "LayerNorm.weight",
                                               "LayerNorm.bias")]
        per_layer = ("attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense", "intermediate.dense", "output.dense")
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            names += [f"{p}{n}.{part}" for n in per_layer for part in ("weight", "bias")]
            names += [f"{p}{n}.LayerNorm.{part}" for n in ("attention.output", "output")
                      for part in ("weight", "bias")]
        return [*names, "pooler.dense.weight", "pooler.dense.bias", "classifier.weight", "classifier.bias"]

    def _w(self, name: str) -> np.ndarray:
        """A weight as float32: int8 rows times their scale, float16 widened, float32 as stored."""
        quantised = self._arrays.get(name + ".q")
        if quantised is not None:
            out: np.ndarray = quantised.astype(np.float32) * self._arrays[name + ".scale"][:, None]
            return out
        array = self._arrays[name]
        return array if array.dtype == np.float32 else array.astype(np.float32)

    def _embed_rows(self, ids: np.ndarray) -> np.ndarray:
        name = "embeddings.word_embeddings.weight"
        quantised = self._arrays.get(name + ".q")
        if quantised is None:
            whole: np.ndarray = self._w(name)[ids]
            return whole
        rows: np.ndarray = quantised[ids].astype(np.float32) * self._arrays[name + ".scale"][ids][:, None]
        return rows

    def probability(self, customer: str, reply: str) -> float:
        """How likely a trainer would say ``reply`` restates what ``customer`` said (0 to 1)."""
        encoding = self.tokenizer.encode(customer, reply)
        ids = np.asarray(encoding.ids, dtype=np.int64)
        types = np.asarray(encoding.type_ids, dtype=np.int64)
        with self._lock:
            logit = self._forward(ids, types)
        return float(1.0 / (1.0 + np.exp(-logit)))

    def _forward(self, ids: np.ndarray, types: np.ndarray) -> float:
        w = self._w
        length, size = len(ids), self.hidden
        head_size = size // self.heads
        x = (self._embed_rows(ids) + w("embeddings.position_embeddings.weight")[:length]
             + w("embeddings.token_type_embeddings.weight")[types])
        x = layer_norm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."

            def dense(v: np.ndarray, name: str, prefix: str = p) -> np.ndarray:
                out: np.ndarray = v @ w(f"{prefix}{name}.weight").T + w(f"{prefix}{name}.bias")
                return out

            def split(v: np.ndarray) -> np.ndarray:
                return v.reshape(length, self.heads, head_size).transpose(1, 0, 2)

            q, k, v = (split(dense(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(head_size)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(length, size)
            x = layer_norm(x + dense(context, "attention.output.dense"),
                            w(f"{p}attention.output.LayerNorm.weight"),
                            w(f"{p}attention.output.LayerNorm.bias"))
            x = layer_norm(x + dense(_gelu(dense(x, "intermediate.dense")), "output.dense"),
                            w(f"{p}output.LayerNorm.weight"), w(f"{p}output.LayerNorm.bias"))
        pooled = np.tanh(x[0] @ w("pooler.dense.weight").T + w("pooler.dense.bias"))
        return float(pooled @ w("classifier.weight")[0] + w("classifier.bias")[0])


def layer_norm(x: np.ndarray, gain: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """BERT's layer normalisation over the last axis."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: np.ndarray = (x - mean) / np.sqrt(var + EPSILON) * gain + shift
    return out


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU by its tanh form: within 1e-3 of BERT's erf form, at a third of the cost in numpy."""
    out: np.ndarray = 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))
    return out


def customer_words(scenario: Scenario) -> str:
    """What the model reads as the customer's side: their sentences as said, in order."""
    return " ".join(complaint_of(scenario).raw_sentences)


@cache
def meaning_model() -> MeaningModel:
    """The shipped model, loaded once per process (about a second; see the README for its cost)."""
    with resources.as_file(resources.files("tutor.scoring") / "data" / WEIGHTS_FILE) as path:
        return load_meaning_model(path)


def load_meaning_model(path: Path) -> MeaningModel:
    """A meaning model from its ``.npz`` file; :class:`ModelError` in one line when it is
    missing or damaged, however it is damaged (its size is checked before anything is read)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ModelError(f"the meaning model {path} is {size / 1e6:.0f} MB, more than a meaning "
                             f"model can be ({MAX_FILE_BYTES / 1e6:.0f} MB); reinstall the tutor")
        with np.load(path, allow_pickle=False) as archive:
            arrays: dict[str, Any] = {name: archive[name] for name in archive.files}
    except ModelError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ModelError(f"cannot read the meaning model {path} ({error}); reinstall the tutor") from error
    return MeaningModel(arrays)
