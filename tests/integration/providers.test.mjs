// The official `openai` npm client talks through the gateway to models served
// in every native wire format (Anthropic Messages, Gemini generateContent,
// Bedrock Converse, Azure OpenAI), with the provider emulator as upstream:
// text, streams, usage, tool calls and tool results; the emulator's request
// log proves each upstream request was in the provider's own format. Also:
// error translation (overloaded, rate limited, context too long), model
// quirks (o1-mini) in drop and reject modes, direct `provider/model`
// addressing and catalog presets.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import OpenAI from 'openai';

import {expectApiError} from './lib/assert_error.mjs';
import {Emulator} from './lib/emulator.mjs';
import {baseConfig, Gateway} from './lib/gateway.mjs';
import {
  anthropicProvider,
  azureProvider,
  bedrockProvider,
  collectChatStream,
  geminiProvider,
  kEmulatorAnswerPrefix,
  kEmulatorToolArgs,
  kProviderKey,
  onlyUpstreamRequest,
  openaiProvider,
  upstreamRequests,
  weatherTool,
} from './lib/providers_helpers.mjs';

const kBedrockModelId = 'anthropic.claude-3-5-sonnet-20241022-v2:0';

let emu;
let gw;        // unsupported_params: drop (the default)
let gwReject;  // unsupported_params: reject
let client;
let rejectClient;

function providers(emu) {
  return {
    // Named like catalog presets, without `type`: the preset supplies it.
    anthropic: {base_url: `${emu.url()}/v1`, api_key: kProviderKey},
    openai: {api_key: kProviderKey, base_url: `${emu.url()}/v1`},
    gem: geminiProvider(emu),
    bed: bedrockProvider(emu),
    az: azureProvider(emu),
    oai: openaiProvider(emu),
    anth_overloaded: anthropicProvider(emu, 'status=529'),
    gem_rate_limited: geminiProvider(emu, 'status=429,retry_after=7'),
    anth_ctx: anthropicProvider(emu, 'context=1'),
    gem_ctx: geminiProvider(emu, 'context=1'),
    bed_ctx: bedrockProvider(emu, 'context=1'),
    az_ctx: azureProvider(emu, 'context=1'),
    oai_ctx: openaiProvider(emu, 'context=1'),
    anth_error_event: anthropicProvider(emu, 'error_event=5'),
    gem_error_event: geminiProvider(emu, 'error_event=5'),
    bed_error_event: bedrockProvider(emu, 'error_event=5'),
    anth_drop: anthropicProvider(emu, 'drop_after=5'),
    gem_drop: geminiProvider(emu, 'drop_after=5'),
    bed_drop: bedrockProvider(emu, 'drop_after=5'),
    anth_refusal: anthropicProvider(emu, 'finish=content_filter'),
    gem_safety: geminiProvider(emu, 'finish=content_filter'),
    bed_filtered: bedrockProvider(emu, 'finish=content_filter'),
  };
}

