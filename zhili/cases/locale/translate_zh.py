"""Fill the cases Chinese catalogue and compile it.

Re-extract first, then run this script (from the repository root)::

    cd zhili/cases && ../../.venv/bin/zhili makemessages -l zh_Hans --no-obsolete \
        --ignore "data/*" --ignore "migrations/*"
    cd ../.. && .venv/bin/python zhili/cases/locale/translate_zh.py

It fills every msgstr from ZH, clears fuzzy flags, sets the Chinese plural
header and writes django.mo beside django.po.  It lists any msgid it has no
translation for and exits non-zero.  ZH is grouped by source module; the
catalogue, standards and components strings come first.
"""

from __future__ import annotations

import sys
from pathlib import Path

from zhili.core.catalogues import fill_catalogue, merge_area_files

HERE = Path(__file__).resolve().parent
PO = HERE / "zh_Hans" / "LC_MESSAGES" / "django.po"

ZH: dict[str, str] = {
    # catalogue.py: time limits
    "Emergency working hours (紧急工作时, continuous clock)": "紧急工作时（连续计时）",
    "Emergency working days (紧急工作日, continuous clock)": "紧急工作日（连续计时）",
    "Working hours (工作时)": "工作时",
    "Working days (工作日)": "工作日",
    "Hours (小时)": "小时",
    "Natural days (自然日/天)": "自然日（天）",
    "The time limit is empty.": "处置时限为空。",
    "“%(text)s” does not start with a number (such as 2小时, 5个工作日, 半小时).": (
        "“%(text)s”没有以数字开头（应如 2小时、5个工作日、半小时）。"
    ),
    "“%(text)s” is not a number.": "“%(text)s”不是数字。",
    "“%(text)s” has no time unit. Use 紧急工作时, 紧急工作日, 工作时, 工作日, 小时, 自然日 or 天.": (
        "“%(text)s”缺少时间单位。请使用紧急工作时、紧急工作日、工作时、工作日、小时、自然日或天。"
    ),
    "“%(text)s”: cannot read “%(rest)s” after the time limit. Give one number and one unit, "
    "such as 2小时 or 5个工作日.": (
        "“%(text)s”：无法识别时限后面的“%(rest)s”。请只写一个数字和一个单位，如 2小时 或 5个工作日。"
    ),
    "“%(text)s”: the time limit must be longer than zero.": "“%(text)s”：处置时限必须大于零。",
    "“%(text)s” is longer than a year.": "“%(text)s”超过一年。",
    # tabular.py: reading files, rows and component IDs
    "Feature %(n)d": "第 %(n)d 个要素",
    "Row %(n)d": "第 %(n)d 行",
    "%(where)s, column “%(column)s”: %(message)s": "%(where)s“%(column)s”列：%(message)s",
    "%(where)s: %(message)s": "%(where)s：%(message)s",
    "The file is neither UTF-8 nor GBK/GB18030 text.": "文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本。",
    "File not found: %(path)s": "文件不存在：%(path)s",
    "Old .xls workbooks cannot be read: save the file as .xlsx or .csv in Excel.": (
        "无法读取旧版 .xls 工作簿：请在 Excel 中另存为 .xlsx 或 .csv。"
    ),
    "Unsupported file type %(suffix)s: use .csv or .xlsx": "不支持的文件类型 %(suffix)s：请使用 .csv 或 .xlsx",
    "Not valid CSV near line %(line)d: %(err)s": "第 %(line)d 行附近不是有效的 CSV：%(err)s",
    "The file is empty.": "文件为空。",
    "Cannot read the workbook: %(err)s": "无法读取工作簿：%(err)s",
    "Row 1: the header lacks the column(s) %(missing)s. Expected columns: %(expected)s.": (
        "第 1 行：表头缺少列 %(missing)s。应有的列：%(expected)s。"
    ),
    "This cell is empty.": "此单元格为空。",
    "Longer than %(n)d characters.": "超过 %(n)d 个字符。",
    "“%(value)s” is not a kind: write 部件 or 事件.": "“%(value)s”不是有效类型：请填写“部件”或“事件”。",
    "“%(value)s” is not a 2-digit major code.": "“%(value)s”不是 2 位大类代码。",
    "“%(value)s” is not a %(n)d-digit minor code.": "“%(value)s”不是 %(n)d 位小类代码。",
    "Code %(code)s is “%(first)s” on row %(row)d but “%(this)s” here.": (
        "代码 %(code)s 在第 %(row)d 行是“%(first)s”，此处却是“%(this)s”。"
    ),
    "Major %(code)s is “%(first)s” on row %(row)d but “%(this)s” here.": (
        "大类 %(code)s 在第 %(row)d 行是“%(first)s”，此处却是“%(this)s”。"
    ),
    "The component ID must be digits only; “%(id)s” is not.": "部件标识码只能由数字组成；“%(id)s”不是。",
    "“%(id)s” is a 16-digit CJ/T 214 ID (2-digit minor code); the component ID has 17 digits: "
    "6 county + 2 major + 3 minor + 6 sequence. Widening the minor code gives %(padded)s": (
        "“%(id)s”是 CJ/T 214 的 16 位标识码（小类 2 位）；部件标识码应为 17 位："
        "6 位县级代码 + 2 位大类 + 3 位小类 + 6 位顺序号。小类补足 3 位后为 %(padded)s"
    ),
    ", which is “%(new)s” in %(catalogue)s": "，在 %(catalogue)s 中是“%(new)s”",
    "; in CJ/T 214 the code %(code)s is “%(old)s”": "；而在 CJ/T 214 中代码 %(code)s 是“%(old)s”",
    ". The two catalogues number categories differently, so check the category and write "
    "the 17-digit ID.": "。两部目录的分类编号不同，请核对部件类别后填写 17 位标识码。",
    "The component ID must have 17 digits (6 county + 2 major + 3 minor + 6 sequence); "
    "“%(id)s” has %(n)d.": (
        "部件标识码应为 17 位（6 位县级代码 + 2 位大类 + 3 位小类 + 6 位顺序号）；“%(id)s”为 %(n)d 位。"
    ),
    "the county code %(county)s is not a district of this platform": "县级代码 %(county)s 不是本平台的区县",
    "%(code)s is not a component category of the catalogue %(catalogue)s": (
        "%(code)s 不是目录 %(catalogue)s 中的部件小类"
    ),
    "the sequence number (last 6 digits) cannot be 000000": "顺序号（后 6 位）不能为 000000",
    "Component ID %(id)s: %(problems)s.": "部件标识码 %(id)s：%(problems)s。",
    "%(id)s is already on row %(row)d.": "%(id)s 已在第 %(row)d 行出现。",
    "“%(value)s” is not an 18-character unified social credit code.": "“%(value)s”不是 18 位统一社会信用代码。",
    "“%(value)s” is not a 15-digit unit grid code.": "“%(value)s”不是 15 位单元网格代码。",
    "“%(value)s” is not a status: write 完好, 破损, 丢失, 废弃 or 移除.": (
        "“%(value)s”不是有效状态：请填写完好、破损、丢失、废弃或移除。"
    ),
    "“%(value)s” is not an accuracy class: write A, B or C.": "“%(value)s”不是定位精度等级：请填写 A、B 或 C。",
    "“%(value)s” is not a data source: write 实测, 地形图, 基础地理数据 or 其他.": (
        "“%(value)s”不是有效数据来源：请填写实测、地形图、基础地理数据或其他。"
    ),
    "“%(value)s” is not a date (YYYY-MM-DD).": "“%(value)s”不是日期（YYYY-MM-DD）。",
    "“%(value)s” is not a number.": "“%(value)s”不是数字。",
    "(%(lon)s, %(lat)s) is not a longitude/latitude in China: projected metres, or longitude "
    "and latitude swapped?": "(%(lon)s, %(lat)s) 不是中国境内的经纬度：是否为投影坐标（米），或经纬度填反了？",
    "A component is a Point; this feature is a %(type)s.": "部件应为点要素；此要素是 %(type)s。",
    # actions_catalogue.py: loaders
    "… and %(n)d more errors.": "……另有 %(n)d 个错误。",
    "The file has a header but no rows.": "文件只有表头，没有数据行。",
    "%(code)s is already on row %(row)d.": "%(code)s 已在第 %(row)d 行出现。",
    "You may not change the catalogue.": "您无权修改部件事件目录。",
    "%(c)d new, %(u)d changed, %(s)d unchanged, %(d)d withdrawn": (
        "新增 %(c)d，修改 %(u)d，未变 %(s)d，停用 %(d)d"
    ),
    "No catalogue %(code)s.": "没有目录 %(code)s。",
    "No catalogue is loaded: run zhili cases load-catalogue first.": (
        "尚未加载目录：请先运行 zhili cases load-catalogue。"
    ),
    "The catalogue %(code)s already exists; leave out the new catalogue name to load into it.": (
        "目录 %(code)s 已存在；如要导入该目录，请不要指定新目录名称。"
    ),
    "No catalogue %(code)s. Load it (zhili cases load-catalogue), or give a name to create it "
    "as a local catalogue (--new-catalogue NAME).": (
        "没有目录 %(code)s。请先加载（zhili cases load-catalogue），或指定名称将其新建为本地目录"
        "（--new-catalogue 名称）。"
    ),
    "%(standard)s (local addition)": "%(standard)s（本地增补）",
    "%(standard)s: %(rows)d conditions on %(cats)d categories (%(new)d new)": (
        "%(standard)s：%(cats)d 个小类共 %(rows)d 条立结案条件（新增小类 %(new)d 个）"
    ),
    "Code %(code)s is “%(theirs)s” in the catalogue %(catalogue)s, but “%(ours)s” in this file. "
    "This standard numbers its categories differently: load it into a catalogue of its own "
    "(--catalogue CODE --new-catalogue NAME).": (
        "代码 %(code)s 在目录 %(catalogue)s 中是“%(theirs)s”，在本文件中却是“%(ours)s”。"
        "该标准的分类编号与此目录不同：请导入到单独的目录（--catalogue 代码 --new-catalogue 名称）。"
    ),
    "Also rows %(rows)s.": "另见第 %(rows)s 行。",
    "You may not import components.": "您无权导入部件。",
    "(%(lon).6f, %(lat).6f) lies outside every unit grid.": "(%(lon).6f, %(lat).6f) 不在任何单元网格内。",
    "The location lies in unit grid %(found)s, not %(given)s.": "该位置位于单元网格 %(found)s，而不是 %(given)s。",
    "%(c)d new, %(u)d updated, %(g)d unit grids assigned": "新增 %(c)d，更新 %(u)d，按位置补填单元网格 %(g)d",
    # admin_catalogue.py and models: field names
    "filing condition (立案条件)": "立案条件",
    "closing condition (结案条件)": "结案条件",
    "code": "代码",
    "name": "名称",
    "default catalogue": "默认目录",
    "The catalogue new cases and component IDs use.": "新案件和部件标识码所用的目录。",
    "digits of the minor code": "小类代码位数",
    "local code table": "本地编码表",
    "Created from a local standard rather than from a national one.": "由地方标准而非国家标准生成。",
    "source": "来源",
    "catalogue": "目录",
    "catalogues": "目录",
    "Component (部件)": "部件",
    "Event (事项)": "事项",
    "kind": "类型",
    "major code": "大类代码",
    "major name": "大类名称",
    "minor code": "小类代码",
    "minor name": "小类名称",
    "local addition": "本地增补",
    "Added by a local standard; not in the national list.": "由地方标准增补，不在国家目录中。",
    "active": "启用",
    "category": "类别",
    "categories": "类别",
    "standard": "标准",
    "The local standard this row comes from.": "本条所属的地方标准。",
    "order": "序号",
    "time limit": "处置时限",
    "time unit": "时限单位",
    "time limit as written": "时限原文",
    "For example 2紧急工作时.": "例如 2紧急工作时。",
    "time limit remark": "时限说明",
    "What must be done within the limit, when the standard says (制止).": "标准规定在时限内须完成的动作（如“制止”）。",
    "handling unit (处置单位)": "处置单位",
    "handling unit in the organisation": "处置单位（组织机构）",
    "supervising department (主管部门)": "主管部门",
    "supervising department in the organisation": "主管部门（组织机构）",
    "row in the source file": "源文件行号",
    "standard condition": "立结案条件",
    "standard conditions": "立结案条件",
    "Intact (完好)": "完好",
    "Damaged (破损)": "破损",
    "Lost (丢失)": "丢失",
    "Abandoned (废弃)": "废弃",
    "Removed (移除)": "移除",
    "A: within 0.5 m (manhole covers, lamps)": "A 级：0.5 米以内（井盖、路灯等）",
    "B: within 1 m (bins, kiosks, billboards)": "B 级：1 米以内（垃圾箱、报刊亭、广告牌等）",
    "C: within 10 m (bridges, car parks)": "C 级：10 米以内（桥梁、停车场等）",
    "Surveyed (实测)": "实测",
    "Topographic map (地形图)": "地形图",
    "Base geographic data (基础地理数据)": "基础地理数据",
    "Other (其他)": "其他",
    "component ID": "部件标识码",
    "owner (权属单位)": "权属单位",
    "owner in the organisation": "权属单位（组织机构）",
    "maintainer (养护单位)": "养护单位",
    "maintainer in the organisation": "养护单位（组织机构）",
    "supervising department code": "主管部门代码",
    "Unified social credit code (统一社会信用代码), 18 characters.": "统一社会信用代码，18 位。",
    "unit grid": "单元网格",
    "community code": "社区代码",
    "street code": "街道代码",
    "status": "状态",
    "longitude": "经度",
    "latitude": "纬度",
    "positioning accuracy": "定位精度",
    "initial date (初始日期)": "初始日期",
    "change date (变更日期)": "变更日期",
    "data source": "数据来源",
    "note": "备注",
    "component": "部件",
    "components": "部件",
    "No default catalogue is loaded: run zhili cases load-catalogue.": (
        "尚未加载默认目录：请运行 zhili cases load-catalogue。"
    ),
    "The component ID says %(code)s “%(name)s”.": "部件标识码对应的是 %(code)s“%(name)s”。",
}

ZH_PLURAL: dict[str, list[str]] = {}


def main() -> int:
    merge_area_files(HERE, ZH, ZH_PLURAL)
    return 1 if fill_catalogue(PO, project="zhili cases", zh=ZH, zh_plural=ZH_PLURAL) else 0


if __name__ == "__main__":
    sys.exit(main())
