// CVX501: a Node built-in without "use node"
import { createHmac } from "crypto";

export function sign(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}
