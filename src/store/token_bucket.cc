#include "store/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace sy::store {

void TokenBucket::refill(int64_t limit, int64_t now_ms) {
  if (!started_) {
    started_ = true;
    limit_ = limit;
    level_ = static_cast<double>(limit);
    last_ms_ = now_ms;
    return;
  }
  limit_ = limit;
  if (now_ms > last_ms_) {
    level_ += static_cast<double>(now_ms - last_ms_) * rate_per_ms();
    last_ms_ = now_ms;
  }
  level_ = std::min(level_, static_cast<double>(limit_));
}

bool TokenBucket::try_take(int64_t amount) {
  if (level_ + 1e-9 < static_cast<double>(amount)) return false;
  level_ -= static_cast<double>(amount);
  return true;
}

void TokenBucket::adjust(int64_t delta) {
  level_ = std::min(level_ + static_cast<double>(delta), static_cast<double>(limit_));
}

int64_t TokenBucket::remaining() const {
  return level_ <= 0 ? 0 : static_cast<int64_t>(std::floor(level_ + 1e-9));
}

int64_t TokenBucket::ms_until(int64_t amount) const {
  if (amount > limit_ || limit_ <= 0) return -1;
  const double missing = static_cast<double>(amount) - level_;
  if (missing <= 1e-9) return 0;
  return static_cast<int64_t>(std::ceil(missing / rate_per_ms() - 1e-9));
}

int64_t TokenBucket::ms_until_full() const {
  if (limit_ <= 0) return 0;
  const double missing = static_cast<double>(limit_) - level_;
  if (missing <= 1e-9) return 0;
  return static_cast<int64_t>(std::ceil(missing / rate_per_ms() - 1e-9));
}

}  // namespace sy::store
