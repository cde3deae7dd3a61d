"""The official SAP Cloud SDK for AI, Python (`sap-ai-sdk-gen`, orchestration v2), against a
running `sapcode simulate`, found through AICORE_SERVICE_KEY as the SDK documents it.

    AICORE_SERVICE_KEY="$(cat key.json)" python -m unittest -v test_live
"""

import json
import os
import unittest
import urllib.request

from gen_ai_hub.orchestration_v2 import OrchestrationError, OrchestrationService
from gen_ai_hub.proxy import get_proxy_client

from sdk_common import ADD_TOOL, collect_stream, config

KEY = json.loads(os.environ["AICORE_SERVICE_KEY"])
BASE = KEY["serviceurls"]["AI_API_URL"].rstrip("/")


def set_faults(spec: str) -> None:
    request = urllib.request.Request(f"{BASE}/_sim/faults", data=spec.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, response.read()


def recorded() -> list:
    with urllib.request.urlopen(f"{BASE}/_sim/requests", timeout=10) as response:
        return json.load(response)


class OrchestrationV2(unittest.TestCase):
    service: OrchestrationService

    @classmethod
    def setUpClass(cls):
        cls.service = OrchestrationService()

    def setUp(self):
        set_faults("")

    def tearDown(self):
        set_faults("")

    def ask(self, text="Say hello", tools=None):
        return self.service.run(config=config(False, tools), placeholder_values={"q": text})

    def test_discovers_the_running_orchestration_deployment(self):
        self.assertRegex(self.service.api_url, r"/v2/inference/deployments/d[0-9a-f]{15}$")
        self.assertTrue(self.service.api_url.startswith(BASE))

    def test_run_text_usage_finish_reason(self):
        response = self.ask()
        choice = response.final_result.choices[0]
        self.assertIn("gpt-4o", choice.message.content)
        self.assertEqual(choice.finish_reason, "stop")
        usage = response.final_result.usage
        self.assertGreater(usage.prompt_tokens, 0)
        self.assertEqual(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens)
        self.assertTrue(response.request_id)

    def test_stream_matches_run(self):
        whole = self.ask()
        streamed = collect_stream(self.service.stream(config=config(True), placeholder_values={"q": "Say hello"}))
        self.assertIsNone(streamed["error"])
        self.assertEqual(streamed["text"], whole.final_result.choices[0].message.content)
        self.assertEqual(streamed["finishReason"], "stop")
        self.assertEqual(streamed["usage"]["total_tokens"], whole.final_result.usage.total_tokens)

    def test_tool_call_run_and_stream(self):
        whole = self.ask("Add 2 and 3.", tools=[ADD_TOOL])
        choice = whole.final_result.choices[0]
        self.assertEqual(choice.finish_reason, "tool_calls")
        (call,) = choice.message.tool_calls
        self.assertEqual(call.function.name, "add")
        self.assertEqual(json.loads(call.function.arguments), {"a": 2, "b": 3})
        streamed = collect_stream(
            self.service.stream(config=config(True, [ADD_TOOL]), placeholder_values={"q": "Add 2 and 3."})
        )
        self.assertIsNone(streamed["error"])
        self.assertEqual(streamed["finishReason"], "tool_calls")
        self.assertEqual(
            streamed["toolCalls"],
            [{"index": 0, "id": call.id, "name": "add", "arguments": call.function.arguments}],
        )

    def test_mid_stream_error_is_the_sdk_error(self):
        set_faults("error-after=2")
        chunks = self.service.stream(config=config(True), placeholder_values={"q": "Say hello"})
        text = ""
        with self.assertRaises(OrchestrationError) as raised:
            for chunk in chunks:
                for choice in chunk.final_result.choices or []:
                    text += (choice.delta.content if choice.delta else None) or ""
        self.assertEqual(raised.exception.code, 500)
        self.assertEqual(raised.exception.location, "LLM Module")
        self.assertTrue(text, "the two chunks before the error arrived")

    def test_unknown_model_is_a_400_orchestration_error(self):
        bad = config(False)
        bad.modules.prompt_templating.model.name = "no-such-model"
        with self.assertRaises(OrchestrationError) as raised:
            self.service.run(config=bad, placeholder_values={"q": "hi"})
        self.assertEqual(raised.exception.code, 400)

    def image_config(self, model: str):
        """The question in `q` beside a 48×24 PNG read from a file, as the SDK documents it."""
        import struct
        import tempfile
        from gen_ai_hub.orchestration_v2.models.message import UserMessage
        from gen_ai_hub.orchestration_v2.models.multimodal_items import ImageItem

        png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR" + struct.pack(">II", 48, 24) + bytes(300)
        with tempfile.NamedTemporaryFile(suffix=".png") as file:
            file.write(png)
            file.flush()
            image = ImageItem.from_file(file.name)
        cfg = config(False)
        cfg.modules.prompt_templating.model.name = model
        cfg.modules.prompt_templating.prompt.template = [UserMessage(content=["{{?q}}", image])]
        return cfg, len(png)

    def test_an_image_is_seen_by_a_model_that_takes_images(self):
        cfg, size = self.image_config("gpt-4o")
        response = self.service.run(config=cfg, placeholder_values={"q": "what is it?"})
        text = response.final_result.choices[0].message.content
        self.assertTrue(text.startswith(f"I see an image of 48×24 pixels, png, {size} bytes"), text)

    def test_an_image_to_a_text_only_model_is_a_400(self):
        cfg, _ = self.image_config("o3-mini")
        with self.assertRaises(OrchestrationError) as raised:
            self.service.run(config=cfg, placeholder_values={"q": "what is it?"})
        self.assertEqual(raised.exception.code, 400)
        self.assertIn("image_url is only supported by certain models", str(raised.exception))


class ResourceGroupTeamB(unittest.TestCase):
    def test_orchestration_in_team_b(self):
        set_faults("")
        before = len(recorded())
        proxy = get_proxy_client(proxy_version="gen-ai-hub", resource_group="team-b")
        service = OrchestrationService(proxy_client=proxy)
        response = service.run(config=config(False), placeholder_values={"q": "Say hello"})
        self.assertIn("gpt-4o", response.final_result.choices[0].message.content)
        calls = [r for r in recorded()[before:] if r["path"] != "/oauth/token"]
        lookups = [r for r in calls if r["path"] == "/v2/lm/deployments"]
        posts = [r for r in calls if r["method"] == "POST"]
        self.assertTrue(lookups and all(r["resource_group"] == "team-b" for r in lookups), calls)
        self.assertEqual(len(posts), 1, calls)
        self.assertEqual(posts[0]["resource_group"], "team-b")
        self.assertTrue(service.api_url.endswith(posts[0]["path"].removesuffix("/v2/completion")))
        self.assertNotEqual(service.api_url, OrchestrationService().api_url, "team-b has its own deployment")


if __name__ == "__main__":
    unittest.main()
