import { useState } from "react";
import { useToast } from "@/lib/toast";
import { Button } from "./button";
import { CopyIcon } from "./icons";

/** Writes `text` to the clipboard; falls back to a hidden text area where the async API is refused. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand?.("copy");
    area.remove();
    if (!ok) throw new Error("the browser refused to copy");
  }
}

export function CopyButton({ text, label = "Copy", size = "sm" }: { text: string; label?: string; size?: "sm" | "md" }) {
  const [copied, setCopied] = useState(false);
  const toast = useToast();
  const copy = () =>
    copyText(text).then(
      () => {
        setCopied(true);
        toast.show("Copied to the clipboard");
        setTimeout(() => setCopied(false), 2000);
      },
      (e: unknown) => toast.show(`Copy failed: ${e instanceof Error ? e.message : String(e)}`, "error"),
    );
  return (
    <Button size={size} onClick={copy} icon={<CopyIcon />} aria-live="polite">
      {copied ? "Copied" : label}
    </Button>
  );
}
