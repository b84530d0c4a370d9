#include "exec/request_trace.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace conformance {
namespace {

class TracingHttpClient final : public HttpClient {
 public:
  TracingHttpClient(std::unique_ptr<HttpClient> client, RequestTrace& trace)
      : client_(std::move(client)), trace_(trace) {}
  HttpResponse Send(const HttpRequest& request) override {
    trace_.Write(request);
    return client_->Send(request);
  }

 private:
  std::unique_ptr<HttpClient> client_;
  RequestTrace& trace_;
};

}  // namespace

std::string RequestTraceLine(const HttpRequest& request) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  // Lengths are passed explicitly, so a NUL byte in a body is kept (as \u0000).
  auto string = [&w](const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("method");
  string(request.method);
  w.Key("url");
  string(request.url);
  w.Key("headers");
  w.StartArray();
  for (const auto& [name, value] : request.headers) {
    w.StartArray();
    string(name);
    string(value);
    w.EndArray();
  }
  w.EndArray();
  if (request.has_body) {
    w.Key("body");
    string(request.body);
  }
  if (request.fresh_connection) {
    w.Key("fresh_connection");
    w.Bool(true);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void RequestTrace::Write(const HttpRequest& request) {
  std::string line = RequestTraceLine(request);
  line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  out_.flush();
}

bool RequestTrace::ok() {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<bool>(out_);
}

std::unique_ptr<HttpClient> NewTracingHttpClient(std::unique_ptr<HttpClient> client, RequestTrace& trace) {
  return std::make_unique<TracingHttpClient>(std::move(client), trace);
}

}  // namespace conformance
