// ApiHost: the one host every API is served by. It owns what all APIs share:
// the control API (http/control_api.h), routing (404, 405 with Allow), the
// request fault rules' answers, delays and drops, the body limit (413), and
// an unexpected exception as a 500 JSON error, in the check order of
// spec/README.md: route -> fault -> 413 -> the API's own checks -> handler.
//
// An API is a surface: its routes, a ControlPort (how it words an error, its
// clock and fault rules...) and an Exchange, one request's passage through
// it, built on the stack for each request (no allocation):
//
//   struct Exchange {
//     Exchange(Surface&, const HttpRequest&, const RouteMatch&);  // decode what fault rules match on
//     std::optional<engine::RequestFault> TakeFault();  // the oldest matching request rule, counted as fired
//     HttpReply Serve();                                // authenticate, then the route's handler
//     void Answered(const HttpReply&);                  // every answer the exchange got (the audit's)
//   };
//
// A template over the surface, so that the HL Connector's hot path pays no
// virtual call or heap allocation for it; locking, settling and the wrapping
// of replies stay the surface's (the HL Connector's service locks itself and
// serves threads in parallel; a profile's host takes one lock).
#pragma once

#include <exception>
#include <optional>
#include <string>

#include "engine/engine_faults.h"
#include "http/control_api.h"
#include "http/http_message.h"
#include "http/route_table.h"

namespace purchase::http {

template <class Surface>
class ApiHost {
 public:
  // `surface` and `port` must outlive the host.
  ApiHost(Surface& surface, ControlPort& port, ControlOptions control)
      : surface_(surface), port_(port), max_body_bytes_(control.max_body_bytes), control_(port, std::move(control)) {}

  // Adds the surface's next route (before the first request); returns its
  // index, which the Exchange is given in its RouteMatch. A path's methods
  // are listed in Allow in the order added.
  size_t AddRoute(std::string method, std::string pattern) { return routes_.Add(std::move(method), std::move(pattern)); }

  // Never throws: an unexpected exception is a 500 INTERNAL_ERROR reply.
  HttpReply Handle(const HttpRequest& request) {
    try {
      return Dispatch(request);
    } catch (const std::exception& e) {
      return port_.Refuse(MakeError(ErrorCode::kInternalError, std::string("unexpected server error: ") + e.what()));
    }
  }

  const RouteTable& routes() const { return routes_; }

 private:
  HttpReply Dispatch(const HttpRequest& req) {
    if (ControlApi::Owns(req.path)) return control_.Handle(req);
    const RouteMatch match = routes_.Match(req.method, req.path);
    if (match.kind == RouteMatch::Kind::kNoSuchPath)
      return port_.Refuse(MakeError(ErrorCode::kNotFound, "no endpoint at " + req.method + " " + req.path));
    if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
      HttpReply reply = port_.Refuse(MakeError(ErrorCode::kMethodNotAllowed,
                                               req.path + " does not take " + req.method + "; it takes " + match.allow));
      if (port_.sends_allow()) reply.headers.emplace_back("Allow", match.allow);
      return reply;
    }
    typename Surface::Exchange exchange(surface_, req, match);
    const std::optional<engine::RequestFault> fault = exchange.TakeFault();
    if (fault && fault->status) {
      // Answered instead of handled: no order, no token used. The connection
      // stays: drop_connection is for a request that was handled.
      const int status = *fault->status;
      HttpReply reply = port_.Refuse(MakeError(InjectedFaultCode(port_, status),
                                               "injected fault: this request was answered " + std::to_string(status) +
                                                   " by a fault rule"),
                                     status);
      if (fault->retry_after) reply.headers.emplace_back("Retry-After", std::to_string(*fault->retry_after));
      reply.delay_ms = fault->delay_ms;
      exchange.Answered(reply);
      return reply;
    }
    HttpReply reply = req.body.size() > max_body_bytes_ ? port_.Refuse(BodyTooLarge()) : exchange.Serve();
    if (fault) {  // a rule without a status answers as usual, late or not at all
      reply.delay_ms = fault->delay_ms;
      reply.drop_connection = fault->drop_connection;
    }
    exchange.Answered(reply);
    return reply;
  }

  Error BodyTooLarge() const {
    return MakeError(ErrorCode::kPayloadTooLarge,
                     "the request body is larger than " + std::to_string(max_body_bytes_) + " bytes");
  }

  Surface& surface_;
  ControlPort& port_;
  const size_t max_body_bytes_;
  RouteTable routes_;
  ControlApi control_;
};

}  // namespace purchase::http
