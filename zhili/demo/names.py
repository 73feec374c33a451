"""Syllables for made-up place names of the synthetic demo district.

The characters are common in Lingnan (Pearl River Delta) place names, so the
names read naturally, but the combinations are drawn at random: any match
with a real street, community or village is a coincidence.
"""

from __future__ import annotations

import numpy as np

# Towns and villages take their names from the land: a qualifier and a
# landform (塘 pond, 岗 hillock, 涌 creek, 滘 and 冲 waterways, 围 polder...).
PLACE_FIRST = tuple("大小新上下东西南北石沙水山高白黄青榕罗朗莲龙凤鹤梅竹松桂杨柳坑禾良茶泰富合")
PLACE_SECOND = tuple("塘岗涌围洲沙滘冲坪田边头尾湾岭口埔基寨墩岸坑洞陂")

# Urban residents' committees usually carry auspicious or descriptive words.
URBAN_FIRST = tuple("文明兴华锦康泰和新安富荣秀翠德仁智昌盛景宁惠嘉福江湖桥东西南北城")
URBAN_SECOND = tuple("华苑城湖江园源丰安乐新盛景和泰康湾庭桥阳岸晖")

# Made-up people for the demo personas (surname + given name).
SURNAMES = tuple("李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁谢宋郑冯邓曾彭萧蔡潘")
GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华慧玲建国志红文斌")


def unique_names(
    rng: np.random.Generator,
    count: int,
    first: tuple[str, ...],
    second: tuple[str, ...],
    suffix: str,
    taken: set[str],
) -> list[str]:
    """``count`` distinct two-character names plus ``suffix``, none in ``taken``.

    Names are also distinct on their two-character stem, so "大塘社区" and
    "大塘村" never both appear (people would confuse them).  ``taken`` holds
    stems and is updated.
    """
    if count > len(first) * len(second):
        raise ValueError("not enough syllables for that many names")
    names: list[str] = []
    while len(names) < count:
        a = first[int(rng.integers(len(first)))]
        b = second[int(rng.integers(len(second)))]
        stem = a + b
        if a == b or stem in taken:
            continue
        taken.add(stem)
        names.append(stem + suffix)
    return names


def person_name(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        name = SURNAMES[int(rng.integers(len(SURNAMES)))] + GIVEN[int(rng.integers(len(GIVEN)))]
        if rng.random() < 0.6:
            extra = GIVEN[int(rng.integers(len(GIVEN)))]
            if extra != name[-1]:
                name += extra
        if name not in taken:
            taken.add(name)
            return name
