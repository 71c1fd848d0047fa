#include "governance/key_service.h"

#include <spdlog/spdlog.h>

#include "governance/secret.h"

namespace sy::governance {

api::ApiError to_api_error(const store::StoreError& e) {
  switch (e.code) {
    case store::StoreError::Code::kNotFound:
      return api::not_found("No such key.");
    case store::StoreError::Code::kInvalid:
      return api::invalid_request(e.message);
    case store::StoreError::Code::kConflict:
      return {409, "invalid_request_error", "conflict", "", "The key already exists."};
    case store::StoreError::Code::kUnavailable:
      break;
  }
  return api::service_unavailable("The key store is unavailable.");
}

namespace {

void apply(const KeyPatch& p, store::KeyRecord& r) {
  if (p.name) r.name = *p.name;
  if (p.models) r.models = *p.models;
  if (p.rpm) r.rpm = *p.rpm;
  if (p.tpm) r.tpm = *p.tpm;
  if (p.max_parallel) r.max_parallel = *p.max_parallel;
  if (p.budget) r.budget = *p.budget;
  if (p.budget_period) r.budget_period = *p.budget_period;
  if (p.expires_at_ms) r.expires_at_ms = *p.expires_at_ms;
  if (p.metadata_json) r.metadata_json = *p.metadata_json;
}

}  // namespace

void KeyService::republish() {
  if (auto r = registry_.reload(keys_); !r) {
    spdlog::warn("governance: key snapshot reload failed: {}", r.error().message);
  }
}

Expected<CreatedKey, api::ApiError> KeyService::create(const KeyPatch& patch) {
  auto secret = generate_secret();
  auto id = random_id("key_");
  if (!secret || !id) return unexpected(api::internal_error("Could not generate a key."));
  store::KeyRecord r;
  r.id = *id;
  r.key_hash = sha256(*secret);
  r.key_prefix = display_prefix(*secret);
  r.created_at_ms = clock_.now_ms();
  apply(patch, r);
  r.period_start_ms = store::period_start_ms(r.budget_period, r.created_at_ms);
  r.credits = patch.initial_credits;
  auto stored = keys_.create(r);
  if (!stored) return unexpected(to_api_error(stored.error()));
  republish();
  spdlog::info("governance: created key id={} name={}", stored->id, stored->name);
  return CreatedKey{std::move(*stored), std::move(*secret)};
}

Expected<store::KeyRecord, api::ApiError> KeyService::update(const std::string& id,
                                                             const KeyPatch& patch) {
  auto current = keys_.get(id);
  if (!current) return unexpected(to_api_error(current.error()));
  store::KeyRecord r = *current;
  apply(patch, r);
  auto stored = keys_.update(r);
  if (!stored) return unexpected(to_api_error(stored.error()));
  republish();
  spdlog::info("governance: updated key id={}", id);
  return with_live_balance(std::move(*stored));
}

Expected<store::KeyRecord, api::ApiError> KeyService::revoke(const std::string& id) {
  auto stored = keys_.revoke(id);
  if (!stored) return unexpected(to_api_error(stored.error()));
  republish();
  spdlog::info("governance: revoked key id={}", id);
  return with_live_balance(std::move(*stored));
}

Expected<store::KeyRecord, api::ApiError> KeyService::top_up(const std::string& id,
                                                             store::Micros amount) {
  auto stored = keys_.add_credits(id, amount, clock_.now_ms());
  if (!stored) return unexpected(to_api_error(stored.error()));
  if (counters_ != nullptr) {
    counters_->add_credits(id, amount, {stored->period_start_ms, stored->spent, stored->credits});
  }
  republish();
  spdlog::info("governance: topped up key id={} amount_usd={}", id, store::format_usd(amount));
  return with_live_balance(std::move(*stored));
}

Expected<store::KeyRecord, api::ApiError> KeyService::get(const std::string& id) {
  auto stored = keys_.get(id);
  if (!stored) return unexpected(to_api_error(stored.error()));
  return with_live_balance(std::move(*stored));
}

Expected<std::vector<store::KeyRecord>, api::ApiError> KeyService::list() {
  auto all = keys_.list();
  if (!all) return unexpected(to_api_error(all.error()));
  for (auto& r : *all) r = with_live_balance(std::move(r));
  return std::move(*all);
}

store::KeyRecord KeyService::with_live_balance(store::KeyRecord record) const {
  if (counters_ == nullptr) return record;
  const store::LiveBalance live = counters_->balance(record.id, clock_.now_ms());
  if (live.known) {
    record.spent = live.spent;
    record.credits = live.credits;
  }
  return record;
}

}  // namespace sy::governance
