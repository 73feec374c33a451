"""Turn the text of a Chinese government plan, however it arrived, into one
paragraph per line that the outline parser can read.

Decoding (``decode_bytes``): BOMs first (UTF-8, UTF-16, UTF-32), then strict
UTF-8, then strict GB18030 (a superset of GBK and GB2312, which is what Windows
Notepad and most Chinese government sites still produce); a decoding is kept
only if nearly all of its characters are ordinary text, so binary garbage is
refused with ``PlanParseError`` instead of being "decoded" into noise.

Normalisation (``normalise``), in this order:

1. Characters: full-width digits, letters and ``％ ．`` become half-width;
   NBSP, the ideographic space and other odd spaces become a space; zero-width
   characters and BOMs go; half-width parentheses become full-width （）;
   ``, : ; ? !`` next to Chinese text become ``，：；？！``; parenthesised and
   circled numerals (⑴ ⒈ ㈠) become the plain forms（1）1.（一）; a run of dashes
   at the start of a line becomes the bullet ``——``.
2. Lines are stripped and runs of spaces collapsed; blank lines go: from then
   on a line is a paragraph.
3. Web chrome is dropped (``removed`` keeps the lines, for review): site
   navigation and breadcrumbs (``首页 > 政务公开 > …``, ``当前位置：``), share
   buttons and their bullet lists (``分享到：``, ``• XX微信``), ``打印``/``关闭窗口``
   and other bare button words, bracketed labels such as ``[报料热线] 2831000``,
   editor/source/time lines (``编辑：``, ``来源：``, ``发布时间：``), comment
   boxes, photo credits (``…供图``), newspaper bylines (``采写 XX记者…``),
   page numbers (``- 3 -``) and lines of bare punctuation (``- -``). Only short
   lines are considered (except the comment disclaimer), so body text is safe.
4. A whole body on one line is split into paragraphs before outline markers
   (``一、 （一） 1. （1） ①`` and ``附件：``) that follow ``。；：！？``, or a space
   when the line holds at least two markers; in long lines (120 characters or
   more) also before a parenthesised marker that directly follows a
   heading without punctuation, when its neighbour in the sequence
   (``（三）`` before ``（四）``, or ``（二）`` after ``（一）``) is in the same line.
5. Titles split across lines are joined in the header block (the lines before
   the first one with ``。`` or ``，``) when the pieces together end in a document type
   (通知、方案、计划、意见 …) and the first piece does not.
6. Paragraphs broken by a page break or hard wrap are joined: a line of at least
   20 characters that does not end a sentence (``。！？；：`` …) is joined to the
   next line unless that line starts a new outline item, is a label
   (``摘要``/``解读``/``附件``), a date or a signature, or the first line is a
   heading (an outline marker with a short text), a title or a signature; a
   line that starts with closing punctuation (``）”，。``) is always joined. In
   hard-wrapped text (most lines of one length: PDF extraction) a line of full
   width is joined to the next even when it ends with ``。``.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field


class PlanParseError(ValueError):
    """The input cannot be read as a plan. The message is Chinese first, then English."""


# --------------------------------------------------------------------------- numerals

CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_NUM_CHARS = "一二三四五六七八九十百〇零两"


def cn_to_int(s: str) -> int | None:
    """``"三"`` → 3, ``"十二"`` → 12, ``"二十三"`` → 23, ``"二〇二二"`` → 2022, ``"12"`` → 12."""
    s = s.strip()
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if len(s) > 1 and all(c in CN_DIGITS for c in s):  # read digit by digit: 二〇二二
        value = 0
        for c in s:
            value = value * 10 + CN_DIGITS[c]
        return value
    total, num = 0, 0
    for c in s:
        if c in CN_DIGITS:
            num = CN_DIGITS[c]
        elif c == "十":
            total += (num or 1) * 10
            num = 0
        elif c == "百":
            total += (num or 1) * 100
            num = 0
        else:
            return None
    return total + num


# --------------------------------------------------------------------------- decoding


def _plausible(text: str) -> float:
    """Share of characters that ordinary documents are made of."""
    if not text:
        return 0.0
    good = 0
    for ch in text:
        o = ord(ch)
        if ch in "\n\r\t" or 0x20 <= o < 0x7F:
            good += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF:
            good += 1
        elif 0x2000 <= o <= 0x27BF or 0xA0 <= o <= 0x024F or 0x3400 <= o <= 0x4DBF:
            good += 1
        elif 0xFE30 <= o <= 0xFE4F or ch == "\ufeff":
            good += 1
    return good / len(text)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a text file; returns ``(text, encoding name)``.

    Raises ``PlanParseError`` for an empty file and for bytes that are not text
    in UTF-8/16/32 or GB18030 (GBK, GB2312)."""
    if not data or not data.strip():
        raise PlanParseError("文件为空 (the file is empty)")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(enc)
            except UnicodeDecodeError as exc:
                raise PlanParseError(
                    f"文件编码有误：{enc} 解码失败 (cannot decode the file as {enc}: {exc.reason})"
                ) from exc
            if _plausible(text) < 0.95:
                break
            return text, enc
    if b"\x00" in data[:4000]:
        # UTF-16 without a BOM (ASCII and line ends carry a NUL byte); the byte
        # order that gives the more ordinary text wins.
        best: tuple[float, str, str] = (0.0, "", "")
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data[: len(data) // 2 * 2].decode(enc)
            except UnicodeDecodeError:
                continue
            score = _plausible(text)
            if score > best[0]:
                best = (score, text, enc)
        if best[0] >= 0.95:
            return best[1], best[2]
    else:
        for enc in ("utf-8", "gb18030"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _plausible(text) >= 0.95:
                return text, enc
    raise PlanParseError(
        "无法识别的文件：不是文本，或编码不是 UTF-8/GBK/GB18030 "
        "(unreadable file: not text, or not encoded in UTF-8, GBK or GB18030)"
    )


# --------------------------------------------------------------------------- characters

_CHAR_MAP: dict[int, str] = {0xFF10 + i: str(i) for i in range(10)}
_CHAR_MAP.update({0xFF21 + i: chr(0x41 + i) for i in range(26)})
_CHAR_MAP.update({0xFF41 + i: chr(0x61 + i) for i in range(26)})
_CHAR_MAP.update(
    {
        0xFF05: "%",
        0xFF0E: ".",
        0xFF0B: "+",
        0xFF5E: "~",
        0xFF1C: "<",
        0xFF1E: ">",
        0x00A0: " ",
        0x3000: " ",
        0x202F: " ",
        0x205F: " ",
        0x0009: " ",
        0x200B: "",
        0x200C: "",
        0x200D: "",
        0x2060: "",
        0xFEFF: "",
        0x00AD: "",
        ord("("): "（",
        ord(")"): "）",
        0x2028: "\n",
        0x2029: "\n",
        0x000B: "\n",
        0x000C: "\n",
        0x0085: "\n",
    }
)
_CHAR_MAP.update({c: " " for c in range(0x2000, 0x200B)})
# ⑴..⒇ → （1）..（20）; ⒈..⒛ → 1...20.; ㈠..㈩ → （一）..（十）
_CHAR_MAP.update({0x2474 + i: f"（{i + 1}）" for i in range(20)})
_CHAR_MAP.update({0x2488 + i: f"{i + 1}." for i in range(20)})
_CHAR_MAP.update({0x3220 + i: f"（{'一二三四五六七八九十'[i]}）" for i in range(10)})


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x3000 <= o <= 0x303F
        or ch in "（）“”‘’《》〔〕【】、。，；：！？"
    )


_ASCII_PUNCT = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}


