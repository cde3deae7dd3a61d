"""One streamed orchestration turn through the official Python SDK, in a process of its own
(the SDK caches the orchestration URL and token per process).

    AICORE_SERVICE_KEY=... python sdk_stream.py orchestration [PROMPT]

Prints one JSON line: {text, toolCalls, usage, finishReason, error}.
"""

import json
import sys

from gen_ai_hub.orchestration_v2 import OrchestrationService

from sdk_common import collect_stream, config


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    prompt = sys.argv[2] if len(sys.argv) > 2 else "Hello"
    if mode != "orchestration":
        sys.exit(f"usage: sdk_stream.py orchestration [PROMPT] (got {mode!r})")
    try:
        service = OrchestrationService()
        result = collect_stream(service.stream(config=config(True), placeholder_values={"q": prompt}))
    except Exception as err:  # an error before the stream started
        result = {"text": "", "toolCalls": [], "usage": None, "finishReason": None,
                  "error": f"{type(err).__name__}: {err}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
