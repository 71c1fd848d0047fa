#include "routing/run.h"

#include <fmt/format.h>

#include <algorithm>

namespace sy::routing {

using providers::ErrorClass;

Admission::Admission(Attempt attempt, const Clock& clock, CapTracker::Reservation r, bool probe)
    : attempt_(std::move(attempt)),
      clock_(&clock),
      reservation_(r),
      probe_(probe),
      live_(true),
      started_ns_(clock.now_ns()) {}

Admission::Admission(Admission&& o) noexcept
    : attempt_(std::move(o.attempt_)),
      clock_(o.clock_),
      reservation_(o.reservation_),
      probe_(o.probe_),
      live_(std::exchange(o.live_, false)),
      started_ns_(o.started_ns_) {}

Admission& Admission::operator=(Admission&& o) noexcept {
  if (this != &o) {
    if (live_) {
      DeploymentHealth& h = *attempt_.target().health;
      release(-1);
      if (probe_) h.breaker().on_probe_abandoned(clock_->now_ns());
    }
    attempt_ = std::move(o.attempt_);
    clock_ = o.clock_;
    reservation_ = o.reservation_;
    probe_ = o.probe_;
    live_ = std::exchange(o.live_, false);
    started_ns_ = o.started_ns_;
  }
  return *this;
}

Admission::~Admission() {
  if (!live_) return;
  DeploymentHealth& h = *attempt_.target().health;
  release(-1);
  if (probe_) h.breaker().on_probe_abandoned(clock_->now_ns());
}

void Admission::release(int64_t actual_tokens) {
  if (!live_) return;
  live_ = false;
  attempt_.target().health->caps().settle(reservation_, actual_tokens);
  if (attempt_.group->queue) attempt_.group->queue->notify(attempt_.group->name);
}

RouteRun::RouteRun(const RoutingTable& table, RoutePlan plan, const Clock& clock, Rng& rng)
    : table_(table), plan_(std::move(plan)), clock_(clock), rng_(rng) {
  for (const Attempt& a : plan_.attempts) {
    if (find_state(a.group) == nullptr) groups_.push_back(GroupState{a.group, 0, a.reason});
  }
  const int64_t start = plan_.request.now_ns;
  const Millis budget = plan_.primary ? plan_.primary->routing.retries.budget : Millis(60'000);
  deadline_ns_ =
      budget.count() > 0 ? start + std::chrono::duration_cast<Nanos>(budget).count() : INT64_MAX;
}

RouteRun::GroupState& RouteRun::state(const GroupRuntime* g) {
  for (GroupState& st : groups_) {
    if (st.group == g) return st;
  }
  return groups_.emplace_back(GroupState{g, 0, {}});
}

const RouteRun::GroupState* RouteRun::find_state(const GroupRuntime* g) const {
  for (const GroupState& st : groups_) {
    if (st.group == g) return &st;
  }
  return nullptr;
}

std::optional<Admission> RouteRun::admit(const Attempt& a, int64_t now) {
  const GroupRuntime* g = a.group;
  GroupState& st = state(g);
  if (st.sends >= g->routing.retries.attempts_for(g->deployments.size())) return std::nullopt;
  DeploymentHealth& h = *a.target().health;
  if (now < h.cooling_until_ns()) return std::nullopt;
  CircuitBreaker::Permit permit = h.breaker().acquire(now);
  if (permit == CircuitBreaker::Permit::kRejected) return std::nullopt;
  const bool probe = permit == CircuitBreaker::Permit::kProbe;
  auto reservation = h.caps().try_admit(now, plan_.request.token_estimate());
  if (!reservation) {
    if (probe) h.breaker().on_probe_abandoned(now);
    return std::nullopt;
  }
  ++st.sends;
  ++sent_;
  return Admission(a, clock_, *reservation, probe);
}

std::optional<Admission> RouteRun::next() {
  while (cursor_ < plan_.attempts.size()) {
    const int64_t now = clock_.now_ns();
    if (now >= deadline_ns_) {
      give_up_reason_ = "deadline (retries.budget) passed";
      return std::nullopt;
    }
    const Attempt& a = plan_.attempts[cursor_++];
    if (auto adm = admit(a, now)) return adm;
  }
  if (give_up_reason_.empty()) {
    give_up_reason_ = sent_ == 0 ? "no deployment could be admitted" : "all attempts used";
  }
  return std::nullopt;
}

std::optional<Admission> RouteRun::next_other_than(const Admission& busy) {
  const int64_t now = clock_.now_ns();
  if (now >= deadline_ns_) return std::nullopt;
  for (size_t i = cursor_; i < plan_.attempts.size(); ++i) {
    const Attempt& a = plan_.attempts[i];
    if (a.group == &busy.group() && a.deployment == busy.target().index) continue;
    if (auto adm = admit(a, now)) {
      plan_.attempts.erase(plan_.attempts.begin() + static_cast<std::ptrdiff_t>(i));
      return adm;
    }
  }
  return std::nullopt;
}

void RouteRun::succeeded(Admission&& a, Nanos ttfb, int64_t actual_tokens) {
  Admission adm = std::move(a);
  DeploymentHealth& h = *adm.target().health;
  adm.release(actual_tokens);
  h.record(clock_.now_ns(), ErrorClass::kNone, adm.probe(), plan_.request.stream, ttfb, Nanos(0));
  const GroupState* st = find_state(&adm.group());
  if (st != nullptr && st->reason.starts_with("fallback:")) fallback_reason_ = st->reason.substr(9);
}

void RouteRun::cancelled(Admission&& a, int64_t actual_tokens) {
  Admission adm = std::move(a);
  const bool probe = adm.probe();
  DeploymentHealth& h = *adm.target().health;
  adm.release(actual_tokens);
  if (probe) h.breaker().on_probe_abandoned(clock_.now_ns());
}

void RouteRun::drop_remaining(const GroupRuntime* group, std::optional<size_t> deployment) {
  auto first = plan_.attempts.begin() + static_cast<std::ptrdiff_t>(cursor_);
  plan_.attempts.erase(std::remove_if(first, plan_.attempts.end(),
                                      [&](const Attempt& a) {
                                        return a.group == group &&
                                               (!deployment || a.deployment == *deployment);
                                      }),
                       plan_.attempts.end());
}

bool RouteRun::splice(const std::vector<std::string>& groups, std::string_view reason) {
  std::vector<Attempt> inserted;
  for (const std::string& name : groups) {
    const GroupRuntime* g = table_.group(name);
    if (g == nullptr || !plan_.allows(*g)) continue;
    if (const GroupState* st = find_state(g); st != nullptr && st->sends > 0) {
      continue;  // already tried in this request
    }
    drop_remaining(g, std::nullopt);
    std::vector<Attempt> more = group_attempts(*g, plan_.request, reason, rng_, &plan_.skipped);
    if (!more.empty()) state(g).reason = std::string(reason);
    for (Attempt& a : more) inserted.push_back(std::move(a));
  }
  plan_.attempts.insert(plan_.attempts.begin() + static_cast<std::ptrdiff_t>(cursor_),
                        inserted.begin(), inserted.end());
  return !inserted.empty();
}

RouteRun::AfterFailure RouteRun::failed(Admission&& a, ErrorClass cls, std::optional<Nanos> hint) {
  Admission adm = std::move(a);
  const int64_t now = clock_.now_ns();
  const GroupRuntime* group = &adm.group();
  const size_t dep = adm.target().index;
  DeploymentHealth& h = *adm.target().health;
  adm.release(0);
  h.record(now, cls, adm.probe(), plan_.request.stream, Nanos(0), hint.value_or(Nanos(0)));

  switch (cls) {
    case ErrorClass::kNone:
    case ErrorClass::kClientError:
    case ErrorClass::kAuth:
      give_up_reason_ = fmt::format("{} is final", providers::to_string(cls));
      return {true, Nanos(0)};
    case ErrorClass::kContextLength:
      drop_remaining(group, std::nullopt);
      if (splice(group->routing.context_window_fallbacks, "fallback:context_window")) {
        return {false, Nanos(0)};
      }
      give_up_reason_ = "context length exceeded and no context_window_fallbacks left";
      return {true, Nanos(0)};
    case ErrorClass::kContentPolicy:
      drop_remaining(group, std::nullopt);
      if (splice(group->routing.content_policy_fallbacks, "fallback:content_policy")) {
        return {false, Nanos(0)};
      }
      give_up_reason_ = "content policy refusal and no content_policy_fallbacks left";
      return {true, Nanos(0)};
    default:
      break;
  }

  const int failures = ++failures_per_deployment_[{group, dep}];
  const RetryPolicy policy(group->routing.retries);
  for (;;) {
    // Skip entries that can no longer be sent (their group's attempts used).
    while (cursor_ < plan_.attempts.size() &&
           state(plan_.attempts[cursor_].group).sends >=
               plan_.attempts[cursor_].group->routing.retries.attempts_for(plan_.attempts[cursor_].group->deployments.size())) {
      ++cursor_;
    }
    if (cursor_ >= plan_.attempts.size()) {
      give_up_reason_ = "all attempts used";
      return {true, Nanos(0)};
    }
    const Attempt& upcoming = plan_.attempts[cursor_];
    if (upcoming.group != group || upcoming.deployment != dep) return {false, Nanos(0)};
    auto delay = policy.next_delay(failures - 1, cls, hint, rng_, Nanos(deadline_ns_ - now));
    if (delay) return {false, *delay};
    // No retry of this deployment fits: go on with the others.
    drop_remaining(group, dep);
  }
}

std::string RouteRun::unavailable_message() const {
  const std::string name = plan_.primary ? plan_.primary->name : std::string("?");
  return fmt::format(
      "No deployment of model '{}' can take the request now (circuit open, rate limited "
      "upstream or at capacity); retry later.",
      name);
}

}  // namespace sy::routing