const models = [
  {name: 'claude', deployments: [{provider: 'anthropic', model: 'claude-3-5-sonnet-20241022'}]},
  {name: 'gemini', deployments: [{provider: 'gem', model: 'gemini-2.0-flash'}]},
  {name: 'bedrock-claude', deployments: [{provider: 'bed', model: kBedrockModelId}]},
  {name: 'azure-gpt', deployments: [{provider: 'az', model: 'my-gpt4o-deployment'}]},
  {name: 'o1-mini', deployments: [{provider: 'oai', model: 'o1-mini'}]},
  {
    name: 'claude-overloaded',
    deployments: [{provider: 'anth_overloaded', model: 'claude-3-5-sonnet-20241022'}]
  },
  {
    name: 'claude-overloaded-then-gemini',
    deployments: [
      {provider: 'anth_overloaded', model: 'claude-3-5-sonnet-20241022'},
      {provider: 'gem', model: 'gemini-2.0-flash'},
    ],
  },
  {
    name: 'gemini-rate-limited',
    deployments: [{provider: 'gem_rate_limited', model: 'gemini-2.0-flash'}]
  },
  {
    name: 'ctx-anthropic',
    deployments: [{provider: 'anth_ctx', model: 'claude-3-5-sonnet-20241022'}]
  },
  {name: 'ctx-gemini', deployments: [{provider: 'gem_ctx', model: 'gemini-2.0-flash'}]},
  {name: 'ctx-bedrock', deployments: [{provider: 'bed_ctx', model: kBedrockModelId}]},
  {name: 'ctx-azure', deployments: [{provider: 'az_ctx', model: 'my-gpt4o-deployment'}]},
  {name: 'ctx-openai', deployments: [{provider: 'oai_ctx', model: 'gpt-4o'}]},
  {
    name: 'midstream-error-anthropic',
    deployments: [{provider: 'anth_error_event', model: 'claude-3-5-sonnet-20241022'}]
  },
  {
    name: 'midstream-error-gemini',
    deployments: [{provider: 'gem_error_event', model: 'gemini-2.0-flash'}]
  },
  {
    name: 'midstream-error-bedrock',
    deployments: [{provider: 'bed_error_event', model: kBedrockModelId}]
  },
  {
    name: 'midstream-drop-anthropic',
    deployments: [{provider: 'anth_drop', model: 'claude-3-5-sonnet-20241022'}]
  },
  {name: 'midstream-drop-gemini', deployments: [{provider: 'gem_drop', model: 'gemini-2.0-flash'}]},
  {
    name: 'filtered-anthropic',
    deployments: [{provider: 'anth_refusal', model: 'claude-3-5-sonnet-20241022'}]
  },
  {name: 'filtered-gemini', deployments: [{provider: 'gem_safety', model: 'gemini-2.0-flash'}]},
  {name: 'filtered-bedrock', deployments: [{provider: 'bed_filtered', model: kBedrockModelId}]},
  {name: 'midstream-drop-bedrock', deployments: [{provider: 'bed_drop', model: kBedrockModelId}]},
];

function newClient(gateway) {
  return new OpenAI(
      {baseURL: `${gateway.url}/v1`, apiKey: 'sk-client', maxRetries: 0, timeout: 10000});
}

before(async () => {
  emu = await Emulator.start();
  [gw, gwReject] = await Promise.all([
    Gateway.start(baseConfig(providers(emu), models)),
    Gateway.start(baseConfig(providers(emu), models, {unsupported_params: 'reject'})),
  ]);
  client = newClient(gw);
  rejectClient = newClient(gwReject);
});

after(async () => {
  await Promise.all([gw?.stop(), gwReject?.stop()]);
  await emu?.stop();
});

const kSystem = 'You are a terse assistant.';
const kStop = 'END-OF-ANSWER';  // never in the emulator's answer
// A 1x1 transparent PNG.
const kPngBase64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk' +
    'YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const imageMessages = [{
  role: 'user',
  content: [
    {type: 'text', text: 'Describe this picture.'},
    {type: 'image_url', image_url: {url: `data:image/png;base64,${kPngBase64}`}},
  ],
}];
const kQuestion = 'Say hello in five words.';
const textMessages = [
  {role: 'system', content: kSystem},
  {role: 'user', content: kQuestion},
];
const toolMessages = [{role: 'user', content: 'What is the weather in Paris today?'}];

// The tool-result turn: the client ran the tool and sends its output back.
const kToolCallId = 'call_e2e_weather_1';
const kToolResult = '{"temp_c": 18, "sky": "clear"}';
// The emulator answers with a tool call whenever the last user text mentions
// "weather", so this conversation never says it.
const toolResultMessages = [
  {role: 'user', content: 'Look up the conditions in Paris, please.'},
  {
    role: 'assistant',
    content: null,
    tool_calls: [{
      id: kToolCallId,
      type: 'function',
      function: {name: 'get_weather', arguments: JSON.stringify(kEmulatorToolArgs)},
    }],
  },
  {role: 'tool', tool_call_id: kToolCallId, content: kToolResult},
];

