"""Shared by the Python conformance checks: the orchestration config the SDK sends and the
comparable outcome of one streamed turn (same shape as ../lib/sdk-stream.mjs prints)."""

from gen_ai_hub.orchestration_v2 import ModuleConfig, OrchestrationConfig
from gen_ai_hub.orchestration_v2.models.llm_model_details import LLMModelDetails
from gen_ai_hub.orchestration_v2.models.message import UserMessage
from gen_ai_hub.orchestration_v2.models.streaming import GlobalStreamOptions
from gen_ai_hub.orchestration_v2.models.template import PromptTemplatingModuleConfig, Template

ADD_TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Adds two integers",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


def config(stream: bool, tools=None) -> OrchestrationConfig:
    """gpt-4o through orchestration, the question in placeholder `q`."""
    params = {"stream_options": {"include_usage": True}} if stream else None
    return OrchestrationConfig(
        modules=ModuleConfig(
            prompt_templating=PromptTemplatingModuleConfig(
                prompt=Template(template=[UserMessage(content="{{?q}}")], tools=tools),
                model=LLMModelDetails(name="gpt-4o", params=params),
            )
        ),
        stream=GlobalStreamOptions(enabled=True) if stream else None,
    )


def _usage(usage):
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def collect_stream(chunks) -> dict:
    """Folds streamed `final_result` chunks into text, tool calls, usage, finish reason and
    error, as a client of the SDK does."""
    result = {"text": "", "toolCalls": [], "usage": None, "finishReason": None, "error": None}
    calls = {}
    try:
        for chunk in chunks:
            final = chunk.final_result
            if final is None:
                continue
            if final.usage is not None:
                result["usage"] = _usage(final.usage)
            for choice in final.choices or []:
                delta = choice.delta
                if delta is not None:
                    result["text"] += delta.content or ""
                    for call in delta.tool_calls or []:
                        entry = calls.setdefault(
                            call.index, {"index": call.index, "id": None, "name": None, "arguments": ""}
                        )
                        if call.id:
                            entry["id"] = call.id
                        function = call.function
                        if function is not None:
                            if function.name:
                                entry["name"] = (entry["name"] or "") + function.name
                            entry["arguments"] += function.arguments or ""
                if choice.finish_reason:
                    result["finishReason"] = choice.finish_reason
    except Exception as err:  # the SDK's error is the outcome being compared
        result["error"] = f"{type(err).__name__}: {err}"
    result["toolCalls"] = [calls[index] for index in sorted(calls)]
    return result
