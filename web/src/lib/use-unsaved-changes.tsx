// Warns before a dirty form is left: in-app navigation asks through a dialog (see
// navigation-guard.tsx), closing or reloading the tab through the browser's beforeunload prompt.
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useGuardSlot, type LeaveCheck } from "./navigation-guard";

/** Blocks leaving the page while `dirty`; render the returned element to show the prompt. */
export function useUnsavedChanges(dirty: boolean) {
  const slot = useGuardSlot();
  const [proceed, setProceed] = useState<(() => void) | null>(null);

  useEffect(() => {
    if (!dirty || !slot) return;
    const check: LeaveCheck = (go) => setProceed(() => go);
    slot.current = check;
    return () => {
      if (slot.current === check) slot.current = null;
    };
  }, [dirty, slot]);

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
      open={proceed !== null}
      onClose={() => setProceed(null)}
      title="Leave without saving?"
      description="You have unsaved changes on this page. They are lost if you leave."
      size="sm"
      footer={
        <>
          <Button onClick={() => setProceed(null)} data-autofocus>
            Stay on this page
          </Button>
          <Button
            variant="danger"
            onClick={() => {
              const go = proceed;
              setProceed(null);
              go?.();
            }}
          >
            Leave
          </Button>
        </>
      }
    />
  );
}
