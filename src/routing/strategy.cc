#include "routing/strategy.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace sy::routing {

std::string_view to_string(Standing s) {
  switch (s) {
    case Standing::kAvailable:
      return "available";
    case Standing::kAtCap:
      return "at_cap";
    case Standing::kCooling:
      return "cooling";
    case Standing::kOpen:
      return "open";
    case Standing::kTooSmall:
      return "context_too_small";
  }
  return "unknown";
}

size_t GroupOrder::count(Standing s) const {
  return static_cast<size_t>(std::count_if(ranked.begin(), ranked.end(),
                                           [s](const Ranked& r) { return r.standing == s; }));
}

std::optional<double> estimated_cost(const DeploymentRuntime& d, const OrderRequest& req) {
  if (!d.price) return std::nullopt;
  return (d.price->input * static_cast<double>(req.prompt_tokens) +
          d.price->output * static_cast<double>(req.output_estimate())) /
         1e6;
}

namespace {

void shuffle(std::vector<size_t>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

// Stable sort by key after a random shuffle: equal keys end in random order.
template <class Key>
void sort_random_ties(std::vector<size_t>& v, Rng& rng, Key key) {
  shuffle(v, rng);
  std::stable_sort(v.begin(), v.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
}

std::vector<size_t> order_available(const GroupRuntime& g, std::vector<size_t> avail,
                                    const OrderRequest& req, Rng& rng) {
  const auto& deps = g.deployments;
  switch (g.routing.strategy) {
    case Strategy::kPriority:
      return avail;
    case Strategy::kWeighted: {
      std::vector<size_t> out;
      std::vector<size_t> zero;
      std::vector<size_t> pool;
      for (size_t i : avail) (deps[i].weight > 0 ? pool : zero).push_back(i);
      while (!pool.empty()) {
        int64_t total = 0;
        for (size_t i : pool) total += deps[i].weight;
        int64_t pick = static_cast<int64_t>(rng.below(static_cast<uint64_t>(total)));
        size_t k = 0;
        for (; k + 1 < pool.size(); ++k) {
          pick -= deps[pool[k]].weight;
          if (pick < 0) break;
        }
        out.push_back(pool[k]);
        pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(k));
      }
      out.insert(out.end(), zero.begin(), zero.end());
      return out;
    }
    case Strategy::kRoundRobin: {
      const size_t n = deps.size();
      const size_t start =
          static_cast<size_t>(g.round_robin->fetch_add(1, std::memory_order_relaxed) % n);
      std::vector<size_t> out;
      for (size_t k = 0; k < n; ++k) {
        size_t i = (start + k) % n;
        if (std::find(avail.begin(), avail.end(), i) != avail.end()) out.push_back(i);
      }
      return out;
    }
    case Strategy::kLeastBusy:
      sort_random_ties(avail, rng, [&](size_t i) { return deps[i].health->caps().in_flight(); });
      return avail;
    case Strategy::kLeastLatency: {
      auto latency = [&](size_t i) {
        return deps[i].health->ttfb_ewma_ms(req.stream).value_or(0.0);
      };
      sort_random_ties(avail, rng, latency);
      if (avail.size() >= 2) {
        // Power of two choices, drawn with replacement: the slowest still
        // wins 1/n^2 of first picks, so the fastest is never stampeded.
        size_t a = rng.below(avail.size());
        size_t b = rng.below(avail.size());
        size_t first = latency(avail[a]) <= latency(avail[b]) ? avail[a] : avail[b];
        avail.erase(std::find(avail.begin(), avail.end(), first));
        avail.insert(avail.begin(), first);
      }
      return avail;
    }
    case Strategy::kLeastCost:
      std::stable_sort(avail.begin(), avail.end(), [&](size_t a, size_t b) {
        auto ca = estimated_cost(deps[a], req), cb = estimated_cost(deps[b], req);
        if (ca.has_value() != cb.has_value()) return ca.has_value();
        return ca && *ca < *cb;
      });
      return avail;
    case Strategy::kUsageBased:
      sort_random_ties(avail, rng,
                       [&](size_t i) { return -deps[i].health->caps().headroom(req.now_ns); });
      return avail;
  }
  return avail;
}

std::string why_available(const GroupRuntime& g, const DeploymentRuntime& d,
                          const OrderRequest& req) {
  switch (g.routing.strategy) {
    case Strategy::kPriority:
      return fmt::format("priority {}", d.index);
    case Strategy::kWeighted:
      return fmt::format("weight {}", d.weight);
    case Strategy::kRoundRobin:
      return "round-robin rotation";
    case Strategy::kLeastBusy:
      return fmt::format("{} in flight", d.health->caps().in_flight());
    case Strategy::kLeastLatency: {
      auto ms = d.health->ttfb_ewma_ms(req.stream);
      return ms ? fmt::format("ttfb ewma {:.1f} ms", *ms) : std::string("no latency sample yet");
    }
    case Strategy::kLeastCost: {
      auto c = estimated_cost(d, req);
      return c ? fmt::format("estimated ${:.6f}", *c) : std::string("price unknown");
    }
    case Strategy::kUsageBased:
      return fmt::format("headroom {:.2f}", d.health->caps().headroom(req.now_ns));
  }
  return {};
}

}  // namespace

GroupOrder order_group(const GroupRuntime& g, const OrderRequest& req, Rng& rng) {
  GroupOrder out;
  std::vector<size_t> avail;
  std::vector<Ranked> at_cap, cooling, open, small;
  const int64_t tokens = req.token_estimate();
  const int64_t needed = req.prompt_tokens + req.max_tokens.value_or(0);
  for (const DeploymentRuntime& d : g.deployments) {
    Ranked r{d.index, Standing::kAvailable, CapTracker::Limit::kNone, {}};
    if (d.context_window > 0 && needed > d.context_window) {
      r.standing = Standing::kTooSmall;
      r.why = fmt::format("needs {} tokens, context window is {}", needed, d.context_window);
      small.push_back(std::move(r));
      continue;
    }
    switch (d.health->availability(req.now_ns, tokens, &r.limit)) {
      case Availability::kAvailable:
        avail.push_back(d.index);
        break;
      case Availability::kAtCap:
        r.standing = Standing::kAtCap;
        r.why = fmt::format("at its {} cap", to_string(r.limit));
        at_cap.push_back(std::move(r));
        break;
      case Availability::kCooling:
        r.standing = Standing::kCooling;
        r.why = fmt::format("rate limited for {} ms more",
                            (d.health->cooling_until_ns() - req.now_ns) / 1'000'000);
        cooling.push_back(std::move(r));
        break;
      case Availability::kOpen:
        r.standing = Standing::kOpen;
        r.why = fmt::format(
            "circuit {} for {} ms more", to_string(d.health->breaker().state()),
            std::max<int64_t>(0, d.health->breaker().open_until_ns() - req.now_ns) / 1'000'000);
        open.push_back(std::move(r));
        break;
    }
  }
  for (size_t i : order_available(g, std::move(avail), req, rng)) {
    out.ranked.push_back({i, Standing::kAvailable, CapTracker::Limit::kNone,
                          why_available(g, g.deployments[i], req)});
  }
  out.available = out.ranked.size();
  const auto& deps = g.deployments;
  std::stable_sort(cooling.begin(), cooling.end(), [&](const Ranked& a, const Ranked& b) {
    return deps[a.deployment].health->cooling_until_ns() <
           deps[b.deployment].health->cooling_until_ns();
  });
  std::stable_sort(open.begin(), open.end(), [&](const Ranked& a, const Ranked& b) {
    return deps[a.deployment].health->breaker().open_until_ns() <
           deps[b.deployment].health->breaker().open_until_ns();
  });
  for (auto* list : {&at_cap, &cooling, &open, &small}) {
    for (Ranked& r : *list) out.ranked.push_back(std::move(r));
  }
  return out;
}

}  // namespace sy::routing
