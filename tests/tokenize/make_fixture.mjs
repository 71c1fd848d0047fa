// Regenerates fixture.json: reference token counts (and ids for the first entries) from
// js-tiktoken, the npm package whose rank tables sy_tokenize embeds.
//
//   node tests/tokenize/make_fixture.mjs > tests/tokenize/fixture.json   (from /work/main)
//
// Texts avoid U+0085 and U+FEFF, where JavaScript's \s differs from tiktoken's Rust regex
// (Unicode White_Space), which sy_tokenize follows. "ſ" (U+017F) is avoided after an
// apostrophe for the same reason (case-insensitive contractions).
import { getEncoding } from "js-tiktoken";

const repeat = (s, n) => s.repeat(n);

const corpus = [
  "Hello, world!",
  "The quick brown fox jumps over the lazy dog.",
  "You are a helpful, pattern-following assistant that translates corporate jargon into plain English.",
  "I'm sure they'll say we've done it, but he'd think you're wrong. DON'T SHOUT, It'S FINE.",
  "",
  " ",
  "a",
  "\n",
  "    leading spaces and trailing spaces    ",
  "tabs\tand\t\tmore\ttabs\t",
  "line one\nline two\r\nline three\n\n\nafter blank lines\n",
  "   \n   \n\t\n",
  "x    \n    y",
  "numbers 1 12 123 1234 12345 123456789 3.14159 -42 1e10 0x1F 2024-07-18",
  "١٢٣٤٥ ٦٧٨ ৩৪৫ ⅻ ½",
  "emoji 😀😃😄 👩‍💻 🇺🇸 ❤️ 🤖🚀",
  "日本語のテキストです。お誕生日おめでとう",
  "中文文本，包括标点符号。我们今天去哪里吃饭？",
  "한국어 텍스트 안녕하세요",
  "Русский текст с заглавными Буквами и цифрами 2024.",
  "Ελληνικά: Καλημέρα κόσμε",
  "עברית ועוד טקסט",
  "العربية نص تجريبي",
  "हिन्दी पाठ का उदाहरण",
  "mixed: English, Deutsch (Größe), français (élève), 日本, русский, 😀 and 123.",
  "CamelCaseIdentifiers likeThisOne and HTTPServerError XMLHttpRequest",
  "snake_case_identifier = some_function(arg_one, arg_two) # comment",
  "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
  "#include <vector>\nint main() {\n  std::vector<int> v{1, 2, 3};\n  for (auto& x : v) x *= 2;\n  return 0;\n}\n",
  "function f(a, b) { return a?.b ?? [...b].map((x) => x ** 2); }",
  '{"role": "user", "content": "What\'s the weather like in San Francisco?"}',
  "https://example.com/path/to/resource?query=value&other=1#fragment",
  "C:\\Users\\name\\Documents\\file.txt /usr/local/bin/ ///",
  "<|endoftext|> special tokens are text <|fim_prefix|><|endofprompt|>",
  "!!!??? ... --- *** ### $$$ %%% ^^^ &&& (((",
  "a\u180Eb mongolian vowel separator",
  "nbsp\u00A0here ideographic\u3000space en\u2002space line\u2028sep para\u2029sep",
  "zero\u200Bwidth\u200Cjoiner\u200Dhere",
  "combining: e\u0301 a\u0308 n\u0303 Ω\u0308",
  "Ǆ title case ǅungla ǈj",
  repeat("a", 3000),
  repeat(" ", 1000),
  repeat("\n", 500),
  repeat("ab", 700),
  repeat("😀", 300),
  repeat("日", 500),
  repeat("9", 1001),
  repeat("=", 777),
  repeat("hello world ", 200),
  repeat("x ", 50) + repeat("\t", 40) + "end",
  "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.",
];

// Seeded pseudo-random texts over an alphabet that stresses the split patterns'
// boundaries (case changes, contractions, digits, whitespace runs, symbols, multi-byte).
const alphabet = [
  "a", "b", "e", "t", "A", "B", "Z", " ", " ", " ", "  ", "\t", "\n", "\r\n", "'", "'s", "'T",
  "'ll", "0", "7", "42", ".", ",", "!", "/", "-", "_", "(", ")", "{", "}", "\"", "é", "É", "ß",
  "ж", "Ж", "日", "本", "の", "😀", "👍🏽", "\u00A0", "\u3000", "\u0301", "١", "Ⅻ", "€", "→", "ǅ",
];
let seed = 0x5eed1234;
const random = () => {  // xorshift32, deterministic across runs
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
};
for (let i = 0; i < 120; ++i) {
  const length = 5 + Math.floor(random() * 120);
  let text = "";
  for (let j = 0; j < length; ++j) text += alphabet[Math.floor(random() * alphabet.length)];
  corpus.push(text);
}

const o200k = getEncoding("o200k_base");
const cl100k = getEncoding("cl100k_base");
const kWithIds = 30;  // token ids are recorded for the first entries only, to keep the file small

const entries = corpus.map((text, i) => {
  const o = o200k.encode(text, [], []);
  const c = cl100k.encode(text, [], []);
  const entry = { text, o200k_base: o.length, cl100k_base: c.length };
  if (i < kWithIds) {
    entry.o200k_base_ids = o;
    entry.cl100k_base_ids = c;
  }
  return entry;
});

// One entry per line keeps the file small and diffs readable.
const lines = entries.map((e) => "  " + JSON.stringify(e));
process.stdout.write(
  `{"generator": "js-tiktoken 1.0.21 (make_fixture.mjs)",\n "entries": [\n${lines.join(",\n")}\n]}\n`);
