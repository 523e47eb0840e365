// Warns before a dirty form is left: in-app navigation asks through a dialog (React Router's
// blocker), closing or reloading the tab through the browser's beforeunload prompt.
import { useEffect } from "react";
import { useBlocker } from "react-router";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

/** Blocks navigation while `dirty`; render the returned element to show the prompt. */
export function useUnsavedChanges(dirty: boolean) {
  // Search-param changes on the same page (tabs, filters) do not leave the form.
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);

  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);

  return (
    <Dialog
      open={blocker.state === "blocked"}
      onClose={() => blocker.reset?.()}
      title="Leave without saving?"
      description="You have unsaved changes on this page. They are lost if you leave."
      size="sm"
      footer={
        <>
          <Button onClick={() => blocker.reset?.()} data-autofocus>
            Stay on this page
          </Button>
          <Button variant="danger" onClick={() => blocker.proceed?.()}>
            Leave
          </Button>
        </>
      }
    />
  );
}
