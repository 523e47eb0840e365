// Inline stroke icons (24px grid) so the app ships no icon font.
import type { SVGProps } from "react";

function Icon({ d, ...props }: SVGProps<SVGSVGElement> & { d: string }) {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" className="size-4" {...props}>
      <path d={d} />
    </svg>
  );
}

type P = SVGProps<SVGSVGElement>;
export const ExamplesIcon = (p: P) => <Icon d="M4 6h16M4 12h16M4 18h10" {...p} />;
export const DashboardIcon = (p: P) => <Icon d="M4 20V10M10 20V4M16 20v-7M22 20H2" {...p} />;
export const TemplatesIcon = (p: P) => <Icon d="M6 3h9l5 5v13H6zM14 3v6h6M9 13h8M9 17h5" {...p} />;
export const QualityIcon = (p: P) => <Icon d="M12 3l8 4v5c0 5-3.5 8-8 9-4.5-1-8-4-8-9V7zM9 12l2 2 4-4" {...p} />;
export const RunsIcon = (p: P) => <Icon d="M13 2 4 14h7l-1 8 9-12h-7z" {...p} />;
export const PlusIcon = (p: P) => <Icon d="M12 5v14M5 12h14" {...p} />;
export const SearchIcon = (p: P) => <Icon d="m21 21-4.3-4.3M10.5 18a7.5 7.5 0 1 1 0-15 7.5 7.5 0 0 1 0 15z" {...p} />;
export const DownloadIcon = (p: P) => <Icon d="M12 3v12m0 0-4-4m4 4 4-4M4 21h16" {...p} />;
export const TrashIcon = (p: P) => <Icon d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" {...p} />;
export const ArrowUpIcon = (p: P) => <Icon d="M12 19V5m0 0-6 6m6-6 6 6" {...p} />;
export const ArrowDownIcon = (p: P) => <Icon d="M12 5v14m0 0 6-6m-6 6-6-6" {...p} />;
export const FilterIcon = (p: P) => <Icon d="M3 5h18l-7 8v6l-4 2v-8z" {...p} />;
export const CloseIcon = (p: P) => <Icon d="M6 6l12 12M18 6 6 18" {...p} />;
export const MenuIcon = (p: P) => <Icon d="M4 6h16M4 12h16M4 18h16" {...p} />;
export const ImportIcon = (p: P) => <Icon d="M12 15V3m0 0L8 7m4-4 4 4M4 15v6h16v-6" {...p} />;
export const CopyIcon = (p: P) => <Icon d="M9 9h11v11H9zM5 15H4V4h11v1" {...p} />;
export const SnapshotIcon = (p: P) => <Icon d="M4 7h3l2-3h6l2 3h3v13H4zM12 17a4 4 0 1 0 0-8 4 4 0 0 0 0 8z" {...p} />;
