"""The engine with the tiny real model: exact translations of the corpus, sentence splitting
by the bundled MiniSBD model, and the rule splitter for packages without one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailcore.translate.engine import Engine, RuleSentencizer
from mailcore.translate.packages import install_package
from tests.data.translate.corpus import TRANSLATIONS, pairs

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "translate" / "tiny-en_zh.argosmodel"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("engine")
    pkg = install_package(data_dir, FIXTURE)
    engine = Engine(data_dir)
    yield engine, pkg
    engine.executor.shutdown()


def test_every_corpus_sentence_is_translated_exactly(engine) -> None:
    eng, pkg = engine
    english = [en for en, _ in pairs()]
    assert eng.translate_units(pkg, english) == [TRANSLATIONS[en] for en in english]
    assert pkg.has_splitter


def test_sentences_of_a_paragraph_are_split_and_joined(engine) -> None:
    eng, pkg = engine
    text = "Hello everyone. The project is delayed. Thank you for your help."
    assert eng.translate_units(pkg, [text]) == ["大家好。 项目推迟了。 谢谢你的帮助。"]


def test_a_newly_installed_package_is_seen_and_a_removed_one_forgotten(tmp_path: Path) -> None:
    eng = Engine(tmp_path)
    assert eng.package_for("en", "zh") is None
    pkg = install_package(tmp_path, FIXTURE)
    assert eng.package_for("en", "zh") == pkg
    shutil.rmtree(pkg.path)
    assert eng.package_for("en", "zh") is None


def test_rule_sentencizer() -> None:
    split = RuleSentencizer().split_sentences
    assert split("Hello everyone. Mr. Smith is here! Is it ready? yes.") == [
        "Hello everyone.",
        "Mr. Smith is here!",
        "Is it ready? yes.",
    ]
    assert split("") == []