def normalise_chars(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_CHAR_MAP)
    out: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch in _ASCII_PUNCT:
            prev = text[i - 1] if i else ""
            nxt = text[i + 1] if i + 1 < n else ""
            next_to_chinese = (prev and _is_cjk(prev)) or (nxt and _is_cjk(nxt))
            if next_to_chinese and not (prev.isdigit() and nxt.isdigit()):  # not 09:00 or 1,000
                ch = _ASCII_PUNCT[ch]
        out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------- markers

_CN = f"[{CN_NUM_CHARS}]{{1,4}}"
#: Outline markers at the start of a paragraph, outermost first.
MARKER_RE = re.compile(
    rf"""^(?:
      (?P<part>第(?P<pn>{_CN}|\d{{1,2}})(?:部分|章|篇))\s*
    | (?P<section>(?P<sn>{_CN})[、.](?!\d))\s*
    | (?P<area>（(?P<an>{_CN})）)\s*
    | (?P<task>(?P<tn>\d{{1,2}})(?:[.、](?![\d.])|\s*．))\s*
    | (?P<subtask>（(?P<stn>\d{{1,2}})）|(?P<stn2>\d{{1,2}})）)\s*
    | (?P<circled>(?P<cn>[\u2460-\u2473]))\s*
    | (?P<bullet>——+)\s*
    | (?P<keyword>(?:【关键词】[：:\s]*|关键词(?:[：:]|\s)+)(?=\S))
    )""",
    re.VERBOSE,
)

