import pytest

from tests.ruletester import invalid, lint_files, run_case, valid

# Assembled at run time so that this test file itself does not look like it holds credentials.
LIVE = "sk_" + "live_" + "51Hx2mQJtq8KvVZ3p0aBcD9eFgHiJ"
TEST = "sk_" + "test_" + "51Hx2mQJtq8KvVZ3p0aBcD9eFgHiJ"
AWS = "AKIA" + "Q3EGRTY7XNZP4LW2"
GH = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
ANT = "sk-ant-" + "api03-Zx8Qw7Er6Ty5Ui4Op3As2Df1Gh0Jk9Lm8Nb7Vc6"
JWT = ("eyJ" + "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJ" + "zdWIiOiJ1c2VyXzI5IiwiaWF0IjoxNzAwMDAwMDAwfQ"
       + ".Qm9xP3kT8vZ2rW5yN1cL7hJ4fD6sA0gE9bU3iO2pX")
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"

CASES = [
    valid("""
        import { action } from "./_generated/server";
        import Stripe from "stripe";
        export const pay = action({
          args: {},
          handler: async () => {
            const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);
            const resend = process.env.RESEND_API_KEY ?? "";
            return null;
          },
        });
    """, name="keys read from the environment"),
    valid("""
        // Example: STRIPE_SECRET_KEY="sk_live_..." goes into the dashboard, never here
        export const DOCS = {
          stripe: "sk_test_...",
          openai: "<your-key>",
          resend: "re_xxxxxxxxxxxxxxxxxxxxxxxx",
          apiKey: "xxx",
          secret: "",
          token: "YOUR_API_TOKEN_GOES_HERE_12345",
          password: "OPENAI_API_KEY",
          publishable: "pk_live_51Hx2mQJtq8KvVZ3p0aBcD9eFgHiJ",
        };
    """, name="placeholders, env-var names and publishable keys"),
    valid("""
        export function pemToDer(pem: string) {
          const body = pem
            .replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "");
          const nextPageToken = "a8F3kQ9zL2mN7pR4tV6wY1bC";
          const sessionToken = "4f9c2a1e-7b3d-4e8f-9a6c-1d2e3f4a5b6c";
          return { body, nextPageToken, sessionToken };
        }
    """, name="PEM markers alone, pagination tokens, UUIDs"),
    valid(f"""
        export const stripeKey = "{LIVE}";
    """, filename="scripts/seed.ts", name="outside the functions folder"),
    invalid(f"""
        import {{ action }} from "./_generated/server";
        import Stripe from "stripe";
        const stripe = new Stripe("{LIVE}");
        export const aws = {{ accessKeyId: "{AWS}" }};
        export const gh = `{GH}`;
        const anthropicKey = process.env.ANTHROPIC_API_KEY ?? "{ANT}";
    """, [3, 4, 5, 6], name="provider key shapes"),
    invalid(f"""
        const serviceToken = "{JWT}";
        const key = `-----BEGIN PRIVATE KEY-----\\n{PEM_BODY}\\n{PEM_BODY}\\n-----END PRIVATE KEY-----`;
        export const config = {{ webhookSecret: "whsec_9fK2mQ7xLp4RtV8zN3bC6yH1" }};
        let apiKey: string;
        apiKey = "a8F3kQ9zL2mN7pR4tV6wY1bCe5";
    """, [1, 2, 3, 5], name="JWT, PEM key, random values assigned to secret-like names"),
    invalid(f"""
        const testKey = "{TEST}";
    """, [1], message="Test keys", name="Stripe test key"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_hardcoded_secret(tmp_path, case):
    run_case(tmp_path, "hardcoded-secret", case)


def test_test_keys_are_information_and_live_keys_errors(tmp_path):
    code = f'export const a = "{TEST}";\nexport const b = "{LIVE}";\n'
    found = [f for f in lint_files(tmp_path, {"convex/keys.ts": code}) if f.code == "CVX701"]
    assert [(f.srow + 1, f.severity) for f in found] == [(1, "info"), (2, "error")]
