import type { ReactNode } from "react";
import { Button } from "./button";
import { Dialog } from "./dialog";
import { ActionError } from "./states";

type ConfirmDialogProps = {
  open: boolean;
  title: string;
  description?: ReactNode;
  confirmLabel?: string;
  /** The button that closes without acting ("Cancel"; a run's dialog says "Keep running", since its action is a cancel). */
  cancelLabel?: string;
  confirmVariant?: "primary" | "danger";
  pending?: boolean;
  /**
   * The action's failure: what it threw (or a message), shown with the request id (ActionError);
   * null or undefined while there is none.
   */
  error?: unknown;
  /** Said instead of the error's own message (its request id still shows). */
  errorText?: string;
  onConfirm: () => void;
  onClose: () => void;
};

export function ConfirmDialog({ open, title, description, confirmLabel = "Delete", cancelLabel = "Cancel", confirmVariant = "danger", pending, error, errorText, onConfirm, onClose }: ConfirmDialogProps) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={title}
      description={description}
      size="sm"
      footer={
        <>
          <Button onClick={onClose} data-autofocus>
            {cancelLabel}
          </Button>
          <Button variant={confirmVariant} loading={pending} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      {error != null && <ActionError error={error} message={errorText} />}
    </Dialog>
  );
}
