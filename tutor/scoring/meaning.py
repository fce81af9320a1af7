"""Restating by meaning: a small cross-encoder that reads the customer's words and the reply together.

The rules of :mod:`tutor.scoring.restating` see words, synonyms and moves; on
wording nobody here wrote they miss restatements in new words and pass
replies that share the customer's nouns but say something else. This model
was fine-tuned on the labelled development replies (``python -m
benchmarks.train_meaning``) from all-MiniLM-L6-v2 and reads the pair
("what the customer said", "what the trainee said") the way a BERT
classifier does, returning the probability that the reply restates the
concern. It keeps half of each layer's feed-forward units (the busiest; ``--ffn-width``), which
costs a third less a reply and was no less often right on held-out replies. The paraphrase
decision weighs it with the rules' fitted
probability (:func:`tutor.scoring.paraphrase.restating_decision`): the two are
wrong on different replies.

The customer's tokens attend only to each other, while [CLS] and the reply's
tokens attend to everything (the model was trained with that mask). So the
customer's side is read once per complaint, while the customer speaks, and a
reply costs only its own 20 or so word pieces, not the 110 of the pair; each
side is cut to its own budget, so the customer's reading never depends on
the reply.

The weights ship inside this package (``data/meaning.npz``, int8 matrices
with one scale per row); the forward pass is plain numpy, so no torch is
needed, and the tokenizer is the ``tokenizers`` library reading the
``tokenizer.json`` stored in the same file. Nothing is downloaded.
"""

from __future__ import annotations

import math
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, reduce
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np

from tutor.errors import ModelError
from tutor.scenarios import Scenario
from tutor.scoring.complaint import complaint_of

__all__ = ["MeaningModel", "customer_words", "layer_norm", "load_meaning_model", "meaning_model"]

WEIGHTS_FILE: Final = "meaning.npz"
MAX_FILE_BYTES: Final = 200_000_000  # the shipped file is about 18 MB
EPSILON: Final = 1e-12
PREPARED_COMPLAINTS: Final = 4  # customers kept read; each is 1-4 MB of keys and values
# An int8 matrix is widened to float32 this many values at a time, into one buffer kept for the
# model's life (256 KB). Widened whole, each matrix was a new 0.6-2.4 MB array: with the service's
# MALLOC_MMAP_THRESHOLD_ every one of those is mapped from the kernel and faulted in page by page,
# which tripled a reply's time here (see the README's "Cost"), and on a Pi 4 it would not stay in
# the 1 MB L2 cache the four cores share, so the product would read it back from memory.
WIDENED_VALUES: Final = 65_536


