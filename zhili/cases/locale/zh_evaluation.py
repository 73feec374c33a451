"""Chinese for the comprehensive evaluation (综合评价): evaluation.py, models/evaluation.py,
views_evaluation.py and templates/cases/evaluation/.  Merged by translate_zh.py.

Left out because the catalogue already has them: "Closed", "Community",
"Unit grid", "Export to Excel".
"""

from __future__ import annotations

ZH: dict[str, str] = {
    # evaluation.py: weights
    "Unknown post type “%(post)s”.": "未知的评价对象类型“%(post)s”。",
    'The weights must be an object of item → number, such as {"closing_rate": 30}.': (
        '权重应为“指标 → 数值”的对象，例如 {"closing_rate": 30}。'
    ),
    "Unknown item “%(item)s”. Known items: %(known)s.": "未知的指标“%(item)s”。可用的指标：%(known)s。",
    "The weight of “%(item)s” must be a number of 0 or more, not %(w)r.": "“%(item)s”的权重必须是不小于 0 的数，而不是 %(w)r。",
    "At least one weight must be above 0.": "至少要有一项权重大于 0。",
    # evaluation.py: period and parameters
    "The period ends (%(last)s) before it starts (%(first)s).": "考核期的结束日期（%(last)s）早于开始日期（%(first)s）。",
    "The period must be given in aware datetimes.": "考核期必须使用带时区的时间。",
    "The period ends before it starts.": "考核期的结束早于开始。",
    "Unknown grouping “%(by)s”: use region, department or post.": "未知的评价维度“%(by)s”：请使用 region（区域）、department（部门）或 post（岗位）。",
    "Unknown region level “%(level)s”: use district, street, community or grid.": (
        "未知的区域层级“%(level)s”：请使用 district（区）、street（街道）、community（社区）或 grid（网格）。"
    ),
    "Unknown post type “%(post)s”: use %(posts)s.": "未知的岗位类型“%(post)s”：请使用 %(posts)s。",
    # evaluation.py: columns
    "Reports": "上报数",
    "Valid report rate": "有效上报率",
    "Filed": "立案数",
    "On-time filing rate": "按时立案率",
    "Filing accuracy": "立案准确率",
    "Dispatched": "派遣数",
    "On-time dispatch rate": "按时派遣率",
    "Dispatch accuracy": "派遣准确率",
    "On-time handling rate": "按期处置率",
    "Closing rate": "结案率",
    "On-time closure rate": "按时结案率",
    "Closed within the time limit": "按期结案率",
    "Rework rate": "返工率",
    "Extension rate": "延期率",
    "Overdue cases": "超期案件数",
    "Hotline satisfaction": "12345 满意率",
    "Missed reports": "漏报数",
    "Missed report rate": "漏报率",
    "On-time verification rate": "按时核实率",
    "On-time check rate": "按时核查率",
    "On-time verification dispatch": "核实派遣按时率",
    "Received": "受理数",
    # evaluation.py: rankings
    "Districts": "区县",
    "Streets and towns": "街道（镇）",
    "Communities": "社区（村）",
    "Unit grids": "单元网格",
    "Departments": "部门",
    "Field inspectors (监督员)": "监督员",
    "Intake operators (受理员)": "受理员",
    "Shift leads (值班长)": "值班长",
    "Dispatchers (派遣员)": "派遣员",
    "Handling units (处置单位)": "处置单位",
    # evaluation.py: workbook
    "Rank": "排名",
    "Code": "代码",
    "Name": "名称",
    "Score": "得分",
    "Grade": "等级",
    # models/evaluation.py
    "Region (区域)": "区域",
    "Department (部门)": "部门",
    "Field inspector (监督员)": "监督员",
    "Intake operator (受理员)": "受理员",
    "Shift lead (值班长)": "值班长",
    "Dispatcher (派遣员)": "派遣员",
    "Handling unit (处置单位)": "处置单位",
    "evaluated post": "评价对象",
    "weights": "权重",
    'An object of item → weight, e.g. {"closing_rate": 30, …}. Weights are relative: '
    "they need not add up to 100. Items left out weigh 0.": (
        '“指标 → 权重”的对象，例如 {"closing_rate": 30, …}。权重是相对值，合计不必等于 100；未列出的指标权重为 0。'
    ),
    "evaluation weights": "评价权重",
    # views_evaluation.py
    "Region": "区域",
    "Department": "部门",
    "Post": "岗位",
    "District": "区县",
    "Street or town": "街道（镇）",
    "From": "开始日期",
    "To (inclusive)": "结束日期（含）",
    "Evaluate by": "评价维度",
    "Region level": "区域层级",
    "Choose a period of at most three years.": "考核期最长为三年。",
    "Comprehensive evaluation %(start)s – %(end)s": "综合评价 %(start)s – %(end)s",
    "Default weights": "默认权重",
    # templates/cases/evaluation/index.html
    "Comprehensive evaluation": "综合评价",
    "Evaluate": "评价",
    "Cases reported in the period, each with every step it has reached by now; rates of a recent period "
    "are provisional while its cases are open. A rate with nothing to judge is shown as — and left out "
    "of the score.": (
        "统计考核期内上报的案件，按各案件截至目前已完成的环节计算；近期考核期内仍有未结案件时，各项比率为暂定值。"
        "没有可评价对象的比率显示为“—”，不计入得分。"
    ),
    "You see the rows of your own department.": "您只能看到本部门的数据。",
    "no cases": "无案件",
    "Grades": "等级",
    "No cases in this period.": "考核期内没有案件。",
    "On-time intake is not measured yet: case rows do not record whether intake kept its time limit, "
    "so intake operators are scored on volume only.": (
        "暂未统计按时受理：案件记录中尚未记录受理是否在时限内完成，因此受理员仅按受理量评分。"
    ),
    "Weights of the score": "得分权重",
}
