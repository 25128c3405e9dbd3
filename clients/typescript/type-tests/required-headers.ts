// A plan PATCH without `If-Match` does not compile: the spec marks the header required,
// so a front-end cannot forget the ETag it read (the server would answer 428).

import createClient from "openapi-fetch";
import type { components, paths } from "../src/schema";

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

export async function retitle(planId: string, etag: string): Promise<void> {
  await client.PATCH("/api/v1/plans/{plan_id}", {
    params: { path: { plan_id: planId }, header: { "If-Match": etag } },
    body: { title: "Rebuilding comfortable touch" },
  });
  await client.PATCH("/api/v1/plans/{plan_id}", {
    // @ts-expect-error `header` with `If-Match` is required
    params: { path: { plan_id: planId } },
    body: { title: "Rebuilding comfortable touch" },
  });
  // Unknown fields are rejected by the server (400). Inline in the call above, openapi-fetch's
  // generic body type does not catch them; a body typed as its schema does.
  const patch: components["schemas"]["PlanPatch"] = { title: "Rebuilding comfortable touch" };
  // @ts-expect-error `titel` is not a field of PlanPatch
  const misspelt: components["schemas"]["PlanPatch"] = { titel: "Rebuilding comfortable touch" };
  for (const body of [patch, misspelt]) {
    await client.PATCH("/api/v1/plans/{plan_id}", { params: { path: { plan_id: planId }, header: { "If-Match": etag } }, body });
  }
}
