import type { RefObject } from "react";
import { Button } from "./button";

type PaginationProps = {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  /** The list's top: a page change scrolls back to it when it is above the window (give it a scroll margin for the sticky top bar). */
  listTop?: RefObject<HTMLElement | null>;
};

/** "19–36 of 72 examples": the rows a page shows, for the live summary of a list. */
export function rangeSummary(page: number, pageSize: number, total: number, noun: string): string {
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  return `${from}–${Math.min(total, page * pageSize)} of ${total.toLocaleString()} ${noun}`;
}

export function Pagination({ page, pageSize, total, onPage, listTop }: PaginationProps) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  const go = (next: number) => {
    const top = listTop?.current;
    // Above the window, or under the sticky top bar (its scroll margin).
    if (top && top.getBoundingClientRect().top < (parseFloat(getComputedStyle(top).scrollMarginTop) || 0)) top.scrollIntoView({ block: "start" });
    onPage(next);
  };
  return (
    <nav aria-label="Pagination" className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 pt-4 text-sm text-slate-600">
      <p>
        <span className="font-medium tabular-nums">{from}</span>–<span className="font-medium tabular-nums">{to}</span> of{" "}
        <span className="font-medium tabular-nums">{total.toLocaleString()}</span>
      </p>
      <div className="flex items-center gap-2">
        <Button size="sm" disabled={page <= 1} onClick={() => go(page - 1)}>
          Previous
        </Button>
        <span className="tabular-nums">
          Page {page} / {pages}
        </span>
        <Button size="sm" disabled={page >= pages} onClick={() => go(page + 1)}>
          Next
        </Button>
      </div>
    </nav>
  );
}
