// Result codes of the core. Each code is one stable error code of the API;
// its name is the string in spec/errors.yaml, which also says its HTTP status
// (ErrorCatalog). The core returns these as values, never throws them.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace purchase {

#define PURCHASE_ERROR_CODES(X)  \
  X(Unauthenticated, "UNAUTHENTICATED") \
  X(MalformedJson, "MALFORMED_JSON") \
  X(RequestValidationFailed, "REQUEST_VALIDATION_FAILED") \
  X(PayloadTooLarge, "PAYLOAD_TOO_LARGE") \
  X(NotFound, "NOT_FOUND") \
  X(MethodNotAllowed, "METHOD_NOT_ALLOWED") \
  X(AssetNotFound, "ASSET_NOT_FOUND") \
  X(AssetNotAvailable, "ASSET_NOT_AVAILABLE") \
  X(RegionNotAllowed, "REGION_NOT_ALLOWED") \
  X(MinQuantityNotMet, "MIN_QUANTITY_NOT_MET") \
  X(DuplicatePurchase, "DUPLICATE_PURCHASE") \
  X(TokenInvalid, "TOKEN_INVALID") \
  X(TokenAlreadyUsed, "TOKEN_ALREADY_USED") \
  X(TokenExpired, "TOKEN_EXPIRED") \
  X(TokenMismatch, "TOKEN_MISMATCH") \
  X(OrderNotFound, "ORDER_NOT_FOUND") \
  X(ItemNotFound, "ITEM_NOT_FOUND") \
  X(OrderNotCompleted, "ORDER_NOT_COMPLETED") \
  X(OrderCanceled, "ORDER_CANCELED") \
  X(FulfillmentFailed, "FULFILLMENT_FAILED") \
  X(UrlSignatureInvalid, "URL_SIGNATURE_INVALID") \
  X(UrlExpired, "URL_EXPIRED") \
  X(RateLimited, "RATE_LIMITED") \
  X(InternalError, "INTERNAL_ERROR") \
  X(ServiceUnavailable, "SERVICE_UNAVAILABLE") \
  X(InjectedFault, "INJECTED_FAULT") \
  X(ClockNotManual, "CLOCK_NOT_MANUAL") \
  X(ClockBackwards, "CLOCK_BACKWARDS") \
  X(FaultNotFound, "FAULT_NOT_FOUND")

enum class ErrorCode {
#define PURCHASE_ENUM(name, text) k##name,
  PURCHASE_ERROR_CODES(PURCHASE_ENUM)
#undef PURCHASE_ENUM
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
  std::string field;     // REQUEST_VALIDATION_FAILED: the offending field
  std::string order_id;  // DUPLICATE_PURCHASE: the order that already exists
};

inline Error MakeError(ErrorCode code, std::string message) { return Error{code, std::move(message), {}, {}}; }
inline Error InvalidField(std::string field, std::string message) {
  return Error{ErrorCode::kRequestValidationFailed, std::move(message), std::move(field), {}};
}

// A value or an Error. Deliberately tiny: ok(), value(), error().
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace purchase
