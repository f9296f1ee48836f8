// The libcurl-based HTTP client: see HTTPClient.
