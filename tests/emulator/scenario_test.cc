// Unit tests of the pure layers: scenario parsing and reply building.
#include "emulator/scenario.h"

#include <gtest/gtest.h>

#include "emulator/reply.h"
#include "emulator/router.h"
#include "emulator/synth.h"

namespace sy::emulator {
namespace {

TEST(Scenario, ParsesAllKeys) {
  Scenario s;
  std::string err;
  ASSERT_TRUE(
      parse_scenario("latency=10;ttft=20, gap=30,tokens=40,status=429,retry_after=2,reset_ms=1500,"
                     "times=3,every=2,hang=1,"
                     "drop_after=4,malformed=1,error_event=5,tool=1,finish=length,context=1,tag=x",
                     s, err))
      << err;
  EXPECT_EQ(s.latency_ms, 10);
  EXPECT_EQ(s.ttft_ms, 20);
  EXPECT_EQ(s.gap_ms, 30);
  EXPECT_EQ(s.tokens, 40);
  EXPECT_EQ(s.status, 429);
  EXPECT_EQ(s.retry_after, 2);
  EXPECT_EQ(s.reset_ms, 1500);
  EXPECT_EQ(s.times, 3);
  EXPECT_EQ(s.every, 2);
  EXPECT_TRUE(s.hang);
  EXPECT_EQ(s.drop_after, 4);
  EXPECT_TRUE(s.malformed);
  EXPECT_EQ(s.error_event, 5);
  EXPECT_TRUE(s.tool);
  EXPECT_EQ(s.finish, FinishOverride::kLength);
  EXPECT_TRUE(s.context);
  EXPECT_EQ(s.tag, "x");
  EXPECT_TRUE(s.has_faults());
}

TEST(Scenario, RejectsUnknownKeysAndBadValues) {
  Scenario s;
  std::string err;
  EXPECT_FALSE(parse_scenario("nope=1", s, err));
  EXPECT_FALSE(parse_scenario("status=abc", s, err));
  EXPECT_FALSE(parse_scenario("status=99", s, err));
  EXPECT_FALSE(parse_scenario("finish=maybe", s, err));
  EXPECT_TRUE(parse_scenario("", s, err));
  EXPECT_FALSE(s.has_faults());
}

TEST(Scenario, PathPrefixIsStrippedAndDecoded) {
  std::string path = "/_s/status%3D500,times=2/v1/chat/completions";
  EXPECT_EQ(take_path_scenario(path), "status=500,times=2");
  EXPECT_EQ(path, "/v1/chat/completions");
  std::string plain = "/v1/messages";
  EXPECT_EQ(take_path_scenario(plain), "");
  EXPECT_EQ(plain, "/v1/messages");
}

TEST(Synth, CompletionLengthAndCap) {
  RequestFacts f;
  f.last_user_text = "héllo wörld this text is much longer than forty bytes in total";
  Scenario s;
  Completion c = plan_completion(f, s);
  EXPECT_EQ(c.pieces.size(), static_cast<std::size_t>(kDefaultTokens));
  EXPECT_EQ(c.finish, Finish::kStop);
  f.max_tokens = 2;
  c = plan_completion(f, s);
  EXPECT_EQ(c.text(), "This is");
  EXPECT_EQ(c.finish, Finish::kLength);
  EXPECT_EQ(prompt_tokens_for_words(10), 13);
  EXPECT_EQ(prompt_tokens_for_words(0), 1);
}

TEST(Router, GeminiJsonArrayStream) {
  Inbound in;
  in.method = "POST";
  in.path = "/v1beta/models/gemini-1.5-pro:streamGenerateContent";
  in.headers = {{"x-goog-api-key", "k"}};
  in.body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
  Scenario s;
  s.tokens = 3;
  Reply r = route_request(in, s, false);
  ASSERT_TRUE(r.streaming);
  std::string all;
  for (const auto& f : r.frames) all += f;
  EXPECT_EQ(all.front(), '[');
  EXPECT_EQ(all.back(), ']');
  EXPECT_EQ(r.frames.size(), 4u);
}

TEST(Router, OpenAICompletionsStreamWithUsage) {
  Inbound in;
  in.method = "POST";
  in.path = "/v1/completions";
  in.headers = {{"authorization", "Bearer k"}};
  in.body = R"({"model":"gpt-3.5-turbo-instruct","prompt":"Say hi","stream":true,)"
            R"("stream_options":{"include_usage":true},"max_tokens":5})";
  Reply r = route_request(in, Scenario{}, false);
  ASSERT_TRUE(r.streaming);
  ASSERT_EQ(r.frames.size(), 5u + 1 + 1 + 1);  // 5 text, finish, usage, [DONE]
  EXPECT_NE(r.frames[0].find("\"object\":\"text_completion\""), std::string::npos);
  EXPECT_NE(r.frames[5].find("\"finish_reason\":\"length\""), std::string::npos);
  EXPECT_NE(r.frames[6].find("\"choices\":[]"), std::string::npos);
  EXPECT_EQ(r.frames[7], "data: [DONE]\n\n");
}

TEST(Router, UnknownPathIsOpenAI404) {
  Inbound in;
  in.method = "POST";
  in.path = "/v2/nothing";
  Reply r = route_request(in, Scenario{}, false);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("Invalid URL (POST /v2/nothing)"), std::string::npos);
}

TEST(Router, TimesDisabledFaultsAnswerNormally) {
  Inbound in;
  in.method = "POST";
  in.path = "/v1/chat/completions";
  in.headers = {{"authorization", "Bearer k"}};
  in.body = R"({"model":"m","messages":[{"role":"user","content":"x"}]})";
  Scenario s;
  s.status = 500;
  EXPECT_EQ(route_request(in, s, true).status, 500);
  EXPECT_EQ(route_request(in, s, false).status, 200);
}

}  // namespace
}  // namespace sy::emulator
