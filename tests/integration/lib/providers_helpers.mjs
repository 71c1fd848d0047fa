// Shared pieces of the provider end-to-end tests (providers.test.mjs and
// anthropic_inbound.test.mjs): upstream provider entries pointing at the
// emulator in each wire format, a tool definition that makes the emulator
// call it, a collector for OpenAI chat streams, and a reader for the
// emulator's request log. Pure helpers; they start no process.
import assert from 'node:assert/strict';

// Any value works: the emulator only checks that a key is present.
export const kProviderKey = 'sk-e2e-provider';

// Provider entries in each native format. `scenario` goes into the URL as
// the emulator's /_s/<scenario> prefix (applies to every request).
export function anthropicProvider(emu, scenario = '', extra = {}) {
  return {type: 'anthropic', base_url: `${emu.url(scenario)}/v1`, api_key: kProviderKey, ...extra};
}

export function geminiProvider(emu, scenario = '', extra = {}) {
  return {type: 'gemini', base_url: `${emu.url(scenario)}/v1beta`, api_key: kProviderKey, ...extra};
}

// The Azure adapter appends /openai/deployments/<deployment>/... itself.
export function azureProvider(emu, scenario = '', extra = {}) {
  return {
    type: 'azure',
    base_url: emu.url(scenario),
    api_key: kProviderKey,
    api_version: '2024-10-21',
    ...extra,
  };
}

// AWS's documentation example credentials: the emulator does not verify
// signatures, only that the request is SigV4-signed.
export function bedrockProvider(emu, scenario = '', extra = {}) {
  return {
    type: 'bedrock',
    base_url: emu.url(scenario),
    region: 'us-east-1',
    access_key_id: 'AKIDEXAMPLE',
    secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    ...extra,
  };
}

export function openaiProvider(emu, scenario = '', extra = {}) {
  return {type: 'openai', base_url: `${emu.url(scenario)}/v1`, api_key: kProviderKey, ...extra};
}

// A tool the emulator calls when the last user message mentions "weather".
// Its first schema property ("city") names the argument the emulator fills.
export const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: {city: {type: 'string', description: 'City name'}},
      required: ['city'],
    },
  },
};

// What the emulator fills in for the tool's first property.
export const kEmulatorToolArgs = {
  city: 'San Francisco, CA'
};

// The emulator answers "This is the emulator answering: <first 40 bytes of
// the last user text>" padded with filler words to 12 words.
export const kEmulatorAnswerPrefix = 'This is the emulator answering: ';

// Drains an `openai` client chat stream. Returns the concatenated text, the
// finish_reason, the usage chunk (if any), tool calls assembled from their
// deltas (by index), the number of chunks, the number of chunks without a
// choice, and whether any chunk followed the usage chunk.
export async function collectChatStream(stream) {
  const out = {
    text: '',
    finish: null,
    usage: null,
    toolCalls: [],
    chunks: 0,
    afterUsage: false,
    emptyChoiceChunks: 0
  };
  for await (const chunk of stream) {
    out.chunks += 1;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (out.usage) out.afterUsage = true;
    if (chunk.usage) out.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) {
      out.emptyChoiceChunks += 1;
      continue;
    }
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string') out.text += delta.content;
    for (const tc of delta.tool_calls ?? []) {
      const slot = (out.toolCalls[tc.index] ??= {id: '', type: '', name: '', arguments: ''});
      if (tc.id) slot.id += tc.id;
      if (tc.type) slot.type = tc.type;
      if (tc.function?.name) slot.name += tc.function.name;
      if (tc.function?.arguments) slot.arguments += tc.function.arguments;
    }
    if (choice.finish_reason) out.finish = choice.finish_reason;
  }
  return out;
}

// The emulator's records whose path matches `pathRegex`, oldest first.
export async function upstreamRequests(emu, pathRegex) {
  const all = await emu.requests();
  return all.filter((r) => pathRegex.test(r.path));
}

// Exactly one upstream request matching `pathRegex` since the last reset;
// returns it with its body parsed as JSON (`json`).
export async function onlyUpstreamRequest(emu, pathRegex) {
  const recs = await upstreamRequests(emu, pathRegex);
  assert.equal(
      recs.length, 1,
      `expected one upstream request to ${pathRegex}, got ` +
          JSON.stringify(recs.map((r) => r.path)));
  const rec = recs[0];
  assert.equal(rec.body_truncated, false);
  return {...rec, json: JSON.parse(rec.body)};
}
