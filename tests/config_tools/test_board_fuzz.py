"""Randomly mutated board XML never escapes load_board as anything but ConfigError."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "config_tools"))

from bulkhead_config.board import load_board  # noqa: E402
from bulkhead_config.errors import ConfigError  # noqa: E402

BOARDS = sorted((REPO / "board_xmls").glob("*.xml"))


def mutate(text: str, rng: random.Random) -> str:
    """One random edit: cut a span, duplicate one, flip characters, or swap values."""
    choice = rng.randrange(5)
    a = rng.randrange(len(text))
    b = min(len(text), a + rng.randrange(1, 200))
    if choice == 0:
        return text[:a] + text[b:]
    if choice == 1:
        return text[:b] + text[a:b] + text[b:]
    if choice == 2:
        chars = list(text)
        for _ in range(rng.randrange(1, 8)):
            i = rng.randrange(len(chars))
            chars[i] = rng.choice('<>/"=&x0 \n\x00é')
        return "".join(chars)
    if choice == 3:
        return text.replace('"0x', '"-0x', 1) if rng.random() < 0.5 else \
            text.replace('"0x', '"0xzz', 1)
    return text[:a] + rng.choice(["<!DOCTYPE x [<!ENTITY e 'x'>]>", "&e;", "<x>", "]]>"]) + text[a:]


@pytest.mark.parametrize("board", BOARDS, ids=lambda p: p.stem)
def test_mutated_board_xml_gives_only_config_errors(tmp_path: Path, board: Path) -> None:
    rng = random.Random(f"board-fuzz-{board.stem}")
    original = board.read_text(encoding="utf-8")
    rejected = 0
    for i in range(300):
        path = tmp_path / f"m{i}.xml"
        path.write_text(mutate(original, rng), encoding="utf-8", errors="surrogatepass")
        try:
            load_board(path)
        except ConfigError as err:
            rejected += 1
            assert str(path) in str(err), err
    # Most random edits break the schema: the loader must be checking, not accepting.
    assert rejected > 150, rejected
