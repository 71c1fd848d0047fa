// Errors returned by store backends, as values.
#pragma once

#include <string>

namespace sy::store {

struct StoreError {
  enum class Code {
    kNotFound,     // no record with that id / hash
    kConflict,     // unique constraint (duplicate id or key hash)
    kInvalid,      // the arguments cannot be stored (e.g. negative amount)
    kUnavailable,  // backend I/O failure; the caller may retry
  };
  Code code = Code::kUnavailable;
  std::string message;  // never contains key material
};

}  // namespace sy::store
