#include "governance/cli.h"

#include <fmt/format.h>

#include <memory>
#include <optional>

#include "governance/admin_json.h"
#include "governance/key_service.h"
#include "store/sqlite/store.h"

namespace sy::governance {
namespace {

struct CreateFlags {
  std::string name;
  std::vector<std::string> models;
  std::optional<int64_t> rpm, tpm, max_parallel;
  std::optional<double> budget_usd, credits_usd;
  std::string budget_period;
  std::string expires_at;
};

struct Session {
  store::sqlite::SqliteStore store;
  KeyRegistry registry;
  std::unique_ptr<KeyService> service;
};

[[noreturn]] void fail(std::string_view message) {
  std::cerr << "switchyard: " << message << "\n";
  throw CLI::RuntimeError(1);
}

std::unique_ptr<Session> open_session(const std::string& path) {
  store::sqlite::SqliteOptions options;
  options.path = path;
  auto store = store::sqlite::open_sqlite_store(options);
  if (!store) fail(fmt::format("cannot open store {}: {}", path, store.error().message));
  auto session = std::make_unique<Session>();
  session->store = std::move(*store);
  session->service = std::make_unique<KeyService>(*session->store.keys, session->registry, nullptr,
                                                  store::SystemClock::instance());
  return session;
}

std::string usd_or_dash(const std::optional<store::Micros>& m) {
  return m ? store::format_usd(*m) : "-";
}

std::string join(const std::vector<std::string>& v) {
  if (v.empty()) return "*";
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

void print_keys(std::ostream& out, const std::vector<store::KeyRecord>& keys) {
  out << fmt::format(
      "{:<22} {:<16} {:<14} {:<20} {:>6} {:>8} {:>4} {:>12} {:<8} {:>12} {:>12} {}\n", "ID", "NAME",
      "PREFIX", "MODELS", "RPM", "TPM", "PAR", "BUDGET_USD", "PERIOD", "SPENT_USD", "CREDITS_USD",
      "STATUS");
  for (const auto& k : keys) {
    out << fmt::format(
        "{:<22} {:<16} {:<14} {:<20} {:>6} {:>8} {:>4} {:>12} {:<8} {:>12} {:>12} {}\n", k.id,
        k.name, k.key_prefix, join(k.models), k.rpm, k.tpm, k.max_parallel, usd_or_dash(k.budget),
        store::period_name(k.budget_period), store::format_usd(k.spent), usd_or_dash(k.credits),
        k.revoked ? "revoked" : "active");
  }
}

void print_usage(std::ostream& out, const store::UsageReport& report) {
  constexpr auto kRow = "{:<28} {:>9} {:>7} {:>12} {:>12} {:>10} {:>10} {:>14}\n";
  out << fmt::format(kRow, "GROUP", "REQUESTS", "ERRORS", "PROMPT", "COMPLETION", "CACHED",
                     "REASONING", "COST_USD");
  auto row = [&](std::string_view group, const store::UsageAggregate& a) {
    out << fmt::format(kRow, group.empty() ? "-" : group, a.requests, a.errors, a.prompt_tokens,
                       a.completion_tokens, a.cached_tokens, a.reasoning_tokens,
                       store::format_usd(a.cost));
  };
  for (const auto& g : report.groups) row(g.group, g);
  row("TOTAL", report.total);
}

}  // namespace

void add_keys_commands(CLI::App& app, std::function<std::string()> store_path, std::ostream& out) {
  CLI::App* keys = app.add_subcommand("keys", "Manage virtual keys in the store");
  keys->require_subcommand(1);

  auto create_flags = std::make_shared<CreateFlags>();
  CLI::App* create = keys->add_subcommand("create", "Create a key and print its secret once");
  create->add_option("--name", create_flags->name, "Display name");
  create->add_option("--models", create_flags->models, "Allowed models and globs")->delimiter(',');
  create->add_option("--rpm", create_flags->rpm, "Requests per minute (0 = unlimited)");
  create->add_option("--tpm", create_flags->tpm, "Tokens per minute (0 = unlimited)");
  create->add_option("--max-parallel", create_flags->max_parallel, "In-flight requests");
  create->add_option("--budget-usd", create_flags->budget_usd, "Budget per period in USD");
  create->add_option("--budget-period", create_flags->budget_period,
                     "daily, weekly, monthly or never");
  create->add_option("--credits-usd", create_flags->credits_usd, "Initial prepaid credits");
  create->add_option("--expires-at", create_flags->expires_at,
                     "Expiry: unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
  create->callback([create_flags, store_path, &out] {
    const CreateFlags& f = *create_flags;
    KeyPatch patch;
    patch.name = f.name;
    if (!f.models.empty()) patch.models = f.models;
    auto non_negative = [](const std::optional<int64_t>& v, std::string_view flag) {
      if (v && *v < 0) fail(fmt::format("{} must be >= 0", flag));
      return v;
    };
    patch.rpm = non_negative(f.rpm, "--rpm");
    patch.tpm = non_negative(f.tpm, "--tpm");
    patch.max_parallel = non_negative(f.max_parallel, "--max-parallel");
    if (f.budget_usd) {
      if (*f.budget_usd < 0) fail("--budget-usd must be >= 0");
      patch.budget = std::optional<store::Micros>{store::usd_to_micros(*f.budget_usd)};
    }
    if (!f.budget_period.empty()) {
      auto period = store::parse_period(f.budget_period);
      if (!period) fail("--budget-period must be daily, weekly, monthly or never");
      patch.budget_period = *period;
    }
    if (f.credits_usd) {
      if (*f.credits_usd < 0) fail("--credits-usd must be >= 0");
      patch.initial_credits = store::usd_to_micros(*f.credits_usd);
    }
    if (!f.expires_at.empty()) {
      auto t = parse_time(f.expires_at);
      if (!t) fail("--expires-at: expected unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
      patch.expires_at_ms = std::optional<int64_t>{*t};
    }
    auto session = open_session(store_path());
    auto created = session->service->create(patch);
    if (!created) fail(created.error().message);
    out << "id:     " << created->record.id << "\n";
    out << "secret: " << created->secret << "\n";
    out << "(the secret is shown only now; store it safely)\n";
  });

  CLI::App* list = keys->add_subcommand("list", "List keys");
  list->callback([store_path, &out] {
    auto session = open_session(store_path());
    auto all = session->service->list();
    if (!all) fail(all.error().message);
    print_keys(out, *all);
  });

  auto revoke_id = std::make_shared<std::string>();
  CLI::App* revoke = keys->add_subcommand("revoke", "Revoke a key");
  revoke->add_option("id", *revoke_id, "Key id")->required();
  revoke->callback([revoke_id, store_path, &out] {
    auto session = open_session(store_path());
    auto r = session->service->revoke(*revoke_id);
    if (!r) fail(r.error().message);
    out << "revoked " << r->id << "\n";
  });

  auto topup_id = std::make_shared<std::string>();
  auto topup_amount = std::make_shared<double>(0);
  CLI::App* topup = keys->add_subcommand("topup", "Add prepaid credits to a key");
  topup->add_option("id", *topup_id, "Key id")->required();
  topup->add_option("amount_usd", *topup_amount, "Amount in USD")->required();
  topup->callback([topup_id, topup_amount, store_path, &out] {
    const store::Micros amount = store::usd_to_micros(*topup_amount);
    if (amount <= 0) fail("amount_usd must be > 0");
    auto session = open_session(store_path());
    auto r = session->service->top_up(*topup_id, amount);
    if (!r) fail(r.error().message);
    out << "credits of " << r->id << ": " << usd_or_dash(r->credits) << " USD\n";
  });

  struct UsageFlags {
    std::string from, to, group_by = "key", key_id;
  };
  auto usage_flags = std::make_shared<UsageFlags>();
  CLI::App* usage = app.add_subcommand("usage", "Usage report from the ledger");
  usage->add_option("--from", usage_flags->from, "Start (inclusive)");
  usage->add_option("--to", usage_flags->to, "End (exclusive)");
  usage->add_option("--group-by", usage_flags->group_by, "key, model, provider or day");
  usage->add_option("--key-id", usage_flags->key_id, "Only this key");
  usage->callback([usage_flags, store_path, &out] {
    store::UsageQuery q;
    if (!usage_flags->from.empty()) {
      auto t = parse_time(usage_flags->from);
      if (!t) fail("--from: invalid time");
      q.from_ms = *t;
    }
    if (!usage_flags->to.empty()) {
      auto t = parse_time(usage_flags->to);
      if (!t) fail("--to: invalid time");
      q.to_ms = *t;
    }
    const std::string& g = usage_flags->group_by;
    if (g == "key") {
      q.group_by = store::GroupBy::kKey;
    } else if (g == "model") {
      q.group_by = store::GroupBy::kModel;
    } else if (g == "provider") {
      q.group_by = store::GroupBy::kProvider;
    } else if (g == "day") {
      q.group_by = store::GroupBy::kDay;
    } else {
      fail("--group-by must be key, model, provider or day");
    }
    q.key_id = usage_flags->key_id;
    auto session = open_session(store_path());
    auto report = session->store.ledger->usage(q);
    if (!report) fail(report.error().message);
    print_usage(out, *report);
  });
}

}  // namespace sy::governance