// Everything the tests need to know about one wire format: the model, the
// upstream path, and checks that the upstream body is in the native shape.
const formats = [
  {
    label: 'Anthropic',
    model: 'claude',
    provider: 'anthropic',
    upstreamModel: 'claude-3-5-sonnet-20241022',
    path: /\/v1\/messages$/,
    checkAuth(rec) {
      assert.equal(rec.headers['x-api-key'], kProviderKey);
      assert.ok(rec.headers['anthropic-version'], 'anthropic-version header');
      assert.equal(rec.headers.authorization, undefined);
    },
    checkText(rec, {stream}) {
      const b = rec.json;
      assert.equal(b.model, 'claude-3-5-sonnet-20241022');
      const system = typeof b.system === 'string' ? b.system : b.system.map((p) => p.text).join('');
      assert.equal(system, kSystem, 'system prompt is top-level `system`');
      assert.ok(b.messages.every((m) => m.role === 'user' || m.role === 'assistant'));
      assert.equal(b.messages.length, 1);
      assert.equal(b.max_tokens, 100);
      assert.equal(b.temperature, 0.5);
      assert.deepEqual(b.stop_sequences, [kStop]);
      assert.equal(b.stream === true, stream);
    },
    checkImage(rec) {
      const [m] = rec.json.messages;
      assert.deepEqual(
          m.content.find((c) => c.type === 'image'),
          {type: 'image', source: {type: 'base64', media_type: 'image/png', data: kPngBase64}});
      assert.equal(m.content.find((c) => c.type === 'text').text, 'Describe this picture.');
    },
    checkTools(rec) {
      const b = rec.json;
      assert.equal(typeof b.max_tokens, 'number', 'max_tokens is required by Anthropic');
      assert.ok(b.max_tokens > 0);
      assert.equal(b.tools.length, 1);
      assert.equal(b.tools[0].name, 'get_weather');
      assert.deepEqual(b.tools[0].input_schema, weatherTool.function.parameters);
      assert.deepEqual(b.tool_choice, {type: 'auto'});
    },
    checkToolResult(rec) {
      const [user, assistant, result] = rec.json.messages;
      assert.equal(user.role, 'user');
      assert.equal(assistant.role, 'assistant');
      const use = assistant.content.find((c) => c.type === 'tool_use');
      assert.ok(use, 'assistant tool_calls become a tool_use block');
      assert.equal(use.id, kToolCallId);
      assert.equal(use.name, 'get_weather');
      assert.deepEqual(use.input, kEmulatorToolArgs);
      assert.equal(result.role, 'user');
      const tr = result.content.find((c) => c.type === 'tool_result');
      assert.ok(tr, 'a tool message becomes a tool_result block');
      assert.equal(tr.tool_use_id, kToolCallId);
      const trText =
          typeof tr.content === 'string' ? tr.content : tr.content.map((c) => c.text).join('');
      assert.equal(trText, kToolResult);
    },
  },
  {
    label: 'Gemini',
    model: 'gemini',
    provider: 'gem',
    upstreamModel: 'gemini-2.0-flash',
    path: /\/v1beta\/models\/gemini-2\.0-flash:(generateContent|streamGenerateContent)$/,
    checkAuth(rec) {
      assert.equal(rec.headers['x-goog-api-key'], kProviderKey);
      assert.equal(rec.headers.authorization, undefined);
    },
    checkText(rec, {stream}) {
      assert.ok(
          rec.path.endsWith(stream ? ':streamGenerateContent' : ':generateContent'), rec.path);
      if (stream) assert.match(rec.query, /(^|&)alt=sse(&|$)/);
      const b = rec.json;
      assert.deepEqual(b.systemInstruction.parts.map((p) => p.text).join(''), kSystem);
      assert.equal(b.contents.length, 1);
      assert.equal(b.contents[0].role, 'user');
      assert.equal(b.contents[0].parts.map((p) => p.text).join(''), kQuestion);
      assert.equal(b.generationConfig.maxOutputTokens, 100);
      assert.equal(b.generationConfig.temperature, 0.5);
      assert.deepEqual(b.generationConfig.stopSequences, [kStop]);
      assert.equal(b.messages, undefined);
    },
    checkImage(rec) {
      const [c] = rec.json.contents;
      const inline = c.parts.map((p) => p.inlineData ?? p.inline_data).find(Boolean);
      assert.deepEqual(inline, {mimeType: 'image/png', data: kPngBase64});
      assert.equal(c.parts.find((p) => p.text).text, 'Describe this picture.');
    },
    checkTools(rec) {
      const decls = rec.json.tools.flatMap((t) => t.functionDeclarations ?? []);
      assert.equal(decls.length, 1);
      assert.equal(decls[0].name, 'get_weather');
      assert.equal(decls[0].description, 'Current weather for a city');
    },
    checkToolResult(rec) {
      const [user, model, fn] = rec.json.contents;
      assert.equal(user.role, 'user');
      assert.equal(model.role, 'model');
      const call = model.parts.find((p) => p.functionCall);
      assert.ok(call, 'assistant tool_calls become a functionCall part');
      assert.equal(call.functionCall.name, 'get_weather');
      assert.deepEqual(call.functionCall.args, kEmulatorToolArgs);
      const resp = fn.parts.find((p) => p.functionResponse);
      assert.ok(resp, 'a tool message becomes a functionResponse part');
      assert.equal(resp.functionResponse.name, 'get_weather');
      assert.equal(typeof resp.functionResponse.response, 'object');
    },
  },
  {
    label: 'Bedrock',
    model: 'bedrock-claude',
    provider: 'bed',
    upstreamModel: kBedrockModelId,
    path: /^(\/_s\/[^/]*)?\/model\/[^/]+\/converse(-stream)?$/,
    checkAuth(rec) {
      const credential = String.raw`Credential=AKIDEXAMPLE/\d{8}/us-east-1/bedrock/aws4_request`;
      const signed = String.raw`SignedHeaders=[a-z0-9;-]+`;
      const signature = String.raw`Signature=[0-9a-f]{64}`;
      assert.match(
          rec.headers.authorization,
          new RegExp(`^AWS4-HMAC-SHA256 ${credential}, ?${signed}, ?${signature}$`));
      assert.match(rec.headers['x-amz-date'], /^\d{8}T\d{6}Z$/);
      assert.match(rec.headers.authorization, /SignedHeaders=[^,]*host[^,]*x-amz-date/);
    },
    checkText(rec, {stream}) {
      assert.equal(
          decodeURIComponent(rec.path),
          `/model/${kBedrockModelId}/${stream ? 'converse-stream' : 'converse'}`);
      const b = rec.json;
      assert.deepEqual(b.system, [{text: kSystem}]);
      assert.deepEqual(b.messages, [{role: 'user', content: [{text: kQuestion}]}]);
      assert.equal(b.inferenceConfig.maxTokens, 100);
      assert.equal(b.inferenceConfig.temperature, 0.5);
      assert.deepEqual(b.inferenceConfig.stopSequences, [kStop]);
      assert.equal(b.model, undefined, 'the model id is in the path, not the body');
    },
    checkImage(rec) {
      const [m] = rec.json.messages;
      assert.deepEqual(
          m.content.find((c) => c.image), {image: {format: 'png', source: {bytes: kPngBase64}}});
      assert.equal(m.content.find((c) => c.text).text, 'Describe this picture.');
    },
    checkTools(rec) {
      const tools = rec.json.toolConfig.tools;
      assert.equal(tools.length, 1);
      assert.equal(tools[0].toolSpec.name, 'get_weather');
      assert.deepEqual(tools[0].toolSpec.inputSchema.json, weatherTool.function.parameters);
    },
    checkToolResult(rec) {
      const [user, assistant, result] = rec.json.messages;
      assert.equal(user.role, 'user');
      assert.equal(assistant.role, 'assistant');
      const use = assistant.content.find((c) => c.toolUse);
      assert.ok(use, 'assistant tool_calls become a toolUse block');
      assert.equal(use.toolUse.toolUseId, kToolCallId);
      assert.equal(use.toolUse.name, 'get_weather');
      assert.deepEqual(use.toolUse.input, kEmulatorToolArgs);
      assert.equal(result.role, 'user');
      const tr = result.content.find((c) => c.toolResult);
      assert.ok(tr, 'a tool message becomes a toolResult block');
      assert.equal(tr.toolResult.toolUseId, kToolCallId);
    },
  },
  {
    label: 'Azure',
    model: 'azure-gpt',
    provider: 'az',
    upstreamModel: 'my-gpt4o-deployment',
    path: /\/openai\/deployments\/my-gpt4o-deployment\/chat\/completions$/,
    checkAuth(rec) {
      assert.equal(rec.headers['api-key'], kProviderKey);
      assert.equal(rec.headers.authorization, undefined, 'Azure takes api-key, not a bearer token');
      assert.match(rec.query, /(^|&)api-version=2024-10-21(&|$)/);
    },
    checkText(rec, {stream}) {
      const b = rec.json;
      assert.deepEqual(b.messages, textMessages);
      assert.equal(b.max_tokens, 100);
      assert.equal(b.temperature, 0.5);
      assert.deepEqual(b.stop, [kStop]);
      if (stream) assert.equal(b.stream_options?.include_usage, true);
    },
    checkImage(rec) {
      assert.deepEqual(rec.json.messages, imageMessages);
    },
    checkTools(rec) {
      assert.deepEqual(rec.json.tools, [weatherTool]);
    },
    checkToolResult(rec) {
      assert.deepEqual(rec.json.messages, toolResultMessages);
    },
  },
];

