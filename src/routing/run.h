// RouteRun: walks one request's RoutePlan. The server owns one per request
// (single-threaded, lives on the request's coroutine); it never does I/O.
//
// Protocol (see docs in the report / wiring guide):
//   RouteRun run(table, std::move(plan), clock, rng);
//   while (auto adm = run.next()) {            // admitted: breaker permit + caps reserved
//     send to adm->target() ...
//     success → run.succeeded(std::move(*adm), ttfb, actual_tokens); answer; done
//     failure → auto d = run.failed(std::move(*adm), cls, hint);
//               if (d.give_up) answer the last upstream error; done
//               wait d.delay (a timer), then loop
//   }
//   next() == nullopt: nothing admissible is left; if run.sent() == 0 answer
//   503 with run.unavailable_message(), else the last upstream error.
//
// Rules enforced here:
//   - an attempt is sent only if its breaker permits (one half-open probe),
//     it is not cooling after a Retry-After and its caps admit it;
//   - at most retries.max_attempts sends per group; no send starts after the
//     deadline (request start + the primary group's retries.budget);
//   - after a retryable failure the next attempt of a different deployment
//     starts at once; a retry of the same deployment waits
//     RetryPolicy::next_delay (full jitter, at least the hint);
//   - kClientError / kAuth end the request; kContextLength and kContentPolicy
//     drop the group's remaining attempts and continue with its
//     context_window_fallbacks / content_policy_fallbacks (reason
//     "fallback:context_window" / "fallback:content_policy"), or end the
//     request when it has none. Groups outside the plan's allowed_groups
//     are never spliced in.
// An Admission that is destroyed without being reported (e.g. the client
// went away) releases its cap reservation and, if it was the half-open
// probe, lets another request probe.
#pragma once

#include <boost/container/small_vector.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "providers/adapter.h"
#include "routing/clock.h"
#include "routing/plan.h"
#include "routing/retry.h"

namespace sy::routing {

class Admission {
 public:
  Admission(Admission&& o) noexcept;
  Admission& operator=(Admission&& o) noexcept;
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;
  ~Admission();

  const GroupRuntime& group() const { return *attempt_.group; }
  const DeploymentRuntime& target() const { return attempt_.target(); }
  const Attempt& attempt() const { return attempt_; }
  bool probe() const { return probe_; }
  int64_t started_ns() const { return started_ns_; }

 private:
  friend class RouteRun;
  Admission(Attempt attempt, const Clock& clock, CapTracker::Reservation r, bool probe);
  void release(int64_t actual_tokens);  // settles caps; idempotent

  Attempt attempt_;
  const Clock* clock_ = nullptr;
  CapTracker::Reservation reservation_;
  bool probe_ = false;
  bool live_ = false;
  int64_t started_ns_ = 0;
};

class RouteRun {
 public:
  // `plan` should have status kReady (or be re-made after waiting).
  RouteRun(const RoutingTable& table, RoutePlan plan, const Clock& clock, Rng& rng);

  // The next attempt to send now, admitted; nullopt when none is left (see
  // give_up_reason()).
  std::optional<Admission> next();
  // For hedging: the next admissible attempt on another deployment than
  // `busy`; taken out of the plan. nullopt when there is none.
  std::optional<Admission> next_other_than(const Admission& busy);

  // First byte after `ttfb`; `actual_tokens` prompt + completion (-1 if unknown).
  void succeeded(Admission&& a, Nanos ttfb, int64_t actual_tokens);

  struct AfterFailure {
    bool give_up = false;
    Nanos delay{0};  // wait this long, then call next()
  };
  // `hint`: the upstream's wait (wait_hint() of its headers), if any.
  AfterFailure failed(Admission&& a, providers::ErrorClass cls, std::optional<Nanos> hint);
  // Ended without an outcome for the deployment (hedge loser, client gone).
  void cancelled(Admission&& a, int64_t actual_tokens = -1);

  int sent() const { return sent_; }  // for x-switchyard-attempts
  // The reason of the attempt that succeeded when it was a fallback
  // ("context_window", "content_policy", "fallbacks", "models"), else empty.
  const std::string& fallback_reason() const { return fallback_reason_; }
  const std::string& give_up_reason() const { return give_up_reason_; }
  // For 503 when nothing could be sent: names the primary group.
  std::string unavailable_message() const;
  int64_t deadline_ns() const { return deadline_ns_; }
  const RoutePlan& plan() const { return plan_; }
  size_t position() const { return cursor_; }

 private:
  std::optional<Admission> admit(const Attempt& a, int64_t now);
  void drop_remaining(const GroupRuntime* group, std::optional<size_t> deployment);
  bool splice(const std::vector<std::string>& groups, std::string_view reason);

  // Per group of the plan: sends so far and the reason of its first entry.
  // A plan names a group or two: a flat list, kept inline.
  struct GroupState {
    const GroupRuntime* group;
    int sends = 0;
    std::string reason;
  };
  GroupState& state(const GroupRuntime* g);  // added (no sends, no reason) if new
  const GroupState* find_state(const GroupRuntime* g) const;

  const RoutingTable& table_;
  RoutePlan plan_;
  const Clock& clock_;
  Rng& rng_;
  size_t cursor_ = 0;
  int sent_ = 0;
  int64_t deadline_ns_ = 0;
  boost::container::small_vector<GroupState, 2> groups_;
  std::map<std::pair<const GroupRuntime*, size_t>, int> failures_per_deployment_;
  std::string fallback_reason_;
  std::string give_up_reason_;
};

}  // namespace sy::routing
