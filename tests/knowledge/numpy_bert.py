"""A reference BERT sentence encoder in plain numpy, to check the llama.cpp vectors against.

It follows sentence-transformers for all-MiniLM-L6-v2: WordPiece tokens between [CLS] and
[SEP], six post-norm transformer layers with exact GELU, the mean of the last hidden states,
scaled to unit length. It is slow and handles plain ASCII text only, which is all tests need.
"""

from __future__ import annotations

import json
import math
import string
from pathlib import Path

import numpy as np

from bot.knowledge.bert_gguf import read_safetensors

_erf = np.vectorize(math.erf)


class NumpyBert:
    def __init__(self, model_dir: Path) -> None:
        self.config = json.loads((model_dir / "config.json").read_text("utf-8"))
        vocab = (model_dir / "vocab.txt").read_text("utf-8").splitlines()
        self.ids = {piece: i for i, piece in enumerate(vocab)}
        self.w = {
            name: np.asarray(data, dtype=np.float64)
            for name, data in read_safetensors(model_dir / "model.safetensors")
            if data.dtype != np.int64
        }

    def tokenize(self, text: str) -> list[int]:
        words = []
        for word in text.lower().split():
            piece = ""
            for char in word:
                if char in string.punctuation:
                    words += [piece, char] if piece else [char]
                    piece = ""
                else:
                    piece += char
            if piece:
                words.append(piece)
        ids = [self.ids["[CLS]"]]
        for word in words:
            ids += self._wordpiece(word)
        return [*ids, self.ids["[SEP]"]]

    def _wordpiece(self, word: str) -> list[int]:
        pieces, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    pieces.append(self.ids[piece])
                    start = end
                    break
            else:
                return [self.ids["[UNK]"]]
        return pieces

    def embed(self, text: str) -> np.ndarray:
        w, heads = self.w, int(self.config["num_attention_heads"])
        ids = self.tokenize(text)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][: len(ids)]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        for layer in range(int(self.config["num_hidden_layers"])):
            p = f"encoder.layer.{layer}."
            q, k, v = (self._dense(x, p + f"attention.self.{n}") for n in ("query", "key", "value"))
            split = [m.reshape(len(ids), heads, -1).transpose(1, 0, 2) for m in (q, k, v)]
            scores = split[0] @ split[1].transpose(0, 2, 1) / math.sqrt(split[0].shape[-1])
            weights = np.exp(scores - scores.max(-1, keepdims=True))
            weights /= weights.sum(-1, keepdims=True)
            attended = (weights @ split[2]).transpose(1, 0, 2).reshape(len(ids), -1)
            x = self._norm(
                x + self._dense(attended, p + "attention.output.dense"),
                p + "attention.output.LayerNorm",
            )
            hidden = self._dense(x, p + "intermediate.dense")
            hidden = 0.5 * hidden * (1 + _erf(hidden / math.sqrt(2)))
            x = self._norm(x + self._dense(hidden, p + "output.dense"), p + "output.LayerNorm")
        pooled = x.mean(axis=0)
        return pooled / np.linalg.norm(pooled)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        eps = float(self.config["layer_norm_eps"])
        centred = x - x.mean(-1, keepdims=True)
        scaled = centred / np.sqrt((centred**2).mean(-1, keepdims=True) + eps)
        return scaled * self.w[name + ".weight"] + self.w[name + ".bias"]
