import { useEffect, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { control } from "@/components/ui/field";
import { SearchIcon } from "@/components/ui/icons";
import type { SearchMode } from "@/lib/api-types";

export const SEARCH_MODES: { value: SearchMode; label: string }[] = [
  { value: "auto", label: "Auto" },
  { value: "hybrid", label: "Hybrid" },
  { value: "vector", label: "Vector" },
  { value: "keyword", label: "Keyword" },
];

type SearchBarProps = { query: string; mode: SearchMode; onSearch: (query: string, mode: SearchMode) => void };

export function SearchBar({ query, mode, onSearch }: SearchBarProps) {
  const [text, setText] = useState(query);
  const [m, setM] = useState<SearchMode>(mode);
  useEffect(() => setText(query), [query]);
  useEffect(() => setM(mode), [mode]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch(text.trim(), m);
  };
  // Like a filter select, a new mode applies at once to a search that has words (without them the
  // mode only matters for the next search).
  const changeMode = (next: SearchMode) => {
    setM(next);
    if (text.trim()) onSearch(text.trim(), next);
  };

  return (
    <form role="search" onSubmit={submit} className="flex flex-wrap items-center gap-2">
      <div className="relative min-w-64 flex-1">
        <span className="pointer-events-none absolute inset-y-0 left-3 flex items-center text-slate-500">
          <SearchIcon />
        </span>
        <label htmlFor="example-search" className="sr-only">
          Search examples
        </label>
        <input
          id="example-search"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Search examples by meaning or keywords…"
          className={control({ extra: "h-10 pl-9" })}
        />
      </div>
      <label htmlFor="search-mode" className="sr-only">
        Search mode
      </label>
      <select id="search-mode" value={m} onChange={(e) => changeMode(e.target.value as SearchMode)} className={control({ width: "w-32", extra: "h-10" })}>
        {SEARCH_MODES.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Button type="submit" variant="primary" className="h-10">
        Search
      </Button>
      {query && (
        <Button variant="ghost" className="h-10" onClick={() => onSearch("", m)}>
          Clear
        </Button>
      )}
    </form>
  );
}
