import MCP

/// The tools siftd offers over MCP, as `tools/list` describes them: each reads only (it changes
/// nothing anywhere) and reaches an open world (web search and pages), and each says what its
/// `structuredContent` holds in an `outputSchema`.
enum MCPTools {
    static let answer = "sift_answer"
    static let search = "sift_search"
    static let fetch = "sift_fetch"

    /// Every tool, in the order `tools/list` gives them.
    static let all: [Tool] = [answerTool, searchTool, fetchTool]

    private static func annotations(_ title: String) -> Tool.Annotations {
        Tool.Annotations(title: title, readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true)
    }

    static let answerTool = Tool(
        name: answer, title: "Ask Sift",
        description: """
            Answers a question from Sift's sources (its local knowledge base, and web search when configured) with \
            numbered citations [n]. The text ends with a Sources block; structuredContent has the answer, the \
            sources and whether the sources answered the question (answered: false means Sift abstained rather \
            than guess). Long answers report progress.
            """,
        inputSchema: [
            "type": "object",
            "properties": properties([
                "question": ["type": "string", "minLength": 1, "description": "The question, in plain words."],
                "session": [
                    "type": "string",
                    "description": "Ask a follow-up: the session of an earlier sift_answer result.",
                ],
            ]),
            "required": ["question"],
            "additionalProperties": false,
        ],
        annotations: annotations("Ask Sift"),
        outputSchema: [
            "type": "object",
            "properties": [
                "answer": ["type": "string", "description": "The answer, with citations [n] naming sources[].n."],
                "answered": [
                    "type": "boolean",
                    "description": "False when the sources do not answer the question and the answer says so.",
                ],
                "outcome": ["type": "string", "enum": ["complete", "cancelled", "failed"]],
                "query_id": ["type": "string"],
                "session": ["type": "string", "description": "Pass it as session to ask a follow-up."],
                "sources": ["type": "array", "items": sourceSchema],
                "warnings": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": ["code": ["type": "string"], "message": ["type": "string"]],
                        "required": ["code", "message"],
                    ],
                ],
                "error": errorSchema,
            ],
            "required": ["answer", "answered", "outcome", "query_id", "sources"],
        ])

    static let searchTool = Tool(
        name: search, title: "Search with Sift",
        description: """
            Searches Sift's sources and returns the best passages, ranked, each with the source it comes from \
            (title, URL). Cheaper than sift_answer: nothing is synthesized. Use it to read the evidence yourself.
            """,
        inputSchema: [
            "type": "object",
            "properties": properties([
                "query": ["type": "string", "minLength": 1, "description": "What to search for."],
                "max_passages": [
                    "type": "integer", "minimum": 1, "maximum": 50,
                    "description": "Most passages to return (default: all Sift ranked, SIFT_MAX_PASSAGES).",
                ],
            ]),
            "required": ["query"],
            "additionalProperties": false,
        ],
        annotations: annotations("Search with Sift"),
        outputSchema: [
            "type": "object",
            "properties": [
                "query_id": ["type": "string"],
                "outcome": ["type": "string", "enum": ["complete", "cancelled", "failed"]],
                "passages": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "n": ["type": "integer"],
                            "source_n": ["type": "integer", "description": "The sources[].n this passage is from."],
                            "score": ["type": "number"],
                            "text": ["type": "string"],
                        ],
                        "required": ["n", "source_n", "score", "text"],
                    ],
                ],
                "sources": ["type": "array", "items": sourceSchema],
                "error": errorSchema,
            ],
            "required": ["query_id", "outcome", "passages", "sources"],
        ])

    static let fetchTool = Tool(
        name: fetch, title: "Read a web page",
        description: """
            Fetches a web page (http or https) and returns its readable main text, without navigation and \
            boilerplate. Private and internal addresses are refused, as for every page Sift reads.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "url": ["type": "string", "description": "An http:// or https:// URL."],
                "max_chars": [
                    "type": "integer", "minimum": 100, "maximum": 200_000,
                    "description": "Most characters of text to return (default 20000).",
                ],
            ],
            "required": ["url"],
            "additionalProperties": false,
        ],
        annotations: annotations("Read a web page"),
        outputSchema: [
            "type": "object",
            "properties": [
                "url": ["type": "string", "description": "The URL read, after redirects."],
                "title": ["type": "string"],
                "text": ["type": "string", "description": "The readable text, paragraphs apart by blank lines."],
                "truncated": ["type": "boolean", "description": "Whether text was cut at max_chars."],
                "bytes": ["type": "integer"],
                "cached": ["type": "boolean"],
            ],
            "required": ["url", "title", "text", "truncated", "bytes", "cached"],
        ])

    /// The search controls every route takes (docs/api.md, "Search controls"), as tool arguments.
    static let controlArguments: [String: Value] = [
        "sites": [
            "type": "array", "items": ["type": "string"], "maxItems": 20,
            "description": "Domains to keep results to (example.com covers its subdomains); a leading - leaves one out.",
        ],
        "freshness": [
            "type": "string",
            "description": "How recent web results must be: day, week, month, year, or YYYY-MM-DDtoYYYY-MM-DD.",
        ],
        "providers": [
            "type": "array", "items": ["type": "string"],
            "description": "Only these of the configured providers (kb, brave, searxng).",
        ],
        "max_sources": ["type": "integer", "minimum": 1, "description": "Fewer sources, up to the operator's cap."],
        "lang": ["type": "string", "description": "Language of web results: en, de, pt-br."],
    ]

    private static func properties(_ own: [String: Value]) -> Value {
        .object(own.merging(controlArguments) { mine, _ in mine })
    }

    private static let sourceSchema: Value = [
        "type": "object",
        "properties": [
            "n": ["type": "integer", "description": "The number citations [n] use."],
            "title": ["type": "string"],
            "url": ["type": "string"],
            "snippet": ["type": "string"],
            "providers": ["type": "array", "items": ["type": "string"]],
            "cited": ["type": "boolean", "description": "Whether the answer cites it."],
        ],
        "required": ["n", "title", "url", "snippet", "providers"],
    ]

    private static let errorSchema: Value = [
        "type": "object",
        "properties": [
            "code": ["type": "string"], "message": ["type": "string"], "retryable": ["type": "boolean"],
        ],
        "required": ["code", "message", "retryable"],
    ]
}
