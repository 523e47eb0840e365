import type { Example } from "@/lib/api-types";

export function makeExample(overrides: Partial<Example> = {}): Example {
  return {
    example_id: "3f1c2d4e-0000-4000-8000-000000000001",
    version: 1,
    input: { question: "How do I reset my password?" },
    expected_output: { answer: "Use the 'Forgot password' link." },
    domain: "support",
    function_name: "answer_question",
    difficulty: "easy",
    capability_tags: ["auth"],
    source: "human_authored",
    usage_count: 0,
    effectiveness_score: null,
    has_embedding: true,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}