class MeaningModel:
    """(customer's words, reply) -> probability that the reply restates the customer's concern.

    The customer's tokens attend only to each other (the model was trained that way), so
    their keys and values at every layer depend on the customer alone: :meth:`prepare`
    computes them once per complaint, and a reply then costs only its own tokens (about
    20 word pieces against the customer's 90).
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        from tokenizers import Tokenizer  # imported here: only the scorer's model needs it

        self._arrays = arrays
        self._widened = np.empty(WIDENED_VALUES, dtype=np.float32)  # used under the lock only
        try:
            self.layers, self.heads, self.customer_tokens, self.reply_tokens = (
                int(v) for v in arrays["meta"])
            self.tokenizer = Tokenizer.from_str(bytes(arrays["tokenizer"]).decode())
            self._cls, self._sep = (self._token_id(t) for t in ("[CLS]", "[SEP]"))
            missing = [name for name in self._weight_names()
                       if name not in arrays and name + ".q" not in arrays]
            if missing:
                raise KeyError(f"no {missing[0]}")
            self._reply_pass(self._customer_pass([self._sep]), [self._sep])  # the shapes agree
        except Exception as error:  # a missing array, a bad number or shape, the tokenizer's own error
            raise ModelError(f"the meaning model's file is damaged ({error}); reinstall the tutor") \
                from error
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()  # the two sides are cut separately (see split_pieces)
        self._lock = threading.Lock()  # numpy releases the GIL; one reply at a time keeps memory flat
        self._prepared: OrderedDict[str, _CustomerState] = OrderedDict()

    def _token_id(self, token: str) -> int:
        found = self.tokenizer.token_to_id(token)
        if found is None:
            raise KeyError(f"the tokenizer has no {token}")
        return int(found)

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

    def _vector(self, name: str) -> np.ndarray:
        array = self._arrays[name]
        return array if array.dtype == np.float32 else array.astype(np.float32)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        """``x`` through a linear layer. An int8 matrix is widened but not rescaled: its scale is
        one number per output, applied to the small product instead of the large matrix."""
        bias = self._vector(name + ".bias")
        quantised = self._arrays.get(name + ".weight.q")
        if quantised is None:
            plain: np.ndarray = x @ self._vector(name + ".weight").T + bias
            return plain
        rows, columns = quantised.shape
        step = max(1, WIDENED_VALUES // columns)
        out = np.empty((len(x), rows), dtype=np.float32)
        for start in range(0, rows, step):
            block = self._widened[: min(step, rows - start) * columns].reshape(-1, columns)
            np.copyto(block, quantised[start:start + step], casting="unsafe")
            np.matmul(x, block.T, out=out[:, start:start + step])
        out *= self._arrays[name + ".weight.scale"]
        out += bias
        return out

    def _rows(self, name: str, index: np.ndarray) -> np.ndarray:
        """Some rows of an embedding table as float32 (only those rows are widened)."""
        quantised = self._arrays.get(name + ".q")
        rows: np.ndarray
        if quantised is None:
            rows = self._arrays[name][index].astype(np.float32, copy=False)
            return rows
        rows = quantised[index].astype(np.float32) * self._arrays[name + ".scale"][index][:, None]
        return rows

    def _embed(self, ids: Sequence[int], positions: np.ndarray, token_type: int) -> np.ndarray:
        table = "embeddings.{}_embeddings.weight".format
        x = (self._rows(table("word"), np.asarray(ids, dtype=np.int64))
             + self._rows(table("position"), positions)
             + self._rows(table("token_type"), np.full(len(positions), token_type)))
        return layer_norm(x, self._vector("embeddings.LayerNorm.weight"),
                          self._vector("embeddings.LayerNorm.bias"))

    def split_pieces(self, customer: str, reply: str) -> tuple[list[int], list[int]]:
        """The word pieces of each side without special tokens, each cut to its own budget
        (the customer's end and the reply's end go first), as in training."""
        return self._pieces(customer, self.customer_tokens), self._pieces(reply, self.reply_tokens)

    def _pieces(self, text: str, budget: int) -> list[int]:
        ids: list[int] = self.tokenizer.encode(text, add_special_tokens=False).ids[:budget]
        return ids

    def pair_ids(self, customer: str, reply: str) -> tuple[list[int], int]:
        """The whole input ``[CLS] customer [SEP] reply [SEP]`` and where the reply starts:
        what training feeds the model with the one-sided attention mask."""
        said, answer = self.split_pieces(customer, reply)
        return [self._cls, *said, self._sep, *answer, self._sep], len(said) + 2

    def prepare(self, customer: str) -> None:
        """Compute the customer's side now (tens of ms here, tenths of a second on a Pi), so the
        reply is quick later. The last few complaints are kept; the station calls this while
        the customer speaks."""
        self._state_of(customer)

    def is_prepared(self, customer: str) -> bool:
        """Whether ``customer``'s side is read and kept."""
        with self._lock:
            return customer in self._prepared

    def forget(self) -> None:
        """Drop every complaint read ahead, and the memory they hold."""
        with self._lock:
            self._prepared.clear()

    def _state_of(self, customer: str) -> _CustomerState:
        with self._lock:
            state = self._prepared.get(customer)
            if state is None:
                state = self._customer_pass([*self._pieces(customer, self.customer_tokens), self._sep])
                self._prepared[customer] = state
                while len(self._prepared) > PREPARED_COMPLAINTS:
                    self._prepared.popitem(last=False)
            self._prepared.move_to_end(customer)
            return state

    def probability(self, customer: str, reply: str) -> float:
        """How likely a trainer would say ``reply`` restates what ``customer`` said (0 to 1)."""
        state = self._state_of(customer)
        answer = self._pieces(reply, self.reply_tokens)
        with self._lock:
            logit = self._reply_pass(state, [*answer, self._sep])
        return float(1.0 / (1.0 + np.exp(-logit)))

    def _customer_pass(self, said: Sequence[int]) -> _CustomerState:
        """Every layer's keys and values for the customer's tokens (positions 1 onward, after
        [CLS]); they attend only to each other. Only the keys and values of the last layer are
        ever read, so its new states are not computed."""
        x = self._embed(said, np.arange(1, len(said) + 1), 0)
        keys: list[tuple[np.ndarray, np.ndarray]] = []
        for layer in range(self.layers):
            x, k, v = self._layer(x, layer, None, updated=0 if layer == self.layers - 1 else len(said))
            keys.append((k, v))
        return _CustomerState(len(said), keys)

    def _reply_pass(self, state: _CustomerState, answer: Sequence[int]) -> float:
        """The classifier's logit for [CLS] and the reply's tokens, which attend to everything.
        The classifier reads [CLS] alone, so the last layer updates only [CLS]."""
        start = state.length + 1
        x = np.concatenate([self._embed([self._cls], np.zeros(1, dtype=np.int64), 0),
                            self._embed(answer, np.arange(start, start + len(answer)), 1)])
        for layer in range(self.layers):
            x, _, _ = self._layer(x, layer, state.keys[layer],
                                  updated=1 if layer == self.layers - 1 else len(x))
        pooled = np.tanh(self._dense(x[:1], "pooler.dense"))[0]
        return float(pooled @ self._vector("classifier.weight")[0] + self._vector("classifier.bias")[0])

    def _layer(self, x: np.ndarray, layer: int, also: tuple[np.ndarray, np.ndarray] | None, *,
               updated: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One encoder layer for the tokens ``x``, attending to themselves and to ``also``'s
        keys and values; returns the new states of the first ``updated`` tokens and this
        layer's own keys and values for all of them."""
        p = f"encoder.layer.{layer}."
        size = x.shape[1]
        head_size = size // self.heads

        def split(v: np.ndarray) -> np.ndarray:
            return v.reshape(len(v), self.heads, head_size).transpose(1, 0, 2)

        k, v = (split(self._dense(x, f"{p}attention.self.{n}")) for n in ("key", "value"))
        if not updated:
            return x[:0], k, v
        x = x[:updated]
        q = split(self._dense(x, f"{p}attention.self.query"))
        # the customer's keys and values and the reply's own are weighed apart, not joined: joined,
        # they would be two new arrays over 128 KB a layer (see WIDENED_VALUES)
        sides = [(k, v)] if also is None else [also, (k, v)]
        # a Python float keeps float32 (numpy's float64 scalar would widen all that follows)
        scores = [q @ keys.transpose(0, 2, 1) * (1.0 / math.sqrt(head_size)) for keys, _ in sides]
        top = reduce(np.maximum, [s.max(axis=-1, keepdims=True) for s in scores])
        weights = [np.exp(s - top) for s in scores]
        total = reduce(np.add, [w.sum(axis=-1, keepdims=True) for w in weights])
        context = reduce(np.add, [w @ values for w, (_, values) in zip(weights, sides, strict=True)])
        context = (context / total).transpose(1, 0, 2).reshape(updated, size)
        x = layer_norm(x + self._dense(context, f"{p}attention.output.dense"),
                       self._vector(f"{p}attention.output.LayerNorm.weight"),
                       self._vector(f"{p}attention.output.LayerNorm.bias"))
        x = layer_norm(x + self._dense(_gelu(self._dense(x, f"{p}intermediate.dense")), f"{p}output.dense"),
                       self._vector(f"{p}output.LayerNorm.weight"), self._vector(f"{p}output.LayerNorm.bias"))
        return x, k, v


@dataclass(frozen=True)
class _CustomerState:
    """A complaint as the model has read it: its length in tokens and each layer's keys and values."""

    length: int
    keys: list[tuple[np.ndarray, np.ndarray]]


def layer_norm(x: np.ndarray, gain: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """BERT's layer normalisation over the last axis."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    out: np.ndarray = (x - mean) / np.sqrt(var + EPSILON) * gain + shift
    return out


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU by its tanh form: within 1e-3 of BERT's erf form, at a third of the cost in numpy.
    Worked in one array (the feed-forward's widest, 135 KB for a reply) rather than six, for the
    reason given at :data:`WIDENED_VALUES`; the same operations in the same order, so the same
    numbers as ``0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x**3)))``."""
    out = 0.044715 * x
    out *= x
    out *= x
    out += x
    out *= 0.7978845608
    np.tanh(out, out=out)
    out += 1.0
    out *= x
    out *= 0.5
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
