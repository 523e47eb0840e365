// A form's last refusal, as long as it still holds.
import { isApiError } from "./api-client";
import { useAuth } from "./auth";

/**
 * `error`, or null when it is a 401 and a token is held now. A 401 to a held token forgets that
 * token (lib/auth.ts), so a token held after one was accepted since: "sign in" has been done, and
 * the message would only contradict the working session. The form's edits stay; the next save
 * carries the new token.
 */
export function useStillRefused<E>(error: E): E | null {
  const { token } = useAuth();
  return token && isApiError(error) && error.status === 401 ? null : error;
}