for (const f of formats) {
  describe(`openai client → ${f.label}-backed model`, () => {
    const textRequest =
        {model: f.model, messages: textMessages, max_tokens: 100, temperature: 0.5, stop: [kStop]};
    const toolRequest =
        {model: f.model, messages: toolMessages, tools: [weatherTool], tool_choice: 'auto'};

    test('non-stream text; the upstream request is native', async () => {
      await emu.reset();
      const {data, response} = await client.chat.completions.create(textRequest).withResponse();
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-switchyard-provider'), f.provider);
      assert.equal(response.headers.get('x-switchyard-model'), f.upstreamModel);
      assert.equal(data.object, 'chat.completion');
      assert.equal(data.choices.length, 1);
      const msg = data.choices[0].message;
      assert.equal(msg.role, 'assistant');
      assert.ok(msg.content.startsWith(`${kEmulatorAnswerPrefix}${kQuestion}`), msg.content);
      assert.equal(msg.content.split(' ').length, 12);
      assert.equal(data.choices[0].finish_reason, 'stop');
      assert.ok(data.usage.prompt_tokens > 0);
      assert.equal(data.usage.completion_tokens, 12);
      assert.equal(
          data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
      const rec = await onlyUpstreamRequest(emu, f.path);
      f.checkAuth(rec);
      f.checkText(rec, {stream: false});
    });

    test('stream text: deltas concatenate to the non-stream answer', async () => {
      const ref = await client.chat.completions.create(textRequest);
      await emu.reset();
      const s = await collectChatStream(
          await client.chat.completions.create({...textRequest, stream: true}));
      assert.ok(s.chunks >= 3, `only ${s.chunks} chunks`);
      assert.equal(s.text, ref.choices[0].message.content);
      assert.equal(s.finish, 'stop');
      const rec = await onlyUpstreamRequest(emu, f.path);
      f.checkAuth(rec);
      f.checkText(rec, {stream: true});
    });

    test('stream: no usage chunk unless stream_options.include_usage', async () => {
      const s = await collectChatStream(
          await client.chat.completions.create({...textRequest, stream: true}));
      assert.equal(s.finish, 'stop');
      assert.equal(s.usage, null, 'a usage chunk the client did not ask for');
      assert.equal(s.emptyChoiceChunks, 0, 'a chunk with empty choices the client did not ask for');
    });

    test('stream with stream_options.include_usage: a final usage chunk', async () => {
      const ref = await client.chat.completions.create(textRequest);
      const s = await collectChatStream(await client.chat.completions.create(
          {...textRequest, stream: true, stream_options: {include_usage: true}}));
      assert.equal(s.text, ref.choices[0].message.content);
      assert.equal(s.finish, 'stop');
      assert.ok(s.usage, 'a usage chunk');
      assert.equal(s.usage.prompt_tokens, ref.usage.prompt_tokens);
      assert.equal(s.usage.completion_tokens, ref.usage.completion_tokens);
      assert.equal(s.usage.total_tokens, ref.usage.total_tokens);
      assert.equal(s.afterUsage, false, 'usage is the last chunk');
    });

    test('max_tokens reached → finish_reason length (non-stream and stream)', async () => {
      const short = {model: f.model, messages: [{role: 'user', content: kQuestion}], max_tokens: 3};
      const data = await client.chat.completions.create(short);
      assert.equal(data.choices[0].finish_reason, 'length');
      assert.equal(data.choices[0].message.content, 'This is the');
      assert.equal(data.usage.completion_tokens, 3);
      const s =
          await collectChatStream(await client.chat.completions.create({...short, stream: true}));
      assert.equal(s.finish, 'length');
      assert.equal(s.text, 'This is the');
    });

    test('image (data URL) is encoded natively', async () => {
      await emu.reset();
      const data = await client.chat.completions.create({model: f.model, messages: imageMessages});
      assert.ok(data.choices[0].message.content.startsWith(kEmulatorAnswerPrefix));
      f.checkImage(await onlyUpstreamRequest(emu, f.path));
    });

    test('tool call, non-stream', async () => {
      await emu.reset();
      const data = await client.chat.completions.create(toolRequest);
      const choice = data.choices[0];
      assert.equal(choice.finish_reason, 'tool_calls');
      assert.equal(choice.message.tool_calls.length, 1);
      const call = choice.message.tool_calls[0];
      assert.equal(call.type, 'function');
      assert.ok(call.id.length > 0);
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), kEmulatorToolArgs);
      assert.ok(!choice.message.content, 'no text besides the tool call');
      f.checkTools(await onlyUpstreamRequest(emu, f.path));
    });

    test('tool call, stream: assembled from deltas', async () => {
      const s = await collectChatStream(
          await client.chat.completions.create({...toolRequest, stream: true}));
      assert.equal(s.finish, 'tool_calls');
      assert.equal(s.toolCalls.length, 1);
      const [call] = s.toolCalls;
      assert.ok(call.id.length > 0);
      assert.equal(call.type, 'function');
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.arguments), kEmulatorToolArgs);
      assert.equal(s.text, '');
    });

    test('tool result turn: encoded natively, answered with text', async () => {
      await emu.reset();
      const data = await client.chat.completions.create(
          {model: f.model, messages: toolResultMessages, tools: [weatherTool]});
      assert.equal(data.choices[0].finish_reason, 'stop');
      assert.ok(data.choices[0].message.content.startsWith(kEmulatorAnswerPrefix));
      f.checkToolResult(await onlyUpstreamRequest(emu, f.path));
    });
  });
}

