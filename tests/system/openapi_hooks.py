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


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but one: a well-formed Last-Event-ID refused because of the query's state.

    Whether an id is past the end of a query (or not sent yet) depends on the query, not on the shape of
    the request, so a schema-valid id may be refused with 400 `bad_last_event_id`, as docs/api.md says.
    Only that refusal of schema-valid data is forgiven; a malformed id that is accepted still fails.
    """
    if type(failure).__name__ != "RejectedPositiveData" or response is None or response.status_code != 400:
        return True
    try:
        code = json.loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return True
    return code != "bad_last_event_id"
