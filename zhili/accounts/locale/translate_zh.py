"""Fill the accounts Chinese catalogue and compile it.

Run after ``makemessages``:  cd zhili/accounts && \
  django-admin makemessages -l zh_Hans --no-obsolete && python locale/translate_zh.py
The lockout page lives in the project templates (registration/locked_out.html)
but belongs to this app, so its strings are added here too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from zhili.core.catalogues import fill_catalogue

HERE = Path(__file__).resolve().parent
PO = HERE / "zh_Hans" / "LC_MESSAGES" / "django.po"

ZH: dict[str, str] = {
    # access.py, actions.py, views.py
    "No such organisation unit.": "没有这个组织单位。",
    "You may not change organisation units.": "您无权修改组织单位。",
    "No such user.": "没有这个用户。",
    "You may not change user accounts.": "您无权修改用户账号。",
    "Unknown role: %(role)s": "未知角色：%(role)s",
    "You may not create organisation units.": "您无权新建组织单位。",
    "Cannot move “%(unit)s” under “%(parent)s”: “%(parent)s” is “%(unit)s” itself "
    "or one of its sub-units, which would make a loop in the tree.": (
        "不能把“%(unit)s”移到“%(parent)s”之下：“%(parent)s”就是“%(unit)s”本身或其下级单位，"
        "这样会使组织树形成循环。"
    ),
    "You may not create user accounts.": "您无权新建用户账号。",
    "You may not assign roles.": "您无权分配角色。",
    "You cannot remove your own system administrator role.": "不能撤销您自己的系统管理员角色。",
    "You may not change other people's passwords.": "您无权修改他人的密码。",
    "This account is deactivated.": "该账号已停用。",
    "You may not deactivate user accounts.": "您无权停用用户账号。",
    "You cannot deactivate your own account.": "不能停用您自己的账号。",
    "You may not unlock user accounts.": "您无权解锁用户账号。",
    "No such page.": "页面不存在。",
    "Your password has been changed.": "密码已修改。",
    # apps.py, admin.py
    "Organisation and people": "组织与人员",
    "Organisation": "组织机构",
    # models.py
    "Government (区政府)": "区政府",
    "Governance office (城市治理办)": "城市治理办",
    "Department (职能部门)": "职能部门",
    "Street or town (镇街)": "镇街",
    "Community (社区/村)": "社区/村",
    "Contractor unit (作业单位)": "作业单位",
    "Other": "其他",
    "name": "名称",
    "short name": "简称",
    "code": "编码",
    "kind": "类型",
    "parent unit": "上级单位",
    "division code": "区划代码",
    "active": "启用",
    "organisation unit": "组织单位",
    "organisation units": "组织单位",
    "A unit cannot be placed under itself or under one of its own sub-units.": (
        "单位不能放在它自己或它的下级单位之下。"
    ),
    "phone": "电话",
    "post": "职务",
    "user": "用户",
    "users": "用户",
    "API token": "API 令牌",
    "API tokens": "API 令牌",
    "key begins with": "令牌开头",
    "issued at": "签发时间",
    # roles.py
    "Field inspector (监督员)": "监督员",
    "Intake operator (受理员)": "受理员",
    "Shift lead (值班长)": "值班长",
    "Dispatcher (派遣员)": "派遣员",
    "Handler (处置人员)": "处置人员",
    "Department leader (部门领导)": "部门领导",
    "Governance office staff (治理办)": "治理办人员",
    "District leader (区领导)": "区领导",
    "System administrator": "系统管理员",
    "Resident": "居民",
    # templates
    "Government, governance office, departments, streets and towns, communities "
    "and contractor units. The number after each unit counts its active members.": (
        "区政府、城市治理办、职能部门、镇街、社区和作业单位。单位后的数字是其在岗人数。"
    ),
    "No organisation units yet.": "还没有组织单位。",
    "inactive": "已停用",
    "My profile": "个人信息",
    "Name": "姓名",
    "Username": "用户名",
    "Organisation unit": "所属单位",
    "Post": "职务",
    "Phone": "电话",
    "Roles": "角色",
    "Last login": "上次登录",
    "Change password": "修改密码",
    "Breadcrumb": "导航路径",
    "Kind": "类型",
    "Code": "编码",
    "Short name": "简称",
    "Division code": "区划代码",
    "Parent unit": "上级单位",
    "Sub-units": "下级单位",
    "Members": "人员",
    "You can see %(shown)s of the %(total)s active members of this unit.": (
        "本单位在岗 %(total)s 人，您可查看其中 %(shown)s 人。"
    ),
    "deactivated": "已停用",
    "No members.": "暂无人员。",
    # registration/locked_out.html
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

ZH_PLURAL: dict[str, str] = {
    "%(counter)s member": "%(counter)s 人",
    "This unit has %(counter)s active member; you may not see the list.": (
        "本单位在岗 %(counter)s 人，您无权查看名单。"
    ),
    "Login is locked after %(limit)s failed attempt.": "连续登录失败 %(limit)s 次，账号已锁定。",
}

EXTRA_PLURALS = {
    "Login is locked after %(limit)s failed attempt.": "Login is locked after %(limit)s failed attempts.",
}
EXTRA = [
    "Account locked",
    "Ask the system administrator to unlock the account.",
    "Try again in %(minutes)s minutes, or ask the system administrator to unlock the account.",
    "Even the right password is refused while the lock lasts. Every attempt is recorded.",
    "Back to the login page",
]


def main() -> int:
    page = "templates/registration/locked_out.html"
    extra = [(m, None, page) for m in EXTRA] + [(m, p, page) for m, p in EXTRA_PLURALS.items()]
    return (
        1
        if fill_catalogue(PO, project="zhili accounts", zh=ZH, zh_plural=ZH_PLURAL, extra=extra)
        else 0
    )


if __name__ == "__main__":
    sys.exit(main())
