import { cn } from "@/lib/format";

export function CodeBlock({ code, className, label }: { code: string; className?: string; label?: string }) {
  return (
    <pre
      aria-label={label}
      tabIndex={0}
      className={cn("overflow-auto rounded-lg bg-slate-900 p-4 font-mono text-xs leading-relaxed text-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500", className)}
    >
      <code>{code}</code>
    </pre>
  );
}

export function JsonView({ value, className }: { value: unknown; className?: string }) {
  return <CodeBlock code={JSON.stringify(value, null, 2)} className={cn("max-h-72", className)} />;
}