describe('error translation', () => {
  const ask = {messages: [{role: 'user', content: kQuestion}]};

  test('Anthropic 529 overloaded → an OpenAI-shaped 503', async () => {
    await emu.reset();
    const err = await expectApiError(
        client.chat.completions.create({model: 'claude-overloaded', ...ask}),
        {status: 503, code: 'upstream_overloaded'});
    assert.match(err.message, /overloaded/i);
    assert.equal((await upstreamRequests(emu, /\/v1\/messages$/)).length, 1);
  });

  test('Anthropic 529 is retryable: the next deployment serves the request', async () => {
    await emu.reset();
    const {data, response} =
        await client.chat.completions.create({model: 'claude-overloaded-then-gemini', ...ask})
            .withResponse();
    assert.equal(response.headers.get('x-switchyard-provider'), 'gem');
    assert.ok(data.choices[0].message.content.startsWith(kEmulatorAnswerPrefix));
    const recs = await emu.requests();
    assert.deepEqual(recs.map((r) => r.status), [529, 200]);
  });

  test('Gemini 429 → 429 with Retry-After', async () => {
    const err = await expectApiError(
        client.chat.completions.create({model: 'gemini-rate-limited', ...ask}),
        {status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded'});
    assert.equal(err.headers.get('retry-after'), '7');
  });

  const contextModels = [
    ['Anthropic', 'ctx-anthropic'],
    ['Gemini', 'ctx-gemini'],
    ['Bedrock', 'ctx-bedrock'],
    ['Azure', 'ctx-azure'],
    ['OpenAI', 'ctx-openai'],
  ];
  for (const [label, model] of contextModels) {
    test(`${label} context-length error → 400 context_length_exceeded`, async () => {
      await expectApiError(
          client.chat.completions.create({model, ...ask}),
          {status: 400, type: 'invalid_request_error', code: 'context_length_exceeded'});
      // Before any byte of a stream: the same JSON error, not an SSE stream.
      await expectApiError(
          client.chat.completions.create({model, ...ask, stream: true}),
          {status: 400, code: 'context_length_exceeded'});
    });
  }
});

describe('native wire details', () => {
  test('Anthropic: consecutive user messages are merged into one turn', async () => {
    await emu.reset();
    await client.chat.completions.create({
      model: 'claude',
      messages: [{role: 'user', content: 'First part.'}, {role: 'user', content: 'Second part.'}],
    });
    const {json} = await onlyUpstreamRequest(emu, /\/v1\/messages$/);
    assert.equal(json.messages.length, 1);
    assert.equal(json.messages[0].role, 'user');
    const text = typeof json.messages[0].content === 'string' ?
        json.messages[0].content :
        json.messages[0].content.map((c) => c.text).join('\n');
    assert.ok(text.includes('First part.') && text.includes('Second part.'), text);
  });

  test('Gemini: response_format json_schema → responseMimeType and responseSchema', async () => {
    await emu.reset();
    await client.chat.completions.create({
      model: 'gemini',
      messages: [{role: 'user', content: kQuestion}],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'greeting',
          schema: {type: 'object', properties: {text: {type: 'string'}}, required: ['text']},
        },
      },
    });
    const {json} = await onlyUpstreamRequest(emu, /:generateContent$/);
    assert.equal(json.generationConfig.responseMimeType, 'application/json');
    assert.equal(json.generationConfig.responseSchema.type.toLowerCase(), 'object');
    assert.ok(json.generationConfig.responseSchema.properties.text);
  });

  for (const label of ['anthropic', 'gemini', 'bedrock']) {
    test(`${label}: a refusal / safety stop → finish_reason content_filter`, async () => {
      const request = {model: `filtered-${label}`, messages: [{role: 'user', content: kQuestion}]};
      const data = await client.chat.completions.create(request);
      assert.equal(data.choices[0].finish_reason, 'content_filter');
      const s =
          await collectChatStream(await client.chat.completions.create({...request, stream: true}));
      assert.equal(s.finish, 'content_filter');
    });
  }
});

