/**
 * A client app's first calls to Academy: sign in, then read the sessions due today.
 *
 * The types come from academy-api.d.ts, which `npm run generate` makes from Academy's
 * OpenAPI document; `npm run check` compiles this file against them.
 */
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./academy-api";

export type Token = components["schemas"]["Token"];
export type Today = components["schemas"]["Today"];
/** The same answer, named by its operation's `operationId` (`getMyToday`). */
export type TodayAnswer = operations["getMyToday"]["responses"][200]["content"]["application/json"];

export function academyClient(baseUrl: string, accessToken?: string) {
  return createClient<paths>({
    baseUrl,
    headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
  });
}

/** POST /api/v1/auth/tokens: an access and refresh token pair, and who signed in. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<Token> {
  const { data, response } = await academyClient(baseUrl).POST("/api/v1/auth/tokens", {
    body: { email, password },
  });
  if (!data) {
    throw new Error(`Signing in answered ${response.status}`);
  }
  return data;
}

/** GET /api/v1/me/today: the sessions due on `date` (default: today in the client's timezone). */
export async function today(baseUrl: string, token: Token, date?: string): Promise<TodayAnswer> {
  const { data, response } = await academyClient(baseUrl, token.access_token).GET(
    "/api/v1/me/today",
    { params: { query: { date } } },
  );
  if (!data) {
    throw new Error(`GET /me/today answered ${response.status}`);
  }
  return data;
}

/** What the app shows first: the day's first exercise, or null on a rest day. */
export async function firstExercise(baseUrl: string, email: string, password: string) {
  const token = await signIn(baseUrl, email, password);
  const day = await today(baseUrl, token);
  const session = day.sessions[0];
  // A session may open with a run item, which has no exercise; skip to the first drill.
  const item = session?.items.find((each) => each.kind === "exercise");
  if (session === undefined || item === undefined) {
    return null;
  }
  const video: string | null = item.exercise_video_url;
  return {
    client: token.user.name,
    date: day.date,
    session: session.title,
    exercise: item.exercise_name,
    cues: (item.exercise_cues ?? []).join(" / "),
    sets: item.sets,
    side: item.side,
    video,
  };
}