#: kind, rank (smaller is outer) for each marker group.
MARKER_KINDS: dict[str, tuple[str, float]] = {
    "part": ("part", 0),
    "keyword": ("keyword", 1),
    "section": ("section", 1),
    "area": ("area", 2),
    "task": ("task", 3),
    "subtask": ("subtask", 4),
    "circled": ("subtask", 5),
    "bullet": ("bullet", 99),
}


@dataclass
class Marker:
    group: str
    kind: str
    rank: float
    number: str  # as written
    ordinal: int | None
    end: int  # offset just after the marker (and following spaces) in the line


def match_marker(line: str) -> Marker | None:
    m = MARKER_RE.match(line)
    if not m:
        return None
    group = next(g for g in MARKER_KINDS if m.group(g))
    kind, rank = MARKER_KINDS[group]
    number = m.group(group).strip()
    ordinal: int | None
    if group == "part":
        ordinal = cn_to_int(m.group("pn"))
    elif group == "section":
        ordinal = cn_to_int(m.group("sn"))
    elif group == "area":
        ordinal = cn_to_int(m.group("an"))
    elif group == "task":
        ordinal = int(m.group("tn"))
    elif group == "subtask":
        ordinal = int(m.group("stn") or m.group("stn2"))
    elif group == "circled":
        ordinal = ord(m.group("cn")) - 0x2460 + 1
    else:
        ordinal = None
    if group == "keyword":
        number = "关键词"
        rest = line[m.end() :].strip()
        if len(rest) > 30 or "。" in rest:  # a sentence that starts with 关键词, not a heading
            return None
    if group in ("section", "task") and m.end() >= len(line):
        # "一、" or "3." alone on a line is still a marker (PDF layouts do this)
        pass
    return Marker(group, kind, rank, number, ordinal, m.end())


#: Inline items 一是…二是… (validated as a sequence by the parser).
ITEM_RE = re.compile(
    r"(?:(?<=^)|(?<=[。；：！？，”\s]))(?P<num>[一二三四五六七八九十]{1,3})是(?=\S)"
)

_DOC_TYPES = (
    "通知",
    "通报",
    "意见",
    "决定",
    "方案",
    "计划",
    "规划",
    "纲要",
    "办法",
    "细则",
    "规定",
    "报告",
    "批复",
    "要点",
    "清单",
    "指引",
    "公告",
    "通告",
    "决议",
    "条例",
    "措施",
    "函",
)
DOC_TYPE_END_RE = re.compile(rf"(?:{'|'.join(_DOC_TYPES)})[》”]?$")

DATE_LINE_RE = re.compile(
    r"^[（【]?\s*(?:(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
    r"|(?P<cy>[〇零一二三四五六七八九]{4})年(?P<cm>[一二三四五六七八九十]{1,3})月(?P<cd>[一二三四五六七八九十]{1,3})日"
    r"|(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2}))\s*[）】]?$"
)
LABEL_LINE_RE = re.compile(r"^(?:摘要|解读|点评|链接|背景|附件\d*|附表\d*|图解|相关链接)[：:]?$")


# --------------------------------------------------------------------------- web chrome

