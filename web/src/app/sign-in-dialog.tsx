// The sign-in dialog: opens when the server answers 401 (it requires a token and the UI holds
// none, or the one it held was revoked or expired). The typed token is checked with one GET before
// it is kept, so a wrong one shows the server's message here and the field keeps its text. Once
// signed in, every query runs again, so the page that failed loads.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { TextInput } from "@/components/ui/field";
import { RequestId } from "@/components/ui/states";
import { errorMessage, request } from "@/lib/api-client";
import { dismissSignIn, signIn, useAuth } from "@/lib/auth";
import { focusIfLost, pageHeading } from "@/lib/focus-if-lost";

export function SignInDialog() {
  const { prompt } = useAuth();
  // Opened by a failed request, not by a control: on close there is no opener to return focus to,
  // so it goes to the page's heading rather than to <body> (where Tab would start over).
  const wasOpen = useRef(false);
  useEffect(() => {
    if (prompt) wasOpen.current = true;
    else if (wasOpen.current) {
      wasOpen.current = false;
      focusIfLost(pageHeading());
    }
  }, [prompt]);
  // Mounted while open, so each opening starts with an empty field and no old error.
  return prompt ? <SignInForm /> : null;
}

function SignInForm() {
  const { refused } = useAuth();
  const queryClient = useQueryClient();
  const formId = useId();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  // The refused check itself: its request id shows under the field.
  const [failure, setFailure] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const typed = token.trim();
    if (!typed) {
      setError("Paste an API token");
      setFailure(null);
      return;
    }
    setChecking(true);
    setError(null);
    setFailure(null);
    try {
      // Any role may list examples; the cheapest page of them proves the server takes the token.
      await request("/examples", { query: { page: 1, page_size: 1 }, token: typed });
    } catch (err) {
      setError(errorMessage(err));
      setFailure(err);
      setChecking(false);
      return;
    }
    signIn(typed);
    void queryClient.invalidateQueries();
  };

  return (
    <Dialog
      open
      onClose={dismissSignIn}
      title="Sign in"
      size="sm"
      description="This server requires an API token. It is kept for this tab only and forgotten when you close the tab or sign out."
      footer={
        <>
          <Button variant="ghost" onClick={dismissSignIn}>
            Cancel
          </Button>
          <Button type="submit" form={formId} variant="primary" loading={checking}>
            Sign in
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="space-y-3" aria-label="Sign in">
        {refused && (
          <p role="alert" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            The server no longer accepts your token: {refused}
          </p>
        )}
        <TextInput
          label="API token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          error={error}
          hint="Starts with exm_"
          data-autofocus
        />
        <RequestId error={failure} className="mt-0" />
        {/* The command breaks only between the roles on a phone. */}
        <p className="text-sm text-slate-600">
          An administrator creates tokens on the server with{" "}
          <code className="rounded bg-slate-100 px-1 text-xs break-words">
            exemplar token create --role read|<wbr />
            agent|<wbr />
            write|<wbr />
            admin
          </code>{" "}
          (see “Tokens” in the README). A <strong>read</strong> token can browse and search; editing needs <strong>write</strong>.
        </p>
      </form>
    </Dialog>
  );
}
