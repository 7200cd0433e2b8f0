"""The administration routes, for ``backoffice.web.routes()``.

Everything under /admin is for administrators; importing and exporting cases
(under /cases) is for managers too.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute

from backoffice.admin.web import case_types, disclosure_categories, groups, settings, transfer, users
from backoffice.staff.access import ADMIN, MANAGERS
from shared.web import RequestContext, page
from shared.web.forms import render_form

FORM = ("GET", "POST")
POST = ("POST",)


def index(ctx: RequestContext) -> Response:
    return render_form(ctx, "backoffice/admin/index.html")


def admin_routes() -> list[BaseRoute]:
    case_type = "/admin/case-types/{case_type_id:id}"
    group = "/admin/groups/{group_id:id}"
    user = "/admin/users/{user_id:id}"
    return [
        page("/admin", index, name="admin", access=ADMIN),
        page("/admin/case-types", case_types.index, name="admin-case-types", access=ADMIN),
        page(case_type, case_types.show, name="admin-case-type", access=ADMIN),
        page(case_type + "/settings", case_types.save_settings, name="admin-case-type-settings", access=ADMIN,
             methods=POST),
        page(case_type + "/statuses", case_types.add_status, name="admin-status-add", access=ADMIN, methods=POST),
        page(case_type + "/statuses/{status_id:id}", case_types.rename_status, name="admin-status-rename",
             access=ADMIN, methods=POST),
        page(case_type + "/transitions", case_types.save_transitions, name="admin-transitions", access=ADMIN,
             methods=POST),
        page(case_type + "/clock", case_types.save_clock_permissions, name="admin-clock-permissions", access=ADMIN,
             methods=POST),
        page(case_type + "/tasks", case_types.add_task_template, name="admin-task-template-add", access=ADMIN,
             methods=POST),
        page("/admin/disclosure-categories", disclosure_categories.index, name="admin-disclosure-categories",
             access=ADMIN),
        page("/admin/disclosure-categories/new", disclosure_categories.add, name="admin-disclosure-category-add",
             access=ADMIN, methods=POST),
        page("/admin/disclosure-categories/{category_id:id}/active", disclosure_categories.set_active,
             name="admin-disclosure-category-active", access=ADMIN, methods=POST),
        page("/admin/groups", groups.index, name="admin-groups", access=ADMIN),
        page("/admin/groups/new", groups.new, name="admin-group-new", access=ADMIN, methods=FORM),
        page(group, groups.show, name="admin-group", access=ADMIN),
        page(group + "/members", groups.add_member, name="admin-group-add-member", access=ADMIN, methods=POST),
        page(group + "/members/{user_id:id}/remove", groups.remove_member, name="admin-group-remove-member",
             access=ADMIN, methods=POST),
        page("/admin/users", users.index, name="admin-users", access=ADMIN),
        page("/admin/users/new", users.new, name="admin-user-new", access=ADMIN, methods=FORM),
        page(user, users.show, name="admin-user", access=ADMIN),
        page(user + "/role", users.change_role, name="admin-user-role", access=ADMIN, methods=POST),
        page(user + "/active", users.set_active, name="admin-user-active", access=ADMIN, methods=POST),
        page(user + "/password-email", users.send_password_email, name="admin-user-password-email", access=ADMIN,
             methods=POST),
        page("/admin/organisation", settings.organisation_page, name="admin-organisation", access=ADMIN,
             methods=FORM),
        page("/admin/bank-holidays", settings.bank_holidays_page, name="admin-bank-holidays", access=ADMIN,
             methods=FORM),
        page("/admin/bank-holidays/{adjustment_id:id}/undo", settings.undo, name="admin-bank-holiday-undo",
             access=ADMIN, methods=POST),
        page("/cases/import", transfer.import_page, name="cases-import", access=MANAGERS, methods=FORM, files=True),
        page("/cases/import/template.{fmt}", transfer.template, name="cases-import-template", access=MANAGERS),
        page("/cases/import/{event_id:id}", transfer.import_result, name="cases-import-result", access=MANAGERS),
        page("/cases/import/{event_id:id}/problems.csv", transfer.problems_csv, name="cases-import-problems",
             access=MANAGERS),
        page("/cases/export", transfer.export_page, name="cases-export", access=MANAGERS),
        page("/cases/export/download", transfer.export_download, name="cases-export-download", access=MANAGERS),
    ]