_CHROME_RES = [
    re.compile(p)
    for p in (
        r"^分享到",
        r"^(?:分享|转发|收藏|打印|打印本页|打印此页|关闭|关闭窗口|关闭本页|返回|返回顶部|返回首页|回到顶部|"
        r"纠错|我要纠错|加入收藏|设为首页|上一篇|下一篇|上一条|下一条|相关阅读|相关新闻|相关链接|"
        r"扫一扫|微信|微博|QQ|QQ空间|QQ好友|朋友圈|新浪微博|腾讯微博|人人网|豆瓣|字号|大|中|小|"
        r"默认|视力保护色|网站地图|联系我们|无障碍|长者模式|English|登录|注册|首页|更多)[：:]?$",
        r"^(?:[\[【]\s*(?:打印|关闭|关闭窗口|打印本页|收藏|加入收藏|返回顶部|字体|字号|大|中|小|分享|纠错|"
        r"我要纠错|报料热线|报料|投稿|打印此页)\s*[\]】]\s*)+.{0,30}$",
        r"^[\[【][^\]】]{1,8}[\]】]\s*[\d\-— ]{5,20}$",
        r"^(?:编辑|责任编辑|责编|审核|审校|校对|来源|信息来源|文章来源|稿源|作者|发布时间|发布日期|发文日期|更新时间|"
        r"浏览次数|点击数|点击量|阅读数|阅读量|访问量|浏览量|字体|字号|【字体|【字号)[:：\s]",
        r"^(?:当前位置|您的位置|您当前的位置|您现在的位置|当前所在位置)",
        r"^扫一扫|在手机(?:上)?(?:打开|浏览)",
        r"^[•·▪●◆■◇○*]\s*.{0,16}(?:微信|微博|APP|App|app|客户端|公众号|抖音|头条|视频号|快手)$",
        r"(?:查看所有评论|网友评论|所有评论仅代表|发表评论|我要评论|评论\(\d+\)|条评论)",
        r"供图$",
        r"^(?:统筹|采写|文|图|文/图|文／图|撰文|摄影|记者|通讯员|编辑|制图)\s+\S*(?:记者|通讯员|编辑)",
        r"^[-—–－\s]*(?:第\s*)?\d{1,3}\s*(?:页)?[-—–－\s]*(?:/\s*\d{1,3}|共\s*\d+\s*页)?\s*[-—–－]*$",
        r"^[\W_]+$",
    )
]
_BREADCRUMB_RE = re.compile(r"[>＞»›]")


def is_chrome(line: str) -> bool:
    """A line of web-page furniture rather than document text (see the module doc)."""
    if len(line) > 80:
        return bool(re.search(r"所有评论仅代表|网友评论", line)) and "。" not in line[:20]
    if len(_BREADCRUMB_RE.findall(line)) >= 2 and "。" not in line:
        return True
    if re.fullmatch(r"[\W_]+", line) and not line.startswith("——"):
        # "- -" or "***" is furniture; "。" or "）。" is the tail of a wrapped sentence
        return not re.search(r"[。，；：！？”’）】》、]", line)
    return any(r.search(line) for r in _CHROME_RES[:-1])


# --------------------------------------------------------------------------- splitting

_SPLIT_MARK = (
    rf"(?:(?P<sec>[{CN_NUM_CHARS}]{{1,3}})、|（(?P<area>[{CN_NUM_CHARS}]{{1,3}})）|(?P<task>\d{{1,2}})[.、](?![\d.])"
    r"|（(?P<sub>\d{1,2})）|[\u2460-\u2473]|附件\d*[：:])"
)
_SPLIT_RE = re.compile(rf"(?<=[。；：！？])\s*(?={_SPLIT_MARK}\s*[^\s\d])")
_SPACE_SPLIT_RE = re.compile(rf"(?<=[\u4e00-\u9fff。；：！？）”])\s+(?={_SPLIT_MARK}\s*[^\s\d])")
_PAREN_MARK_RE = re.compile(rf"（(?P<n>[{CN_NUM_CHARS}]{{1,3}}|\d{{1,2}})）(?=[\u4e00-\u9fff“])")


def split_run_on(line: str) -> list[str]:
    """Split a line holding several paragraphs before its outline markers."""
    cuts = {m.end() for m in _SPLIT_RE.finditer(line)}
    spaced = [m.end() for m in _SPACE_SPLIT_RE.finditer(line)]
    if len(cuts) + len(spaced) >= 2:
        cuts.update(spaced)
    if len(line) >= 120:
        marks = [(m.start(), m.group("n")) for m in _PAREN_MARK_RE.finditer(line)]
        seen: dict[tuple[bool, int], list[int]] = {}
        for pos, n in marks:
            val = cn_to_int(n)
            if val is not None:
                seen.setdefault((n.isdigit(), val), []).append(pos)
        for pos, n in marks:
            val = cn_to_int(n)
            if val is None or pos in cuts or pos == 0:
                continue
            prev = line[:pos].rstrip()[-1:]
            if not prev or not ("\u4e00" <= prev <= "\u9fff" or prev in "”》"):
                continue
            key = n.isdigit()
            before = any(p < pos for p in seen.get((key, val - 1), []))
            after = any(p > pos for p in seen.get((key, val + 1), []))
            if before or after:
                cuts.add(pos)
    if not cuts:
        return [line]
    parts, last = [], 0
    for c in sorted(cuts):
        parts.append(line[last:c])
        last = c
    parts.append(line[last:])
    return [p.strip() for p in parts if p.strip()]


# --------------------------------------------------------------------------- joining

