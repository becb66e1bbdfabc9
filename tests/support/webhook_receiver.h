// A webhook receiver for tests: a real HTTP server on loopback that keeps what is posted to it.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/ports.h"

namespace till::testing {

// A one-thread HTTP server on 127.0.0.1 that records each request body and answers with the
// next status of its script (200 once the script is used up).
class WebhookReceiver {
 public:
  explicit WebhookReceiver(std::vector<int> statuses = {}) : statuses_(std::move(statuses)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    port_ = testing::BindLoopback(listener_);
    ::listen(listener_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~WebhookReceiver() {
    stop_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

  std::vector<nlohmann::json> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  int requests() const { return requests_; }

  // Waits until `count` bodies arrived (or 30 s passed).
  bool WaitFor(size_t count) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (bodies().size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  void Serve() {
    while (!stop_) {
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      size_t body_at = std::string::npos;
      size_t length = 0;
      for (;;) {
        ssize_t got = ::read(client, buffer, sizeof buffer);
        if (got <= 0) break;
        request.append(buffer, static_cast<size_t>(got));
        if (body_at == std::string::npos &&
            (body_at = request.find("\r\n\r\n")) != std::string::npos) {
          body_at += 4;
          size_t header = request.find("Content-Length: ");
          if (header != std::string::npos) length = std::stoul(request.substr(header + 16));
        }
        if (body_at != std::string::npos && request.size() >= body_at + length) break;
      }
      int status = 200;
      {
        std::lock_guard lock(mutex_);
        ++requests_;
        if (!statuses_.empty()) {
          status = statuses_.front();
          statuses_.erase(statuses_.begin());
        }
        if (status == 200 && body_at != std::string::npos) {
          bodies_.push_back(nlohmann::json::parse(request.substr(body_at), nullptr, false));
        }
      }
      std::string answer = "HTTP/1.1 " + std::to_string(status) +
                           " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!::write(client, answer.data(), answer.size());
      ::close(client);
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<int> statuses_;
  std::vector<nlohmann::json> bodies_;
  std::atomic<int> requests_{0};
};

}  // namespace till::testing
