// Wire shapes from SPEC §2 (snake_case, as the server sends them). Fields the SPEC leaves open are
// optional so the UI renders whatever subset the server provides.

export type Difficulty = "easy" | "medium" | "hard";
export const DIFFICULTIES: Difficulty[] = ["easy", "medium", "hard"];

export const SOURCES = [
  "human_authored",
  "extracted_from_data",
  "synthetic",
  "dspy_optimized",
  "production_captured",
  "feedback_derived",
] as const;
export type Source = (typeof SOURCES)[number];

export const SORT_FIELDS = ["effectiveness_score", "quality_score", "usage_count", "created_at", "updated_at"] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export type JsonObject = Record<string, unknown>;

export type Example = {
  example_id: string;
  version: number;
  input: JsonObject;
  expected_output: JsonObject;
  explanation?: string | null;
  databit_id?: string | null;
  databit_name?: string | null;
  domain: string;
  function_name?: string | null;
  difficulty: Difficulty | string;
  capability_tags?: string[] | null;
  search_keys?: string[] | null;
  source: Source | string;
  attribution_notes?: string | null;
  quality_score?: number | null;
  usage_count: number;
  success_count?: number;
  failure_count?: number;
  effectiveness_score?: number | null;
  has_embedding?: boolean;
  embedding_model?: string | null;
  created_by?: string | null;
  created_at?: string;
  updated_at?: string;
  last_used_at?: string | null;
  /** Kinds of personal data or secrets found in input, output and explanation. */
  pii_flags?: string[];
};

/** Something a write reports without refusing it (issue #20). */
export type QualityWarning = {
  type: "near_duplicate" | "conflict" | "missing_optional_field" | "pii" | string;
  message: string;
  example_id?: string;
  similarity?: number;
  loc?: (string | number)[];
  kinds?: string[];
  index?: number;
};

/** A create or update answer: the example plus its quality warnings. */
export type SavedExample = Example & { warnings?: QualityWarning[] };

export const PII_KINDS = ["email", "phone", "credit_card", "iban", "ssn", "ip_address", "secret"] as const;

export type ExampleInput = {
  input: JsonObject;
  expected_output: JsonObject;
  explanation?: string | null;
  databit_id?: string | null;
  domain?: string;
  function_name?: string | null;
  difficulty?: string;
  capability_tags?: string[];
  search_keys?: string[];
  source?: string;
  attribution_notes?: string | null;
  quality_score?: number | null;
};

export type ExampleList = { examples: Example[]; total: number; page: number; page_size: number };

export type SearchMode = "auto" | "vector" | "keyword" | "hybrid" | "metadata";
export type SearchScores = {
  vector?: number | null;
  keyword?: number | null;
  fused?: number | null;
  effectiveness?: number | null;
  /** The base score normalised to the best candidate: what was blended with effectiveness. */
  relevance?: number | null;
  /** What the exploration policy blended: the posterior mean (greedy), its 95th percentile (ucb) or a draw (thompson). */
  effectiveness_used?: number | null;
};
export type SearchResult = {
  example: Example;
  similarity_score?: number | null;
  match_type?: string;
  scores?: SearchScores;
};
export type SearchResponse = {
  results: SearchResult[];
  total_matches: number;
  search_type: string;
  query_embedding_generated?: boolean;
  took_ms?: number;
  /** `no_match: true` when nothing is relevant to the query (the results, if any, are not matches). */
  metadata?: { no_match?: boolean; exploration?: string | null; seed?: number | null; relevance_floor?: number | null; [k: string]: unknown };
};

export type SchemaField = { name: string; type: string; description?: string; required?: boolean };
export type TemplateStatus = "draft" | "published" | "archived";

export type Template = {
  id: string;
  name: string;
  description?: string | null;
  input_schema: SchemaField[];
  output_schema: SchemaField[];
  prompt_template?: string | null;
  system_prompt?: string | null;
  /** The version's own demos: hand-written, or from an accepted run or a DSPy import (with the example they came from). */
  /** A purged example's demo is a marker: `{example_id, purged: true}`, without input or output. */
  examples?: { input?: JsonObject; output?: JsonObject; explanation?: string | null; example_id?: string | null; augmented?: boolean; purged?: boolean }[];
  base_model?: string;
  temperature?: number;
  max_tokens?: number;
  status: TemplateStatus;
  version: string;
  parent_template_id?: string | null;
  derived_from?: string[];
  created_by?: string | null;
  created_at?: string;
  updated_at?: string;
};

export type TemplateList = { templates: Template[]; total: number; page: number; page_size: number };
