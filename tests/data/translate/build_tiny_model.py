"""Build ``tiny-en_zh.argosmodel``: a real, tiny EN→ZH Argos Translate package for tests.

A build-time tool, not a runtime or test dependency: it needs ``torch==2.13.0`` and
``onnx`` (``pip install torch==2.13.0 onnx==1.23.2``); the package it writes is committed
beside it, so tests never train or download anything. Run from the repository root::

    .venv/bin/python tests/data/translate/build_tiny_model.py

Steps (about 15-30 s on 2 cores):

1. a SentencePiece model trained on the synthetic phrase corpus (``corpus.py``), shared by
   both languages as Argos packages expect (``sentencepiece.model``);
2. a small pre-norm Transformer (2+2 layers, d=64) trained with torch until it reproduces
   every corpus sentence, its layout matching CTranslate2's ``TransformerSpec`` exactly;
3. the weights written into a ``ctranslate2.specs.TransformerSpec`` and saved (``model/``);
4. a MiniSBD sentence splitter (``minisbd/en.onnx``) — argos-translate-lt splits sentences
   with MiniSBD, which would otherwise download a model at run time. The graph is a tiny
   hand-weighted ONNX network in MiniSBD's format (units, features → 5 tag logits): a
   sentence ends at ``. ! ?`` followed by a space or the end of the paragraph;
5. ``metadata.json`` and a zip named ``.argosmodel``; then every corpus sentence is
   translated through ctranslate2 + the packaged tokenizer and checked to be exact.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.data.translate.corpus import pairs  # noqa: E402

OUTPUT = HERE / "tiny-en_zh.argosmodel"
PACKAGE_NAME = "translate-en_zh-tiny"
PACKAGE_VERSION = "0.1-tiny"
D_MODEL, HEADS, FFN, LAYERS, MAX_POS = 64, 4, 128, 2, 512
STEPS, MAX_STEPS, CHECK_EVERY, LR, SEED = 200, 1000, 50, 3e-3, 7


# -- 1. SentencePiece ---------------------------------------------------------------------


def train_sentencepiece(sentences: list[str]) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        vocab_size=320,
        hard_vocab_limit=False,
        character_coverage=1.0,
        model_type="unigram",
        pad_id=3,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


# -- 2. The Transformer (same computation as CTranslate2's pre-norm TransformerSpec) -------


def build_torch_model(vocab_size: int):  # noqa: ANN201 - torch types stay local
    import torch
    from torch import nn

    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(D_MODEL, D_MODEL) for _ in range(4))

        def forward(self, x, memory, mask):  # noqa: ANN001, ANN202
            b, t, _ = x.shape
            s = memory.shape[1]
            dh = D_MODEL // HEADS
            q = self.q(x).view(b, t, HEADS, dh).transpose(1, 2)
            k = self.k(memory).view(b, s, HEADS, dh).transpose(1, 2)
            v = self.v(memory).view(b, s, HEADS, dh).transpose(1, 2)
            scores = (q / math.sqrt(dh)) @ k.transpose(-1, -2) + mask
            out = torch.softmax(scores, dim=-1) @ v
            return self.o(out.transpose(1, 2).reshape(b, t, D_MODEL))

    class FeedForward(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm = nn.LayerNorm(D_MODEL)
            self.w1 = nn.Linear(D_MODEL, FFN)
            self.w2 = nn.Linear(FFN, D_MODEL)

        def forward(self, x):  # noqa: ANN001, ANN202
            return x + self.w2(torch.relu(self.w1(self.norm(x))))

    class EncoderLayer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm = nn.LayerNorm(D_MODEL)
            self.attn = Attention()
            self.ffn = FeedForward()

        def forward(self, x, mask):  # noqa: ANN001, ANN202
            h = self.norm(x)
            return self.ffn(x + self.attn(h, h, mask))

    class DecoderLayer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm1 = nn.LayerNorm(D_MODEL)
            self.self_attn = Attention()
            self.norm2 = nn.LayerNorm(D_MODEL)
            self.cross = Attention()
            self.ffn = FeedForward()

        def forward(self, x, memory, self_mask, cross_mask):  # noqa: ANN001, ANN202
            h = self.norm1(x)
            x = x + self.self_attn(h, h, self_mask)
            x = x + self.cross(self.norm2(x), memory, cross_mask)
            return self.ffn(x)

    class Seq2Seq(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.src_emb = nn.Embedding(vocab_size, D_MODEL)
            self.tgt_emb = nn.Embedding(vocab_size, D_MODEL)
            self.register_buffer("pe", torch.tensor(sinusoids(MAX_POS, D_MODEL)))
            self.encoder = nn.ModuleList(EncoderLayer() for _ in range(LAYERS))
            self.enc_norm = nn.LayerNorm(D_MODEL)
            self.decoder = nn.ModuleList(DecoderLayer() for _ in range(LAYERS))
            self.dec_norm = nn.LayerNorm(D_MODEL)
            self.proj = nn.Linear(D_MODEL, vocab_size)

        def embed(self, emb, ids):  # noqa: ANN001, ANN202
            return emb(ids) * math.sqrt(D_MODEL) + self.pe[: ids.shape[1]]

        def forward(self, src, src_pad, tgt_in):  # noqa: ANN001, ANN202
            neg = torch.finfo(torch.float32).min
            key_mask = torch.zeros(src_pad.shape, dtype=torch.float32).masked_fill(src_pad, neg)
            key_mask = key_mask[:, None, None, :]
            x = self.embed(self.src_emb, src)
            for layer in self.encoder:
                x = layer(x, key_mask)
            memory = self.enc_norm(x)
            t = tgt_in.shape[1]
            causal = torch.triu(torch.full((t, t), neg), diagonal=1)[None, None]
            y = self.embed(self.tgt_emb, tgt_in)
            for layer in self.decoder:
                y = layer(y, memory, causal, key_mask)
            return self.proj(self.dec_norm(y))

    return Seq2Seq()


def sinusoids(length: int, depth: int) -> np.ndarray:
    """Sinusoidal position encodings, stored in the model (CTranslate2 uses them as given)."""
    position = np.arange(length, dtype=np.float64)[:, None]
    scales = np.exp(-math.log(10000.0) * np.arange(0, depth, 2, dtype=np.float64) / depth)
    table = np.zeros((length, depth), dtype=np.float64)
    table[:, 0::2] = np.sin(position * scales)
    table[:, 1::2] = np.cos(position * scales)
    return table.astype(np.float32)


def train(model, data: list[tuple[list[int], list[int]]], pad: int, bos: int, eos: int):  # noqa: ANN001, ANN201
    """Full-batch Adam steps; yields after every ``CHECK_EVERY`` steps (the step count)."""
    import torch

    def batch(rows: list[list[int]], prefix: list[int], suffix: list[int]):  # noqa: ANN202
        seqs = [prefix + r + suffix for r in rows]
        width = max(len(s) for s in seqs)
        return torch.tensor([s + [pad] * (width - len(s)) for s in seqs])

    src = batch([s for s, _ in data], [], [])
    tgt_in = batch([t for _, t in data], [bos], [])
    tgt_out = batch([t for _, t in data], [], [eos])
    src_pad = src == pad
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=pad)
    for step in range(1, MAX_STEPS + 1):
        model.train()
        optimizer.zero_grad()
        logits = model(src, src_pad, tgt_in)
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        loss.backward()
        optimizer.step()
        if step % CHECK_EVERY == 0:
            print(f"  step {step}: loss {loss.item():.4f}")
            if step >= STEPS:
                yield step


# -- 3. CTranslate2 conversion -----------------------------------------------------------


def to_ctranslate2(model, vocab: list[str], out_dir: Path) -> None:  # noqa: ANN001
    from ctranslate2.specs import transformer_spec

    weights = {name: value.detach().numpy() for name, value in model.state_dict().items()}

    def linear(spec, prefix: str) -> None:  # noqa: ANN001
        spec.weight = weights[f"{prefix}.weight"]
        spec.bias = weights[f"{prefix}.bias"]

    def fused(spec, prefixes: list[str]) -> None:  # noqa: ANN001
        spec.weight = np.concatenate([weights[f"{p}.weight"] for p in prefixes])
        spec.bias = np.concatenate([weights[f"{p}.bias"] for p in prefixes])

    def norm(spec, prefix: str) -> None:  # noqa: ANN001
        spec.gamma = weights[f"{prefix}.weight"]
        spec.beta = weights[f"{prefix}.bias"]

    spec = transformer_spec.TransformerSpec.from_config((LAYERS, LAYERS), HEADS, pre_norm=True)
    spec.config.layer_norm_epsilon = 1e-5  # torch's LayerNorm default
    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = weights["src_emb.weight"]
    enc.position_encodings.encodings = weights["pe"]
    norm(enc.layer_norm, "enc_norm")
    for i, layer in enumerate(enc.layer):
        p = f"encoder.{i}"
        norm(layer.self_attention.layer_norm, f"{p}.norm")
        fused(layer.self_attention.linear[0], [f"{p}.attn.q", f"{p}.attn.k", f"{p}.attn.v"])
        linear(layer.self_attention.linear[1], f"{p}.attn.o")
        norm(layer.ffn.layer_norm, f"{p}.ffn.norm")
        linear(layer.ffn.linear_0, f"{p}.ffn.w1")
        linear(layer.ffn.linear_1, f"{p}.ffn.w2")
    dec.embeddings.weight = weights["tgt_emb.weight"]
    dec.position_encodings.encodings = weights["pe"]
    norm(dec.layer_norm, "dec_norm")
    linear(dec.projection, "proj")
    for i, layer in enumerate(dec.layer):
        p = f"decoder.{i}"
        norm(layer.self_attention.layer_norm, f"{p}.norm1")
        sa = f"{p}.self_attn"
        fused(layer.self_attention.linear[0], [f"{sa}.q", f"{sa}.k", f"{sa}.v"])
        linear(layer.self_attention.linear[1], f"{sa}.o")
        norm(layer.attention.layer_norm, f"{p}.norm2")
        linear(layer.attention.linear[0], f"{p}.cross.q")
        fused(layer.attention.linear[1], [f"{p}.cross.k", f"{p}.cross.v"])
        linear(layer.attention.linear[2], f"{p}.cross.o")
        norm(layer.ffn.layer_norm, f"{p}.ffn.norm")
        linear(layer.ffn.linear_0, f"{p}.ffn.w1")
        linear(layer.ffn.linear_1, f"{p}.ffn.w2")
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize(quantization=None)
    out_dir.mkdir(parents=True)
    spec.save(str(out_dir))


# -- 4. The MiniSBD sentence splitter ----------------------------------------------------

SENTENCE_END = ".!?。！？"
PUNCTUATION = SENTENCE_END + ",;:，；：\"'()"


def build_sbd(path: Path) -> None:
    """A MiniSBD-format ONNX graph: tag 2 (sentence end) on ``. ! ?`` before a space or the
    end, tag 1 (token end) before a space or punctuation, else 0."""
    import onnx
    from onnx import TensorProto, helper

    units = ["<PAD>", "<UNK>", " "] + [chr(c) for c in range(33, 127)] + list("。！？，；：")
    unit2id = {u: i for i, u in enumerate(units)}
    is_end = np.array([1.0 if u in SENTENCE_END else 0.0 for u in units], dtype=np.float32)
    is_punct = np.array([1.0 if u in PUNCTUATION else 0.0 for u in units], dtype=np.float32)
    # what follows a unit counts as a break: a space, the padding, or punctuation
    breaks = np.array(
        [1.0 if u in ("<PAD>", " ") or u in PUNCTUATION else 0.0 for u in units],
        dtype=np.float32,
    )
    space_or_pad = np.array([1.0 if u in ("<PAD>", " ") else 0.0 for u in units], np.float32)

    def const(name: str, value: np.ndarray) -> onnx.NodeProto:
        return helper.make_node(
            "Constant",
            [],
            [name],
            value=helper.make_tensor(
                name,
                TensorProto.FLOAT if value.dtype == np.float32 else TensorProto.INT64,
                value.shape,
                value.flatten().tolist(),
            ),  # noqa: E501
        )

    def next_of(source: str, out: str) -> list[onnx.NodeProto]:
        """out[b, t] = source[b, t + 1], and 1 past the end (the padding)."""
        return [
            helper.make_node(
                "Slice", [source, f"{out}_st", f"{out}_en", f"{out}_ax"], [f"{out}_s"]
            ),
            helper.make_node("Pad", [f"{out}_s", f"{out}_pads", "one"], [out], mode="constant"),
        ]

    nodes = [
        const("t_end", is_end),
        const("t_punct", is_punct),
        const("t_break", breaks),
        const("t_space", space_or_pad),
        const("one", np.array(1.0, dtype=np.float32)),
        const("base", np.array(0.5, dtype=np.float32)),
        const("three", np.array(3.0, dtype=np.float32)),
        const("minus", np.array(-5.0, dtype=np.float32)),
        helper.make_node("Gather", ["t_end", "units"], ["end"], axis=0),
        helper.make_node("Gather", ["t_punct", "units"], ["punct"], axis=0),
        helper.make_node("Gather", ["t_break", "units"], ["brk"], axis=0),
        helper.make_node("Gather", ["t_space", "units"], ["space"], axis=0),
    ]
    for name in ("nbrk", "nspace"):
        nodes += [
            const(f"{name}_st", np.array([1], dtype=np.int64)),
            const(f"{name}_en", np.array([2**62], dtype=np.int64)),
            const(f"{name}_ax", np.array([1], dtype=np.int64)),
            const(f"{name}_pads", np.array([0, 0, 0, 1], dtype=np.int64)),
        ]
    nodes += next_of("brk", "nbrk") + next_of("space", "nspace")
    nodes += [
        # tag 0: a constant 0.5; tag 1: next is a break or this is punctuation (>= 1);
        # tag 2: a sentence-ending mark before a space or the end (3); tags 3, 4: never.
        helper.make_node("Mul", ["base", "one"], ["s0_scalar"]),
        helper.make_node("Mul", ["brk", "base"], ["zero_half"]),
        helper.make_node("Sub", ["zero_half", "zero_half"], ["zeros"]),
        helper.make_node("Add", ["zeros", "s0_scalar"], ["s0"]),
        helper.make_node("Add", ["nbrk", "punct"], ["s1"]),
        helper.make_node("Mul", ["end", "nspace"], ["endspace"]),
        helper.make_node("Mul", ["endspace", "three"], ["s2"]),
        helper.make_node("Add", ["zeros", "minus"], ["s3"]),
    ]
    for name in ("s0", "s1", "s2", "s3"):
        nodes.append(const(f"{name}_axis", np.array([2], dtype=np.int64)))
        nodes.append(helper.make_node("Unsqueeze", [name, f"{name}_axis"], [f"{name}_u"]))
    nodes.append(
        helper.make_node("Concat", ["s0_u", "s1_u", "s2_u", "s3_u", "s3_u"], ["logits"], axis=2)
    )
    # MiniSBD always feeds the feature tensor; fold it in with weight 0 so it is used.
    nodes += [
        helper.make_node("ReduceSum", ["features"], ["fsum"], keepdims=1, axes=None),
        const("zero", np.array(0.0, dtype=np.float32)),
        helper.make_node("Mul", ["fsum", "zero"], ["fzero"]),
        helper.make_node("Add", ["logits", "fzero"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_sbd",
        [
            helper.make_tensor_value_info("units", TensorProto.INT64, ["batch", "time"]),
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", "time", 1]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", "time", 5])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    config = {
        "skip_newline": False,
        "max_seqlen": 1000,
        "no_ssplit": False,
        "batch_size": 32,
        "feat_funcs": ["space_before"],
        "use_dictionary": False,
        "num_dict_feat": 0,
    }
    vocab = {"lang": "en", "idx": 0, "cutoff": 0, "lower": False}
    vocab |= {"_unit2id": unit2id, "_id2unit": units}
    for key, value in (
        ("lang_code", "en"),
        ("config", json.dumps(config)),
        ("vocab", json.dumps(vocab)),
        ("lexicon", "null"),
    ):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


# -- 5. Package and check ----------------------------------------------------------------

METADATA = {
    "package_version": PACKAGE_VERSION,
    "argos_version": "1.9",
    "from_code": "en",
    "from_name": "English",
    "to_code": "zh",
    "to_name": "Chinese",
    "type": "translate",
    "links": [],
}

README = """# Qiyou tiny EN→ZH test model