_TERMINAL = "。！？；：…"
_ORG_END_RE = re.compile(
    r"(?:政府|委员会|办公室|委|办|局|厅|部|院|中心|管委会|办事处|街道|公司|集团|小组|报社|日报)$"
)


def _ends_sentence(line: str) -> bool:
    if line[-1] in _TERMINAL:
        return True
    if line[-1] in "”’」』" and len(line) > 1 and line[-2] in _TERMINAL:
        return True
    if line[-1] in "）】" and line[0] in "（【":  # a standalone note such as（牵头单位：…）
        return True
    return False


def _is_heading_like(line: str) -> bool:
    mk = match_marker(line)
    if mk and mk.group != "bullet":
        rest = line[mk.end :]
        # headings are short and have no sentence in them; a longer line with a
        # comma is the first line of a wrapped paragraph
        return "。" not in rest and (len(rest) <= 15 or ("，" not in rest and len(rest) <= 30))
    return False


def _starts_block(line: str) -> bool:
    return bool(
        match_marker(line)
        or LABEL_LINE_RE.match(line)
        or DATE_LINE_RE.match(line)
        or line.startswith(("附件", "抄送", "主送", "（此件", "（本文", "公开方式"))
    )


def _wrap_width(lines: list[str]) -> int | None:
    """The width of hard-wrapped text (PDF extraction, copies from a viewer), if it is."""
    lengths = [len(ln) for ln in lines if len(ln) >= 15]
    if len(lengths) < 8:
        return None
    width, count = Counter(lengths).most_common(1)[0]
    return width if count >= 0.3 * len(lengths) else None


def join_lines(lines: list[str]) -> list[str]:
    """Join split titles in the header block and paragraphs broken by page breaks."""
    # the header block: title lines have no punctuation, the first sentence (or
    # clause: a wrapped line of a notice) ends it
    first_sentence = next((i for i, ln in enumerate(lines) if "。" in ln or "，" in ln), len(lines))
    width = _wrap_width(lines)
    out: list[str] = []
    i = 0
    while i < len(lines):
        cur = lines[i]
        if i < first_sentence and not DOC_TYPE_END_RE.search(cur) and not _starts_block(cur):
            # a title split across lines: join up to three pieces if that ends in a document type
            for k in range(1, 4):
                if i + k >= first_sentence:
                    break
                pieces = lines[i : i + k + 1]
                if any(_starts_block(p) or p.endswith(("：", ":")) for p in pieces[1:]):
                    break
                if DOC_TYPE_END_RE.search("".join(pieces)):
                    cur = "".join(pieces)
                    i += k
                    break
        elif i >= first_sentence:
            while i + 1 < len(lines) and (
                # no line starts with closing punctuation: it was cut off its line
                lines[i + 1][0] in "）】”’，。、；：！？》"
                # hard-wrapped text: a full-width line goes on even after a 。
                or (
                    width is not None
                    and len(lines[i]) >= width
                    and not _is_heading_like(lines[i])
                    and not _starts_block(lines[i + 1])
                )
                or (
                    len(cur) >= 20
                    and not _ends_sentence(cur)
                    and not _is_heading_like(cur)
                    and not DOC_TYPE_END_RE.search(cur)
                    and not _starts_block(lines[i + 1])
                    and not (_ORG_END_RE.search(cur) and not re.search("[，。；、]", cur))
                )
            ):
                cur += lines[i + 1]
                i += 1
        out.append(cur)
        i += 1
    return out


# --------------------------------------------------------------------------- pipeline


@dataclass
class Normalised:
    text: str
    removed: list[str] = field(default_factory=list)
    split_lines: int = 0  # lines that held several paragraphs


def normalise(raw: str) -> Normalised:
    """Normalise characters, drop web chrome, split run-on bodies and join broken lines."""
    text = unicodedata.normalize("NFC", raw)
    text = normalise_chars(text)
    removed: list[str] = []
    lines: list[str] = []
    for ln in text.split("\n"):
        ln = re.sub(r"[ \t]+", " ", ln).strip()
        if not ln:
            continue
        if is_chrome(ln):
            removed.append(ln)
            continue
        if ln in ("原标题：", "原标题"):
            removed.append(ln)
            continue
        ln = re.sub(r"^(?:[—―─－\-]{2,}|—)\s*(?=\S)", "——", ln)
        lines.append(ln)
    split_count = 0
    split: list[str] = []
    for ln in lines:
        parts = split_run_on(ln)
        if len(parts) > 1:
            split_count += 1
        split.extend(parts)
    joined = join_lines(split)
    return Normalised("\n".join(joined), removed, split_count)
