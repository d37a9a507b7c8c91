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


COMPONENT_HTTP = """
    import { httpRouter } from "convex/server";
    import { httpAction } from "./_generated/server";
    const http = httpRouter();
    http.route({ path: "/events", method: "POST", handler: httpAction(async () => new Response(null, { status: 204 })) });
    export default http;
"""
COMPONENT_FILES = {
    "src/component/convex.config.ts": 'import { defineComponent } from "convex/server";\nexport default defineComponent("webhooks");\n',
    "src/component/schema.ts": 'import { defineSchema } from "convex/server";\nexport default defineSchema({});\n',
}


def _pkg(version: str) -> dict:
    return {"package.json": '{"name": "@acme/webhooks", "peerDependencies": {"convex": "%s"}}' % version}


COMPONENT_CASES = [
    valid(COMPONENT_HTTP, files={**COMPONENT_FILES, **_pkg("1.35.0")}, filename="src/component/http.ts",
          name="a component's own http.ts at 1.35.0"),
    valid(COMPONENT_HTTP, files={**COMPONENT_FILES, "package.json": '{"name": "c"}'}, filename="src/component/http.ts",
          name="a component's own http.ts, unknown version"),
    invalid(COMPONENT_HTTP, [3], files={**COMPONENT_FILES, **_pkg("1.34.1")}, filename="src/component/http.ts",
            name="a component's http.ts just below 1.35", message="only since convex 1.35.0"),
    invalid(COMPONENT_HTTP, [3], files={**COMPONENT_FILES, **_pkg("^1.36.0")}, filename="src/component/routes.ts",
            name="a component's router outside its http.ts"),
]


@pytest.mark.parametrize("case", COMPONENT_CASES, ids=repr)
def test_component_http(tmp_path, case):
    run_case(tmp_path, "http-outside-http-ts", case)
