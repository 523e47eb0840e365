// The page of a record that does not exist (a wrong or stale link): a heading, what was looked for,
// the way back to its list, and the tab title ("Template not found"; a page that sets its own
// title while loading should switch to `notFoundTitle(what)` too).
import { Link } from "react-router";
import { truncate } from "@/lib/format";
import { usePageTitle } from "@/lib/use-page-title";
import { ButtonLink } from "./button";
import { PageHeader } from "./card";
import { EmptyState } from "./states";

type Props = { what: string; id: string; listTo: string; listLabel: string };

export function NotFoundPage({ what, id, listTo, listLabel }: Props) {
  usePageTitle(notFoundTitle(what));
  return (
    <>
      <PageHeader
        eyebrow={
          <Link to={listTo} className="hover:text-slate-700">
            ← {listLabel}
          </Link>
        }
        title={notFoundTitle(what)}
      />
      <EmptyState
        title={`There is no ${what.toLowerCase()} with the id “${truncate(id, 60)}”`}
        description="It may have been deleted, or the link is wrong."
        action={<ButtonLink to={listTo}>Go to {listLabel.toLowerCase()}</ButtonLink>}
      />
    </>
  );
}

export const notFoundTitle = (what: string) => `${what} not found`;