Built by tests/data/translate/build_tiny_model.py from a synthetic phrase corpus. It
translates the sentences of tests/data/translate/corpus.py exactly and nothing else: a test
fixture, not a translation model for people.
"""


def pack(pkg_dir: Path, output: Path) -> None:
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(pkg_dir.rglob("*")):
            if path.is_file():
                archive.write(path, f"{PACKAGE_NAME}/{path.relative_to(pkg_dir)}")


def check(pkg_dir: Path, corpus: list[tuple[str, str]]) -> list[str]:
    """The corpus sentences the converted model does not translate exactly."""
    import ctranslate2
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(pkg_dir / "sentencepiece.model"))
    translator = ctranslate2.Translator(
        str(pkg_dir / "model"), device="cpu", intra_threads=1, compute_type="float32"
    )
    sources = [sp.encode(en, out_type=str) for en, _ in corpus]
    results = translator.translate_batch(sources, beam_size=4, length_penalty=0.2)
    wrong = []
    for (en, zh), result in zip(corpus, results, strict=True):
        got = sp.decode_pieces(result.hypotheses[0]).strip()
        if got != zh:
            wrong.append(f"{en!r}: {got!r} != {zh!r}")
    return wrong


def main() -> None:
    import sentencepiece as spm
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # oversubscribed OpenMP threads spin; one is faster here
    corpus = pairs()
    with tempfile.TemporaryDirectory() as tmp:
        pkg_dir = Path(tmp) / PACKAGE_NAME
        pkg_dir.mkdir()
        print("sentencepiece …")
        sp_model = train_sentencepiece([s for pair in corpus for s in pair])
        (pkg_dir / "sentencepiece.model").write_bytes(sp_model)
        sp = spm.SentencePieceProcessor(model_proto=sp_model)
        vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
        data = [(sp.encode(en), sp.encode(zh)) for en, zh in corpus]
        print(f"transformer ({len(vocab)} pieces, {len(data)} pairs) …")
        model = build_torch_model(len(vocab))
        # From STEPS on, convert and check every CHECK_EVERY steps; stop once exact.
        wrong: list[str] = ["not trained"]
        for _ in train(model, data, pad=sp.pad_id(), bos=sp.bos_id(), eos=sp.eos_id()):
            shutil.rmtree(pkg_dir / "model", ignore_errors=True)
            to_ctranslate2(model.eval(), vocab, pkg_dir / "model")
            wrong = check(pkg_dir, corpus)
            if not wrong:
                break
            print(f"  {len(wrong)} sentence(s) not exact yet")
        if wrong:
            raise SystemExit("the model does not reproduce its corpus:\n" + "\n".join(wrong))
        print("minisbd …")
        build_sbd(pkg_dir / "minisbd" / "en.onnx")
        (pkg_dir / "metadata.json").write_text(json.dumps(METADATA, indent=2) + "\n")
        (pkg_dir / "README.md").write_text(README)
        partial = OUTPUT.with_suffix(".partial")
        pack(pkg_dir, partial)
        partial.replace(OUTPUT)
        shutil.rmtree(pkg_dir)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