describe('a stream that fails after it started', () => {
  for (const label of ['anthropic', 'gemini', 'bedrock']) {
    for (const [kind, what] of [['error', 'an error event'], ['drop', 'a dropped connection']]) {
      test(`${label}: ${what} mid-stream → the client's iteration throws an APIError`, async () => {
        const stream = await client.chat.completions.create({
          model: `midstream-${kind}-${label}`,
          messages: [{role: 'user', content: kQuestion}],
          stream: true,
        });
        let text = '';
        let err;
        try {
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        } catch (e) {
          err = e;
        }
        assert.ok(
            err instanceof OpenAI.APIError,
            `the stream must end with an error, got ${err ?? 'a clean end'} after ${
                JSON.stringify(text)}`);
        assert.ok(typeof err.message === 'string' && err.message.length > 0);
        assert.ok(text.startsWith('This'), 'the deltas before the failure were relayed');
      });
    }
  }
});

describe('model quirks: o1-mini behind an openai provider', () => {
  const request = {
    model: 'o1-mini',
    messages: textMessages,
    max_tokens: 50,
    temperature: 0.3,
  };

  test(
      'drop mode: system folded, max_completion_tokens, temperature dropped and reported',
      async () => {
        await emu.reset();
        const {data, response} = await client.chat.completions.create(request).withResponse();
        assert.equal(response.headers.get('x-switchyard-dropped-params'), 'temperature');
        assert.equal(data.choices[0].finish_reason, 'stop');
        const rec = await onlyUpstreamRequest(emu, /\/v1\/chat\/completions$/);
        const b = rec.json;
        assert.equal(b.model, 'o1-mini');
        assert.ok(
            b.messages.every((m) => m.role !== 'system' && m.role !== 'developer'),
            JSON.stringify(b.messages));
        assert.equal(b.messages.length, 1);
        assert.equal(b.messages[0].role, 'user');
        const content = typeof b.messages[0].content === 'string' ?
            b.messages[0].content :
            b.messages[0].content.map((p) => p.text).join('\n');
        assert.ok(
            content.includes(kSystem), 'the system text is folded into the first user message');
        assert.ok(content.includes(kQuestion));
        assert.ok(content.indexOf(kSystem) < content.indexOf(kQuestion));
        assert.equal(b.max_completion_tokens, 50);
        assert.equal('max_tokens' in b, false);
        assert.equal('temperature' in b, false);
      });

  test('a request without unsupported parameters reports nothing dropped', async () => {
    const {response} =
        await client.chat.completions
            .create({model: 'o1-mini', messages: [{role: 'user', content: kQuestion}]})
            .withResponse();
    assert.equal(response.headers.get('x-switchyard-dropped-params'), null);
  });

  test('reject mode: 400 naming temperature, nothing sent upstream', async () => {
    await emu.reset();
    const err = await expectApiError(
        rejectClient.chat.completions.create(request),
        {status: 400, type: 'invalid_request_error', param: 'temperature'});
    assert.match(err.message, /temperature/);
    assert.equal((await emu.requests()).length, 0);
  });

  test('reject mode still renames max_tokens and folds the system message', async () => {
    await emu.reset();
    const {max_tokens, temperature, ...rest} = request;
    await rejectClient.chat.completions.create({...rest, max_tokens});
    const b = (await onlyUpstreamRequest(emu, /\/v1\/chat\/completions$/)).json;
    assert.equal(b.max_completion_tokens, 50);
    assert.equal('max_tokens' in b, false);
    assert.ok(b.messages.every((m) => m.role !== 'system'));
  });
});

