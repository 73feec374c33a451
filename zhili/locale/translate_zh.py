"""Fill the project-level Chinese catalogue and compile it.

This catalogue covers zhili/templates, zhili/core, zhili/places and zhili/demo;
the apps accounts, workcal and cases keep their own catalogues.  Re-extract
first, then run this script (from the repository root)::

    cd zhili && ../.venv/bin/django-admin makemessages -l zh_Hans \
        --ignore "accounts/*" --ignore "workcal/*" --ignore "cases/*" \
        --ignore "demo/generator.py"
    cd .. && .venv/bin/python zhili/locale/translate_zh.py

The script fills every msgstr from the tables below, clears fuzzy flags, sets
the Chinese plural header (one form) and writes django.mo beside django.po.
It lists any msgid it has no translation for and exits non-zero; add the
missing strings to ZH / ZH_PLURAL and run it again.
"""

from __future__ import annotations

import sys
from pathlib import Path

from zhili.core.catalogues import fill_catalogue, merge_area_files

HERE = Path(__file__).resolve().parent
PO = HERE / "zh_Hans" / "LC_MESSAGES" / "django.po"

ZH: dict[str, str] = {
    # core/models.py: audit log
    "time": "时间",
    "actor": "操作人",
    "action": "操作",
    "object type": "对象类型",
    "object id": "对象 ID",
    "summary": "摘要",
    "before": "变更前",
    "after": "变更后",
    "audit entry": "审计记录",
    "audit entries": "审计记录",
    # core/navigation.py: modules on the home page
    "Places and grids": "区划与网格",
    "Divisions, unit grids, responsibility grids, the grid map": "行政区划、单元网格、责任网格、网格地图",
    "Working calendar": "工作日历",
    "Statutory holidays, adjusted working days, office hours": "法定节假日、调休工作日、办公时间",
    "Grid city management": "网格化城市管理",
    "Cases from report to closure, dispatch, hotline, evaluation": "案件上报至结案、派遣、热线、考核评价",
    "Public reporting": "公众上报",
    "Resident report pages and the Open311 GeoReport v2 API": "居民上报页面及 Open311 GeoReport v2 接口",
    "Action-plan supervision": "专项行动督办",
    "Plans, tasks, five fixes, progress, warnings, assessment": "计划、任务、“五定”、进度、预警、考核",
    "Civilized-city monitoring": "文明城市测评",
    "Sampled inspections and civility indices": "抽样检查与文明指数",
    "Ten-minute service circles": "十分钟服务圈",
    "Walking coverage, gaps and siting of facilities": "步行覆盖、服务盲区与设施选址",
    "Environmental supervision": "生态环境监管",
    "Double-random inspections, enterprise credit": "“双随机”抽查、企业信用",
    "Sanitation fleet": "环卫车辆",
    "GPS tracks and road-cleaning coverage": "GPS 轨迹与道路清扫覆盖率",
    "Planning one map": "规划“一张图”",
    "Plan layers, parcels, approvals, conflict checks": "规划图层、地块、审批、冲突检测",
    "Leaders' cockpit": "领导驾驶舱",
    "Volunteers and indicators against peer cities": "志愿服务及与同类城市的指标对比",
    # places/actions.py
    "You are not allowed to change boundaries.": "您无权修改边界。",
    "the stored version is valid from %(d)s, after this import's date %(v)s": (
        "已存版本自 %(d)s 起生效，晚于本次导入的生效日期 %(v)s"
    ),
    "%(c)d new, %(r)d redrawn, %(u)d unchanged": "新增 %(c)d 个，边界变更 %(r)d 个，未变 %(u)d 个",
    "Unknown unit grids: %(codes)s": "未知单元网格：%(codes)s",
    "Unit grids already in another responsibility grid: %(pairs)s": "以下单元网格已属于其他责任网格：%(pairs)s",
    # places/boundaries.py: boundary import errors
    "feature %(n)d": "第 %(n)d 个要素",
    "File not found: %(path)s": "文件不存在：%(path)s",
    "The file is not UTF-8 text, as GeoJSON must be.": "文件不是 UTF-8 编码的文本，GeoJSON 必须使用 UTF-8 编码。",
    "Unsupported file type %(suffix)s: use .geojson, .gpkg or .shp": (
        "不支持的文件类型 %(suffix)s：请使用 .geojson、.gpkg 或 .shp"
    ),
    "Not valid JSON (line %(line)d, column %(col)d): %(msg)s": (
        "不是有效的 JSON（第 %(line)d 行，第 %(col)d 列）：%(msg)s"
    ),
    "The GeoJSON must be a FeatureCollection.": "GeoJSON 必须是 FeatureCollection。",
    "The FeatureCollection has no list of features.": "FeatureCollection 中没有 features 列表。",
    "Coordinates must be WGS84/CGCS2000 longitude/latitude; the file declares %(crs)s.": (
        "坐标必须是 WGS84/CGCS2000 经纬度；该文件声明的坐标系为 %(crs)s。"
    ),
    "not a GeoJSON Feature": "不是 GeoJSON Feature",
    "the feature has no geometry": "该要素没有几何图形",
    "unreadable geometry: %(err)s": "无法读取几何图形：%(err)s",
    "Cannot read the file: %(err)s": "无法读取文件：%(err)s",
    "geometry must be a Polygon or MultiPolygon, not %(t)s": "几何类型必须是 Polygon 或 MultiPolygon，不能是 %(t)s",
    "geometry is empty": "几何图形为空",
    "coordinates (%(x).4f, %(y).4f) are not longitude/latitude in China; are they projected metres or swapped?": (
        "坐标 (%(x).4f, %(y).4f) 不是中国境内的经纬度；是否为投影坐标（米），或经纬度顺序颠倒？"
    ),
    "invalid geometry: %(why)s": "几何图形无效：%(why)s",
    "missing property 'code'": "缺少属性“code”",
    "division code %(code)s must have 6 (district), 9 (street/town) or 12 (community) digits": (
        "区划代码 %(code)s 必须为 6 位（区县）、9 位（街道/镇）或 12 位（社区/村）数字"
    ),
    "code repeats feature %(n)d": "编码与第 %(n)d 个要素重复",
    "missing property 'name'": "缺少属性“name”",
    "population must be a whole number ≥ 0": "人口（population）必须是不小于 0 的整数",
    "parent division %(parent)s does not exist (neither in the file nor stored)": (
        "上级区划 %(parent)s 不存在（文件中和系统中均无）"
    ),
    "%(pct).1f%% of the area lies outside its parent division %(parent)s": (
        "有 %(pct).1f%% 的面积位于上级区划 %(parent)s 之外"
    ),
    "unit grid code %(code)s must have 15 digits: 6 county + 3 street + 3 community + 3 sequence": (
        "单元网格编码 %(code)s 必须为 15 位数字：6 位区县 + 3 位街道 + 3 位社区 + 3 位顺序码"
    ),
    "the grid sequence number (last 3 digits) cannot be 000": "网格顺序码（后 3 位）不能为 000",
    "community %(c)s (the first 12 digits of the code) does not exist": "社区 %(c)s（编码前 12 位）不存在",
    "%(pct).1f%% of the grid lies outside its community %(c)s": "网格有 %(pct).1f%% 的面积位于所属社区 %(c)s 之外",
    "overlaps grid %(other)s by %(m2).0f m²": "与网格 %(other)s 重叠 %(m2).0f 平方米",
    # places/forms.py
    "What the file holds": "文件内容",
    "Divisions": "行政区划",
    "Unit grids": "单元网格",
    "File (.geojson or .gpkg)": "文件（.geojson 或 .gpkg）",
    "Valid from": "生效日期",
    "Save (untick to only check the file)": "保存（取消勾选则只检查文件）",
    "Upload a .geojson or .gpkg file (zip Shapefiles are not accepted here).": (
        "请上传 .geojson 或 .gpkg 文件（此处不接受 zip 压缩的 Shapefile）。"
    ),
    "The file is larger than %(mb)d MB.": "文件大小超过 %(mb)d MB。",
    # places/models.py
    "District or county (区县)": "区县",
    "Street or town (街道/镇)": "街道/镇",
    "Community or village (社区/村)": "社区/村",
    "geometry (WKB, WGS84)": "几何图形（WKB，WGS84）",
    "area (m²)": "面积（平方米）",
    "valid from": "生效日期",
    "valid until (exclusive)": "失效日期（不含当日）",
    "code": "编码",
    "name": "名称",
    "level": "层级",
    "parent code": "上级编码",
    "resident population": "常住人口",
    "governing unit": "管理单位",
    "synthetic demo data": "合成演示数据",
    "administrative division": "行政区划",
    "administrative divisions": "行政区划",
    "district code": "区县代码",
    "street code": "街道代码",
    "community code": "社区代码",
    "unit grid": "单元网格",
    "unit grids": "单元网格",
    "inspector": "监督员",
    "active": "启用",
    "responsibility grid": "责任网格",
    "responsibility grids": "责任网格",
    "Cultural station (文化站)": "文化站",
    "Library (图书馆)": "图书馆",
    "Library branch (图书馆分馆)": "图书馆分馆",
    "Self-service library (自助图书馆)": "自助图书馆",
    "Volunteer station (志愿服务站)": "志愿服务站",
    "Volunteer post (志愿服务岗)": "志愿服务岗",
    "Volunteer point (志愿服务点)": "志愿服务点",
    "kind": "类型",
    "longitude": "经度",
    "latitude": "纬度",
    "capacity": "容量",
    "opening hours": "开放时间",
    "facility": "设施",
    "facilities": "设施",
    "Street network": "道路网",
    "Population points": "人口点位",
    "rows": "行数",
    "data (npz)": "数据（npz）",
    "source": "来源",
    "dataset": "数据集",
    "datasets": "数据集",
    # places templates
    "population": "人口",
    "grids": "网格",
    "Synthetic demo data: not a real place.": "合成演示数据：并非真实地点。",
    "Level": "层级",
    "Area": "面积",
    "Resident population": "常住人口",
    "Valid": "有效期",
    "Subdivisions": "下级区划",
    "Code": "编码",
    "Name": "名称",
    "Population": "人口",
    "Boundary versions": "边界历史版本",
    "Administrative divisions": "行政区划",
    "No divisions yet. Import them with “zhili places import FILE --kind divisions --commit”, "
    "or run “zhili demo”.": (
        "暂无行政区划。请用“zhili places import FILE --kind divisions --commit”导入，或运行“zhili demo”。"
    ),
    "Import boundaries": "导入边界",
    "GeoJSON FeatureCollection or GeoPackage in WGS84/CGCS2000 longitude/latitude. Each feature needs "
    "the properties “code” and “name”; divisions may carry “population”. The whole file is checked "
    "first: if any feature fails, nothing is saved and every failure is listed.": (
        "文件格式为 GeoJSON FeatureCollection 或 GeoPackage，坐标为 WGS84/CGCS2000 经纬度。"
        "每个要素须有“code”和“name”属性；行政区划还可带“population”属性。"
        "系统先检查整个文件：只要有一个要素未通过检查，就不保存任何数据，并列出全部错误。"
    ),
    "Upload and check": "上传并检查",
    "The file is being checked by the background worker… this page refreshes by itself.": (
        "后台任务正在检查文件……本页面会自动刷新。"
    ),
    "If nothing happens, make sure a worker runs: zhili db_worker": (
        "如果长时间没有结果，请确认后台任务进程已在运行：zhili db_worker"
    ),
    "The import job failed unexpectedly; nothing was saved.": "导入任务意外失败，未保存任何数据。",
    "Saved.": "已保存。",
    "Checked: no errors. Nothing saved (check only).": "检查完毕，未发现错误。未保存数据（仅检查）。",
    "new": "新增",
    "redrawn": "边界变更",
    "unchanged": "未变",
    "Import another file": "导入其他文件",
    "Grid map": "网格地图",
    "Click a unit grid to see its code and hierarchy. Zoom in to see unit grids.": (
        "点击单元网格可查看其编码和所属区划。放大地图可显示单元网格。"
    ),
    "Unit grid": "单元网格",
    "Community": "社区",
    "Street or town": "街道/镇",
    "District": "区县",
    "Responsibility grid": "责任网格",
    "Legend": "图例",
    "streets and towns": "街道/镇",
    "communities": "社区",
    "No basemap is configured (ZHILI_BASEMAP_URL); boundaries are drawn on a plain background.": (
        "未配置底图（ZHILI_BASEMAP_URL），边界绘制在空白背景上。"
    ),
    # places/views.py: JSON API errors
    "unknown level %(l)s": "未知层级 %(l)s",
    "bbox must be minLon,minLat,maxLon,maxLat": "bbox 格式必须为 minLon,minLat,maxLon,maxLat",
    "lon and lat are required numbers": "lon 和 lat 为必填数字",
    "unknown datum %(d)s": "未知坐标系 %(d)s",
    # templates/base.html, core/home.html
    "Zhili": "治理",
    "Zhili urban governance": "城市治理平台",
    "Menu": "菜单",
    "Main": "主导航",
    "Organisation": "组织机构",
    "Back office": "后台管理",
    "Language": "语言",
    "Go": "确定",
    "Log out": "退出登录",
    "Log in": "登录",
    "Home": "首页",
    "Zhili urban governance platform": "治理 · 城市治理平台",
    "Welcome, %(name)s.": "欢迎您，%(name)s。",
    "Not yet available in this installation.": "本系统尚未启用此功能。",
    # templates/registration/login.html
    "Your username and password didn't match, or the account is inactive. Please try again.": (
        "用户名或密码错误，或账号已停用。请重试。"
    ),
    "Username": "用户名",
    "Password": "密码",
    # templates/registration/locked_out.html (same wording as the accounts catalogue)
    "Account locked": "账号已锁定",
    "Ask the system administrator to unlock the account.": "请联系系统管理员解锁账号。",
    "Try again in %(minutes)s minutes, or ask the system administrator to unlock the account.": (
        "请 %(minutes)s 分钟后再试，或联系系统管理员解锁账号。"
    ),
    "Even the right password is refused while the lock lasts. Every attempt is recorded.": (
        "锁定期间即使密码正确也无法登录。每次尝试都会被记录。"
    ),
    "Back to the login page": "返回登录页",
}

# Plural entries, keyed by the singular msgid.  Chinese has a single form.
ZH_PLURAL: dict[str, str] = {
    "%(n)s error: nothing was saved.": "共 %(n)s 处错误，未保存任何数据。",
    "Login is locked after %(limit)s failed attempt.": "连续登录失败 %(limit)s 次，账号已锁定。",
}


def main() -> int:
    merge_area_files(HERE, ZH, ZH_PLURAL)
    header = (
        "Simplified Chinese translation of Zhili (project-level strings).\n"
        "This file is distributed under the same license as the zhili package (AGPL-3.0-or-later)."
    )
    missing = fill_catalogue(
        PO, project="zhili", zh=ZH, zh_plural=ZH_PLURAL, header=header, wrapwidth=79
    )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
