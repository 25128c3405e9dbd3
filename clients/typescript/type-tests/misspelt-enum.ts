// The generated types reject values outside a closed set. Each `@ts-expect-error` makes
// tsc fail if the line below it compiles, so this file passes only while the spec keeps
// these sets as enums; each correct value beside it must compile.

import createClient from "openapi-fetch";
import type { components, paths } from "../src/schema";

type Schemas = components["schemas"];

// A decision's kind: advance, hold or step_back.
export const decided: Schemas["NewDecision"] = { kind: "advance", rationale: "ready", recommendation_etag: "e" };
// @ts-expect-error "advanse" is not a decision kind
export const misspeltDecision: Schemas["NewDecision"] = { kind: "advanse", rationale: "ready", recommendation_etag: "e" };

// An incident's status, as the API reports it.
export const resolved: Schemas["IncidentStatus"] = "resolved";
// @ts-expect-error "resolvd" is not an incident status
export const misspeltStatus: Schemas["IncidentStatus"] = "resolvd";

// A report's outcome and visibility.
export const outcome: Schemas["NewReport"]["outcome"] = "partial";
// @ts-expect-error "partly" is not an outcome
export const misspeltOutcome: Schemas["NewReport"]["outcome"] = "partly";
export const visibility: Schemas["Visibility"] = "clinician_only";
// @ts-expect-error "clinicians_only" is not a visibility
export const misspeltVisibility: Schemas["Visibility"] = "clinicians_only";

// Through the client too: a misspelt kind in a request body does not compile.
const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });
export async function decide(planId: string, etag: string): Promise<void> {
  await client.POST("/api/v1/plans/{plan_id}/decisions", {
    params: { path: { plan_id: planId } },
    body: { kind: "step_back", rationale: "too fast", recommendation_etag: etag },
  });
  await client.POST("/api/v1/plans/{plan_id}/decisions", {
    params: { path: { plan_id: planId } },
    // @ts-expect-error "step-back" (with a hyphen) is not a decision kind
    body: { kind: "step-back", rationale: "too fast", recommendation_etag: etag },
  });
  // A query parameter that is a closed set is checked as well.
  await client.GET("/api/v1/couples", { params: { query: { status: "discharged" } } });
  // @ts-expect-error "dischargd" is not a couple status
  await client.GET("/api/v1/couples", { params: { query: { status: "dischargd" } } });
}
