// How a front-end talks to Tandem through the generated types and openapi-fetch.
//
// CI only type-checks this file (`tsc --strict --noEmit`), so a change to the API that
// would break a front-end (a renamed path, a new required field, a header that became
// required) fails there first. To try it against a server, compile it with any bundler
// and call `clinicianRound` or `partnerReport` with a demo login (`tandem demo`).

import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./src/schema";

type Problem = components["schemas"]["Problem"];
type NewReport = components["schemas"]["NewReport"];

/** The prefix of every problem `type`; refusals (409) end in a code of `crates/domain/src/refusal.rs`. */
const PROBLEM = "urn:tandem:problem:";

/** A problem+json answer, thrown so callers can still switch on its `type`. */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title} (${problem.status}): ${problem.detail ?? problem.type}`);
  }
}

/** A client for one signed-in person: the middleware adds the bearer token to every call. */
export function connect(baseUrl: string) {
  const client = createClient<paths>({ baseUrl });
  let accessToken: string | undefined;
  const bearer: Middleware = {
    onRequest({ request }) {
      if (accessToken !== undefined) {
        request.headers.set("Authorization", `Bearer ${accessToken}`);
      }
      return request;
    },
  };
  client.use(bearer);

  async function login(email: string, password: string): Promise<void> {
    const { data, error } = await client.POST("/api/v1/auth/login", { body: { email, password } });
    if (error !== undefined) {
      // 401 for a wrong email or password alike; 429 when this address tried too often.
      throw new ApiProblem(error);
    }
    accessToken = data.access_token;
  }

  return { client, login };
}

/** A clinician's round: the caseload, most urgent first, then a plan retitled with `If-Match`. */
export async function clinicianRound(baseUrl: string, email: string, password: string): Promise<void> {
  const { client, login } = connect(baseUrl);
  await login(email, password);

  const caseload = await client.GET("/api/v1/couples", { params: { query: { needs_attention: true } } });
  if (caseload.error !== undefined) throw new ApiProblem(caseload.error);
  for (const couple of caseload.data.items) {
    const flags = couple.attention?.flags ?? [];
    console.log(couple.label, couple.status, flags.join(", "));
  }
  const first = caseload.data.items[0];
  if (first === undefined) return;

  const plans = await client.GET("/api/v1/couples/{couple_id}/plans", {
    params: { path: { couple_id: first.id } },
  });
  if (plans.error !== undefined) throw new ApiProblem(plans.error);
  const summary = plans.data.items[0];
  if (summary === undefined) return;

  // Plans are mutable documents: read the ETag, send it back as If-Match.
  const plan = await client.GET("/api/v1/plans/{plan_id}", { params: { path: { plan_id: summary.id } } });
  if (plan.error !== undefined) throw new ApiProblem(plan.error);
  const etag = plan.response.headers.get("ETag");
  if (etag === null) throw new Error("a plan is always served with its ETag");
  const changed = await client.PATCH("/api/v1/plans/{plan_id}", {
    params: { path: { plan_id: summary.id }, header: { "If-Match": etag } },
    body: { title: `${plan.data.title ?? "Plan"} (revised)` },
  });
  if (changed.error !== undefined) {
    switch (changed.error.type) {
      case `${PROBLEM}precondition-failed`:
        // 412: someone changed the plan since we read it. Read again, reapply, retry.
        console.log("the plan changed meanwhile; reload it");
        return;
      case `${PROBLEM}not_editable`:
        console.log("this plan can no longer be edited:", changed.error.detail);
        return;
      default:
        throw new ApiProblem(changed.error);
    }
  }
  console.log("new ETag", changed.response.headers.get("ETag"));

  // A decision answers the current recommendation; its kind is a closed set.
  const recommendation = await client.GET("/api/v1/plans/{plan_id}/recommendation", {
    params: { path: { plan_id: summary.id } },
  });
  if (recommendation.error !== undefined) throw new ApiProblem(recommendation.error);
  const decided = await client.POST("/api/v1/plans/{plan_id}/decisions", {
    params: { path: { plan_id: summary.id } },
    body: {
      kind: "hold",
      rationale: "One more week on this step before deciding.",
      recommendation_etag: recommendation.data.etag,
    },
  });
  if (decided.error !== undefined && decided.error.type !== `${PROBLEM}recommendation_changed`) {
    throw new ApiProblem(decided.error);
  }
}

/** A partner reports an attempt at the current step; a retry reuses the Idempotency-Key. */
export async function partnerReport(baseUrl: string, email: string, password: string): Promise<void> {
  const { client, login } = connect(baseUrl);
  await login(email, password);

  const agenda = await client.GET("/api/v1/me/agenda");
  if (agenda.error !== undefined) throw new ApiProblem(agenda.error);
  const { plan, current_step: step } = agenda.data;
  if (plan == null || step == null) {
    console.log("nothing to practise right now");
    return;
  }

  const report: NewReport = {
    occurred_at: new Date().toISOString(),
    outcome: "completed",
    distress_before: 30,
    distress_peak: 45,
    distress_after: 20,
    comfort: 7,
    closeness: 8,
    visibility: "shared_with_partner",
    item_id: step.exercises[0]?.id ?? null,
  };
  // One key per report, kept until an answer arrives: the same key and body replay the
  // first answer, so a retry after a dropped connection never records the attempt twice.
  const idempotencyKey = crypto.randomUUID();
  const posted = await client.POST("/api/v1/plans/{plan_id}/steps/{step_id}/reports", {
    params: { path: { plan_id: plan.id, step_id: step.id }, header: { "Idempotency-Key": idempotencyKey } },
    body: report,
  });
  if (posted.error === undefined) {
    if (posted.data.crisis_notice != null) console.log(posted.data.crisis_notice);
    return;
  }
  // Problems are application/problem+json; switch on the stable `type`, never on prose.
  switch (posted.error.type) {
    case `${PROBLEM}consent_missing`:
      console.log("both partners need to agree to this step first");
      break;
    case `${PROBLEM}step_not_current`:
      console.log("the plan moved on; reload the agenda");
      break;
    case `${PROBLEM}not_in_treatment`:
      console.log("the programme has ended");
      break;
    case `${PROBLEM}request_in_progress`:
      console.log("the first try is still being processed; retry with the same key shortly");
      break;
    case `${PROBLEM}validation`:
      for (const field of posted.error.errors ?? []) console.log(field.field, field.message);
      break;
    case `${PROBLEM}rate-limited`:
    case `${PROBLEM}unavailable`:
      console.log("retry later with the same Idempotency-Key", idempotencyKey);
      break;
    default:
      throw new ApiProblem(posted.error);
  }
}