describe('direct addressing and presets', () => {
  test('anthropic/claude-3-5-sonnet-latest works without a models entry', async () => {
    await emu.reset();
    const {data, response} =
        await client.chat.completions
            .create({model: 'anthropic/claude-3-5-sonnet-latest', messages: textMessages})
            .withResponse();
    assert.equal(response.headers.get('x-switchyard-provider'), 'anthropic');
    assert.ok(data.choices[0].message.content.startsWith(kEmulatorAnswerPrefix));
    const rec = await onlyUpstreamRequest(emu, /\/v1\/messages$/);
    assert.equal(rec.json.model, 'claude-3-5-sonnet-latest');
    assert.equal(rec.json.system, kSystem);
    assert.equal(typeof rec.json.max_tokens, 'number', 'max_tokens defaulted from the catalog');
    assert.equal(rec.headers['x-api-key'], kProviderKey);
  });

  test('direct addressing streams too', async () => {
    const s = await collectChatStream(await client.chat.completions.create(
        {model: 'anthropic/claude-3-5-sonnet-latest', messages: textMessages, stream: true}));
    assert.equal(s.finish, 'stop');
    assert.ok(s.text.startsWith(kEmulatorAnswerPrefix));
  });

  test('a preset provider given only api_key and base_url (openai/gpt-4o-mini)', async () => {
    await emu.reset();
    const {data, response} =
        await client.chat.completions.create({model: 'openai/gpt-4o-mini', messages: textMessages})
            .withResponse();
    assert.equal(response.headers.get('x-switchyard-provider'), 'openai');
    assert.equal(data.object, 'chat.completion');
    const rec = await onlyUpstreamRequest(emu, /\/v1\/chat\/completions$/);
    assert.equal(rec.json.model, 'gpt-4o-mini');
    assert.equal(rec.headers.authorization, `Bearer ${kProviderKey}`);
  });

  test('an unconfigured provider prefix is an unknown model (404)', async () => {
    await expectApiError(
        client.chat.completions.create(
            {model: 'mistral/mistral-large-latest', messages: textMessages}),
        {status: 404});
  });
});
