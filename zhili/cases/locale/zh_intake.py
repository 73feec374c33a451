"""Chinese for the intake strings: media, duplicate rules, 12345 hotline.

To be merged into ``translate_zh.ZH`` (msgids already there are left out:
"The file is empty.", "Longer than %(n)d characters.", "name", "order", …).
"""

from __future__ import annotations

ZH: dict[str, str] = {
    # media.py
    "%(name)s: the picture has too many pixels (%(w)d × %(h)d; at most %(max)d megapixels).": (
        "%(name)s：图片像素过多（%(w)d × %(h)d，最多 %(max)d 百万像素）。"
    ),
    "%(name)s: the picture has too many pixels (at most %(max)d megapixels).": (
        "%(name)s：图片像素过多（最多 %(max)d 百万像素）。"
    ),
    "(unnamed file)": "（未命名文件）",
    "%(name)s: not a photo or video (accepted: JPEG, PNG, WebP or HEIC photos; "
    "MP4, MOV or WebM videos).": (
        "%(name)s：不是图片或视频（照片支持 JPEG、PNG、WebP、HEIC；视频支持 MP4、MOV、WebM）。"
    ),
    "%(name)s: the photo is damaged or incomplete and cannot be opened.": (
        "%(name)s：照片已损坏或不完整，无法打开。"
    ),
    "Only files can be attached.": "只能上传文件。",
    "No file was given.": "没有选择文件。",
    "%(name)s: the file is empty.": "%(name)s：文件为空。",
    "%(name)s: Matroska (MKV) videos are not accepted; send MP4, MOV or WebM.": (
        "%(name)s：不支持 MKV 视频，请上传 MP4、MOV 或 WebM。"
    ),
    "Unknown phase %(p)s.": "未知的环节 %(p)s。",
    "At most %(max)d files can be attached at once; %(n)d were given.": (
        "一次最多上传 %(max)d 个文件，本次选择了 %(n)d 个。"
    ),
    "%(name)s: the video is too large (%(size)s; at most %(max)s).": (
        "%(name)s：视频太大（%(size)s，最大 %(max)s）。"
    ),
    "%(name)s: the video is damaged or incomplete (was the upload cut off?).": (
        "%(name)s：视频已损坏或不完整（上传是否中断？）。"
    ),
    "%(name)s: the photo is too large (%(size)s; at most %(max)s).": (
        "%(name)s：照片太大（%(size)s，最大 %(max)s）。"
    ),
    "%(name)s: %(format)s pictures are not accepted; send JPEG, PNG, WebP or HEIC.": (
        "%(name)s：不支持 %(format)s 格式的图片，请上传 JPEG、PNG、WebP 或 HEIC。"
    ),
    "The timeline entry belongs to another case.": "该流程记录属于另一个案件。",
    "Case %(n)s is %(state)s; files can no longer be added.": (
        "案件 %(n)s 已是“%(state)s”状态，不能再添加文件。"
    ),
    "%(name)s: HEIC photos cannot be read on this server. Set the phone camera to “Most "
    "Compatible” (JPEG), or send the photo through a chat app, which converts it.": (
        "%(name)s：服务器无法读取 HEIC 照片。请在手机相机设置中选择“兼容性最佳”（JPEG），"
        "或通过聊天软件发送照片（会自动转换）。"
    ),
    # hotline.py
    "You may not import 12345 work orders.": "您无权导入12345工单。",
    "You may not reply to 12345 work orders.": "您无权答复12345工单。",
    "You may not record 12345 callbacks.": "您无权登记12345回访结果。",
    "handling result": "办理结果",
    "reply": "答复内容",
    "The JSON file must hold a list of orders (objects).": "JSON 文件必须是工单（对象）列表。",
    "No such 12345 work order.": "没有这个12345工单。",
    "Say what the caller is unsatisfied with.": "请填写来电人不满意的原因。",
    "The order number is missing.": "缺少工单编号。",
    "The content of the order is missing.": "缺少诉求内容。",
    "Neither coordinates nor an address: the order cannot be located.": (
        "既无坐标也无地址：无法确定工单位置。"
    ),
    "The %(what)s is required.": "必须填写%(what)s。",
    "The %(what)s is longer than 4000 characters.": "%(what)s超过 4000 个字符。",
    "“%(v)s” is not a callback result: write 满意, 基本满意 or 不满意.": (
        "“%(v)s”不是回访结果：请填写满意、基本满意或不满意。"
    ),
    "Reply to the caller before recording the callback.": "请先答复来电人，再登记回访结果。",
    "Unsupported file type %(suffix)s: use .csv, .xlsx or .json": (
        "不支持的文件类型 %(suffix)s：请使用 .csv、.xlsx 或 .json"
    ),
    "The received time is missing.": "缺少受理时间。",
    "The caller's number was not masked; stored as %(masked)s.": (
        "来电号码未脱敏，已按 %(masked)s 保存。"
    ),
    "“%(v)s” is not a coordinate system: write WGS84, GCJ02 or BD09.": (
        "“%(v)s”不是坐标系：请填写 WGS84、GCJ02 或 BD09。"
    ),
    "“%(v)s” matches no category of the catalogue; the case has no category until intake "
    "sets it.": "“%(v)s”与分类目录中的类别都不匹配；案件暂无类别，由受理员补填。",
    "“%(v)s” matches several categories; the case has no category until intake sets it.": (
        "“%(v)s”匹配到多个类别；案件暂无类别，由受理员补填。"
    ),
    "The deadline %(d)s is not after the received time %(r)s.": (
        "办理时限 %(d)s 不晚于受理时间 %(r)s。"
    ),
    "No deadline and no response tier to compute it from.": "没有办理时限，也没有可据以计算的响应级别。",
    "Not valid JSON: %(err)s": "不是有效的 JSON：%(err)s",
    "Order %(no)s is already on row %(row)d.": "工单 %(no)s 已在第 %(row)d 行出现。",
    "“%(v)s” has no time of day; write it as 2026-02-13 10:05.": (
        "“%(v)s”缺少时刻，请写成 2026-02-13 10:05 的形式。"
    ),
    "“%(v)s” is not a date and time (write 2026-02-13 10:05:00).": (
        "“%(v)s”不是日期时间（请写成 2026-02-13 10:05:00）。"
    ),
    "“%(v)s” is not a date and time.": "“%(v)s”不是日期时间。",
    "The coordinates (%(lon)s, %(lat)s) are not numbers.": "坐标 (%(lon)s, %(lat)s) 不是数字。",
    "Give both longitude and latitude, or neither.": "经度和纬度须同时填写或同时留空。",
    "“%(v)s” is not a response tier; known tiers: %(known)s.": (
        "“%(v)s”不是响应级别；已配置的级别：%(known)s。"
    ),
    "%(t)s is in the future.": "%(t)s 晚于当前时间。",
    "Order %(no)s was imported before with another content; the stored order is kept.": (
        "工单 %(no)s 已导入过且内容不同；保留已导入的工单。"
    ),
    "(%(lon)s, %(lat)s) lies outside the district (outside every unit grid).": (
        "(%(lon)s, %(lat)s) 不在本辖区内（不在任何单元网格内）。"
    ),
    "12345 callback unsatisfied (order %(no)s): %(note)s": "12345回访不满意（工单 %(no)s）：%(note)s",
    # models/hotline.py
    "Satisfied (满意)": "满意",
    "Basically satisfied (基本满意)": "基本满意",
    "Unsatisfied (不满意)": "不满意",
    "Same day (当日)": "当日",
    "other spellings": "其他写法",
    "Comma-separated words the hotline files use for this tier.": "12345 文件中该级别的其他写法，用逗号分隔。",
    "default tier": "默认级别",
    "Used when an order gives no tier.": "工单未填写响应级别时使用。",
    "hotline response tier": "12345响应级别",
    "hotline response tiers": "12345响应级别",
    "order number": "工单编号",
    "received at": "受理时间",
    "caller (masked)": "来电人（已脱敏）",
    "content": "诉求内容",
    "address": "地址",
    "coordinate datum": "坐标系",
    "category as given": "原始问题分类",
    "response tier": "响应级别",
    "deadline": "办理时限",
    "deadline from the file": "办理时限取自文件",
    "Otherwise computed from the response tier.": "否则按响应级别计算。",
    "case": "案件",
    "reply to the caller": "答复内容",
    "replied at": "答复时间",
    "callback result": "回访结果",
    "callback at": "回访时间",
    "callback note": "回访备注",
    "callbacks": "回访次数",
    "unsatisfied callbacks": "不满意次数",
    "imported from": "导入文件",
    "row in the file": "文件中的行号",
    "imported at": "导入时间",
    "12345 work order": "12345工单",
    "12345 work orders": "12345工单",
    # models/intake.py
    "radius (m)": "半径（米）",
    "time window (days)": "时间范围（天）",
    "duplicate rule": "重复案件规则",
    "duplicate rules": "重复案件规则",
    "Empty: the default for every category without its own rule.": "留空：适用于所有未单独设置规则的类别。",
}
