// What a search or a filter found, said to screen readers when it changes ("7 matches for “crack”",
// "1–9 of 9 templates"). The region stays in the page, so a change of its text is announced; a
// region that appears already holding its text often is not.

export function LiveSummary({ text }: { text: string }) {
  return (
    <p role="status" className="sr-only" data-testid="live-summary">
      {text}
    </p>
  );
}
