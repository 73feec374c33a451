from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_plan, name="import"),
    path("<int:pk>/", views.plan_detail, name="plan"),
    path("<int:pk>/settings/", views.plan_settings, name="plan_settings"),
    path("<int:pk>/leaders/", views.leaders, name="leaders"),
    path("<int:pk>/assessment/", views.assessment, name="assessment"),
    path("<int:pk>/projects/export/", views.projects_export, name="projects_export"),
    path("<int:pk>/projects/import/", views.projects_import, name="projects_import"),
    path("<int:pk>/units/resolve/", views.resolve_unit_name, name="resolve_unit"),
    path("node/<int:pk>/", views.node_detail, name="node"),
    path("node/<int:pk>/assign/", views.node_assign, name="node_assign"),
    path("node/<int:pk>/unassign/<int:unit_id>/", views.node_unassign, name="node_unassign"),
    path("node/<int:pk>/edit/", views.node_edit, name="node_edit"),
    path("node/<int:pk>/milestone/", views.node_milestone, name="node_milestone"),
    path("node/<int:pk>/report/", views.report_file, name="report_file"),
    path("node/<int:pk>/notice/", views.notice_new, name="notice_new"),
    path("reports/", views.review_queue, name="reviews"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("due/", views.due_list, name="due"),
    path("public/<int:pk>/", views.public_plan, name="public"),
]
