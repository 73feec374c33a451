"""Chinese for the REST API (zhili/cases/api), merged by translate_zh.py."""

ZH: dict[str, str] = {
    # api/errors.py
    "%(field)s: %(problem)s": "%(field)s：%(problem)s",
    "Some fields are not valid: %(fields)s.": "以下字段有误：%(fields)s。",
    "Not found, or you may not see it.": "不存在，或您无权查看。",
    "You may not do this.": "您无权执行此操作。",
    "The request body is not valid JSON: %(err)s": "请求体不是有效的 JSON：%(err)s",
    "Internal error; it has been logged.": "服务器内部错误，已记录日志。",
    # api/authentication.py (DRF's own messages)
    "Invalid token.": "认证令牌无效。",
    "User inactive or deleted.": "用户未激活或者已删除。",
    # api/permissions.py
    "This API is for government staff; residents report through the public pages.": (
        "本接口仅供政府工作人员使用；居民请通过公众页面上报。"
    ),
    "You may not read the catalogue.": "您无权查看部件事件分类。",
    "You may not read grids and divisions.": "您无权查看网格和行政区划。",
    # api/serializers.py
    "Datum of lon/lat: wgs84 or cgcs2000 (GPS, the same here), gcj02 (Amap, Tencent, WeChat) "
    "or bd09 (Baidu). Stored and returned as WGS84.": (
        "经纬度的坐标系：wgs84 或 cgcs2000（GPS，此处视为相同）、gcj02（高德、腾讯、微信）"
        "或 bd09（百度）。存储和返回均为 WGS84。"
    ),
    "Report": "上报",
    "Duplicate merged in": "合并入重复案件",
    "Step overdue": "环节超时",
    "The end date is before the start date.": "结束日期早于开始日期。",
    "Unknown field.": "未知字段。",
    "No active category has this id.": "没有此 ID 的在用分类。",
    "No filing condition has this id.": "没有此 ID 的立案条件。",
    "Your role may not report with source “%(source)s”; allowed: %(allowed)s.": (
        "您的角色不能以“%(source)s”来源上报；允许的来源：%(allowed)s。"
    ),
    "The report time is in the future.": "上报时间晚于当前时间。",
    "The report time is more than 7 days ago.": "上报时间早于 7 天前。",
    "Give both longitude and latitude, or neither.": "经度和纬度须同时填写或同时留空。",
    # api/queries.py
    "The cursor is not valid; use the `next` link of a previous page.": (
        "分页游标无效；请使用上一页返回的 `next` 链接。"
    ),
    # api/moves.py
    "No active organisation unit has this id.": "没有此 ID 的在用组织单位。",
    "No case with this number, or you may not see it.": "没有此编号的案件，或您无权查看。",
    "This case has no extension request with this id.": "此案件没有该 ID 的延期申请。",
    "This case has no extension request waiting for a decision.": "此案件没有待审批的延期申请。",
    "The body must be a JSON object.": "请求体必须是 JSON 对象。",
    "Unknown action; use one of: %(names)s.": "未知操作；可用操作：%(names)s。",
    # api/tokens.py
    "Only system administrators may issue or revoke API tokens.": "只有系统管理员可以签发或吊销接口令牌。",
    "%(user)s is not active; activate the account first.": "%(user)s 已停用；请先启用该账号。",
    "%(user)s has no staff role; the API is for government staff and connected systems.": (
        "%(user)s 没有工作人员角色；本接口仅供政府工作人员和对接系统使用。"
    ),
    "API token issued (the previous one revoked)": "已签发接口令牌（原令牌已吊销）",
    "API token issued": "已签发接口令牌",
    "API token revoked": "已吊销接口令牌",
    # api/views.py: schema texts and messages
    "Invalid input (code validation); `fields` names the problems.": (
        "输入有误（代码 validation）；`fields` 列出各字段的问题。"
    ),
    "No or invalid token (code not_authenticated).": "缺少令牌或令牌无效（代码 not_authenticated）。",
    "Your role may not use this endpoint (code forbidden).": "您的角色不能使用此接口（代码 forbidden）。",
    "Not found, or not visible to you: the same answer for both (code not_found).": (
        "不存在或您无权查看：两种情况答复相同（代码 not_found）。"
    ),
    "illegal_transition: the action is not possible in the case's state or for your role; "
    "stale: the case changed since the version you sent.": (
        "illegal_transition：案件当前状态或您的角色不允许此操作；stale：案件在您提交的版本之后已被他人修改。"
    ),
    "The working calendar of a year is missing (code calendar_missing).": (
        "缺少某年度的工作日历（代码 calendar_missing）。"
    ),
    "List the cases you may see": "列出您可查看的案件",
    "Newest first, 50 a page (`page_size` up to 200); follow `next` for the following page. "
    "Inspectors see the cases of their responsibility grids and their own reports, handling "
    "units the cases dispatched to them, the centre and leaders every case.": (
        "按上报时间倒序，每页 50 条（`page_size` 最多 200）；用 `next` 取下一页。"
        "监督员可见其责任网格内的案件和本人上报的案件，处置单位可见派遣给本单位的案件，"
        "指挥中心和领导可见全部案件。"
    ),
    "Report a case": "上报案件",
    "Creates a case awaiting intake (上报). The location is looked up in the unit grids of the "
    "report's day; give lon/lat (any datum) or, without them, an address.": (
        "新建一条待受理的案件（上报）。按上报当日的单元网格定位；请提供经纬度（任一坐标系），"
        "没有经纬度时提供地址。"
    ),
    "Your role may not report cases.": "您的角色不能上报案件。",
    "One case": "单个案件",
    "The case's timeline": "案件流转记录",
    "Every entry, oldest first: who did what, when, and the state before and after.": (
        "全部记录，按时间先后：何人何时做了什么，以及前后状态。"
    ),
    "Take an action on a case": "办理案件",
    "`action` chooses the step (accept, send_to_verify, verify, file, decline, dispatch, send_back, "
    "feedback, check, close, reopen, park, unpark, void, merge, request_extension, "
    "decide_extension, comment) and the other fields it takes. Actions that change the state "
    "require `expected_version`: the case's `version` when you read it.": (
        "`action` 指定办理环节（accept、send_to_verify、verify、file、decline、dispatch、send_back、"
        "feedback、check、close、reopen、park、unpark、void、merge、request_extension、"
        "decide_extension、comment）及其所需的其他字段。改变案件状态的操作须提供 "
        "`expected_version`：即您读取案件时的 `version`。"
    ),
    "Categories of a catalogue, with their standard conditions": "分类目录中的分类及其立结案标准",
    "No catalogue has this code.": "没有此代码的分类目录。",
    "One category": "单个分类",
    "One unit grid: hierarchy, area, responsibility grid, geometry": "单个单元网格：所属区划、面积、责任网格、边界",
    "The unit grid, community, street and district at a point": "某点所在的单元网格、社区、街道和区县",
    "Comprehensive evaluation (综合评价) of a period": "某一时段的综合评价",
    "Scores and grades of the cases reported in [from, to] (default: last month), by region "
    "(level: district, street, community, grid), department or post (inspector, intake, "
    "shift_lead, dispatcher, unit). Leaders, office staff and shift leads see everything, "
    "department leaders their own units; others get 404.": (
        "对 [from, to] 期间上报的案件（默认上月）评分定级，可按区域（level：区县、街道、社区、网格）、"
        "部门或岗位（监督员、受理员、值班长、派遣员、处置单位）统计。领导、治理办和值班长可见全部，"
        "部门领导可见本部门单位；其他人得到 404。"
    ),
    "No such API endpoint.": "没有此接口。",
    # api/templates/api_docs.html
    "API documentation": "接口文档",
    "Machine-readable schema (OpenAPI 3):": "机器可读的接口描述（OpenAPI 3）：",
    "Operations": "接口操作",
    "Parameter": "参数",
    "Sent in": "传递方式",
    "Data type": "数据类型",
    "Explanation": "说明",
    "Request body": "请求体",
    "HTTP status": "HTTP 状态码",
    "Response body": "响应体",
    "Components": "数据结构",
    "One of:": "以下之一：",
    "Field name": "字段名",
    "read-only": "只读",
    "* required": "* 必填",
}
