"""Schemathesis hooks for tests/system/test_openapi.py (loaded through SCHEMATHESIS_HOOKS).

Two things in the contract cannot be fuzzed as written, and are narrowed here, each for a
stated reason; everything else is fuzzed as docs/openapi.json says.
"""
import json

import schemathesis

# POST /v1/answer and POST /v1/queries take the question from `?q=` when it is in the URL (and then do not
# read the body), else from the body. OpenAPI cannot say "this parameter or the body": with `?q=` in the
# contract a request without a body is valid, and without it the body is required. The contract documents
# both; the fuzzer asks through the body (the question's own rules are fuzzed through GET /v1/answer/stream).
POST_OPERATIONS = ("/v1/answer", "/v1/queries")


@schemathesis.hook
def before_load_schema(context, raw_schema):
    for path in POST_OPERATIONS:
        operation = raw_schema["paths"][path]["post"]
        operation["parameters"] = [
            parameter for parameter in operation["parameters"]
            if parameter.get("$ref") != "#/components/parameters/OptionalQuestion"
        ]


# Schema-valid values that siftd may still refuse, because the answer depends on its state or its
# configuration, or on a rule JSON Schema cannot state: error code -> parts of the message that say which
# ("" for any). docs/api.md and the contract's descriptions say the same.
REFUSALS_OF_VALID_DATA = {
    # A well-formed Last-Event-ID past the end of a query, or not sent yet: that depends on the query.
    "bad_last_event_id": ("is past the end", "has not been sent yet"),
    # 410: a query (or session) the fuzzer created ended more than SIFT_QUERY_RETENTION_SECONDS ago, or was
    # dropped to make room; a long stateful run reads some queries back after that.
    "query_expired": ("",),
    "session_expired": ("",),
    "bad_request": (
        # `providers` names one this siftd does not have configured (the test's has only `kb`).
        "is not configured here",
        # `freshness` as a range of dates that are not real (2024-02-30) or whose first is after the second.
        "`freshness` must be",
    ),
}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but the refusals of schema-valid data listed in REFUSALS_OF_VALID_DATA."""
    if type(failure).__name__ != "RejectedPositiveData" or response is None or response.status_code not in (400, 410):
        return True
    try:
        error = json.loads(response.content)["error"]
        code, message = error["code"], error["message"]
    except (ValueError, KeyError, TypeError):
        return True
    return not any(part in message for part in REFUSALS_OF_VALID_DATA.get(code, ()))
