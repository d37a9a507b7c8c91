import pytest

from tests.ruletester import invalid, run_case, valid

HTTP_IMPORTS_ROUTER = """
import router from "./router";
import { auth } from "./auth";
const http = router;
auth.addHttpRoutes(http);
export default http;
"""

CASES = [
    valid("""
        import { httpRouter } from "convex/server";
        import { httpAction } from "./_generated/server";
        const http = httpRouter();
        http.route({ path: "/hook", method: "POST", handler: httpAction(async () => new Response()) });
        export default http;
    """, filename="convex/http.ts", name="http.ts"),
    valid("""
        import { httpRouter } from "convex/server";
        const http = httpRouter();
        http.route({ path: "/x", method: "GET", handler: h });
        export default http;
    """, files={"convex/http.ts": HTTP_IMPORTS_ROUTER}, filename="convex/router.ts",
        name="router assembled by http.ts"),
    valid("""
        import type { HttpRouter } from "convex/server";
        // httpRouter() is created in http.ts
        export function registerRoutes(http: HttpRouter) {
          http.route({ path: "/x", method: "GET", handler: h });
        }
    """, name="helper receiving the router"),
    invalid("""
        import { httpRouter } from "convex/server";
        const http = httpRouter();
        http.route({ path: "/stripe", method: "POST", handler: h });
        export default http;
    """, [2], filename="convex/webhooks/stripe.ts", name="router elsewhere"),
    invalid("""
        import http from "./http";
        http.route({ path: "/late", method: "GET", handler: h });
    """, [2], files={"convex/http.ts": 'import { httpRouter } from "convex/server";\nconst http = httpRouter();\nexport default http;\n'},
        name="routes added to http.ts's router from elsewhere"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_http_outside_http_ts(tmp_path, case):
    run_case(tmp_path, "http-outside-http-ts", case)
