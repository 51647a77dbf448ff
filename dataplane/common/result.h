#pragma once

// Control-path error values: every failure names what was wrong and where.

#include <string>
#include <utility>
#include <variant>

namespace portico::dp {

struct Error {
  std::string where;  // file and key, port name, device...
  std::string what;   // what is wrong, in words a person can act on

  std::string toString() const { return where.empty() ? what : where + ": " + what; }
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace portico::dp
