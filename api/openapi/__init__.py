"""The open API over HTTP: Exmail-compatible ``/cgi-bin/...`` routes and the ``/sso`` landing.

See docs/openapi.md for the endpoints, the app kinds that reach them and the errcodes.
"""

from __future__ import annotations

from starlette.routing import Route

from api.openapi import auth, departments, groups, logs, mail, missing, sso, useroption, users

METHODS = ["GET", "POST"]
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ENDPOINTS = {
    "gettoken": auth.gettoken,
    "department/create": departments.create,
    "department/update": departments.update,
    "department/delete": departments.delete,
    "department/list": departments.list_,
    "department/search": departments.search,
    "user/create": users.create,
    "user/update": users.update,
    "user/delete": users.delete,
    "user/get": users.get,
    "user/simplelist": users.simplelist,
    "user/list": users.list_,
    "user/batchcheck": users.batchcheck,
    "group/create": groups.create,
    "group/update": groups.update,
    "group/delete": groups.delete,
    "group/get": groups.get,
    "log/mailstatus": logs.mailstatus,
    "log/mail": logs.mail,
    "log/login": logs.login,
    "log/operation": logs.operation,
    "log/batchjob": logs.batchjob,
    "useroption/get": useroption.get,
    "useroption/update": useroption.update,
    "mail/newcount": mail.newcount,
    "service/get_login_url": sso.get_login_url,
}


def routes() -> list[Route]:
    return [
        *(
            Route(f"/cgi-bin/{path}", handler, methods=METHODS)
            for path, handler in ENDPOINTS.items()
        ),
        Route("/sso", sso.landing, methods=["GET"]),
        # any other path or method under /cgi-bin: an errcode answer, not a bare 404/405
        Route("/cgi-bin", missing.handler(set(ENDPOINTS), METHODS), methods=ANY_METHOD),
        Route("/cgi-bin/{path:path}", missing.handler(set(ENDPOINTS), METHODS), methods=ANY_METHOD),
    ]
