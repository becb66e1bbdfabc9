// moto_server (an S3-compatible store that also speaks SQS, Kinesis and IAM) for one test: on a
// free port of 127.0.0.1, run from the test's folder and stopped with it; the AWS settings the
// aws client and Till read to reach it; and the aws client against it.
//
// moto_server and aws belong to the test environment: when either is missing the test fails,
// saying how to install them (pip install 'moto[server]' awscli), and is never skipped.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/ports.h"
#include "support/temp_dir.h"

namespace till::testing {

// Generous for a slow CI machine; moto_server usually answers within a second or two.
inline constexpr std::chrono::seconds kMotoStart{60};

// Clears every AWS setting the machine has and points the shared credentials and config files at
// files of `dir` that do not exist, so that nothing of the machine's own configuration (or a
// warehouse or configuration file Till would find) leaks into a test.
inline void IsolateAwsSettings(ScopedEnv& env, const TempDir& dir) {
  for (const char* name :
       {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS",
        "AWS_ENDPOINT_URL_KINESIS", "TILL_S3_ADDRESSING", "TILL_WAREHOUSE", "TILL_CONFIG"}) {
    env.Unset(name);
  }
  env.Set("AWS_SHARED_CREDENTIALS_FILE", dir.Path("no-credentials"));
  env.Set("AWS_CONFIG_FILE", dir.Path("no-config"));
}

class MotoServer {
 public:
  // Finds moto_server and aws and picks a port; starts nothing (a test may want the endpoint of a
  // store that is not there yet). Check with ASSERT_NO_FATAL_FAILURE.
  explicit MotoServer(const TempDir& dir) : dir_(dir) {
    moto_server_ = FindOnPath("moto_server");
    aws_ = FindOnPath("aws");
    EXPECT_FALSE(moto_server_.empty())
        << "moto_server is not on PATH. This test needs it: it is part of the test environment "
           "(pip install 'moto[server]').";
    EXPECT_FALSE(aws_.empty()) << "aws (the AWS command-line client) is not on PATH. This test "
                                  "needs it: it is part of the test environment "
                                  "(pip install awscli).";
    port_ = FreeLoopbackPort();
    EXPECT_NE(port_, 0) << "no free port on 127.0.0.1";
    endpoint_ = "http://127.0.0.1:" + std::to_string(port_);
  }
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;

  // The machine's AWS settings cleared (IsolateAwsSettings), then test credentials, us-east-1,
  // this server as the endpoint of every service, and no proxy for the loopback.
  void SetEnvironment(ScopedEnv& env) const {
    IsolateAwsSettings(env, dir_);
    env.Set("AWS_ACCESS_KEY_ID", "testing");
    env.Set("AWS_SECRET_ACCESS_KEY", "testing");
    env.Set("AWS_DEFAULT_REGION", "us-east-1");
    env.Set("AWS_ENDPOINT_URL", endpoint_);
    env.Set("NO_PROXY", "127.0.0.1,localhost");
    env.Set("no_proxy", "127.0.0.1,localhost");
  }

  // The same settings as `NAME=value` words, for a command run through a shell with `env`.
  std::string EnvAssignments() const {
    return "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 "
           "NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 AWS_ENDPOINT_URL=" +
           endpoint_;
  }

  // Starts the server (again, after Stop) and waits until it answers. Fatal failures: check with
  // ASSERT_NO_FATAL_FAILURE.
  void Start() {
    ASSERT_FALSE(moto_server_.empty());
    ASSERT_NE(port_, 0);
    std::string error;
    ASSERT_TRUE(server_.Start({moto_server_, "-H", "127.0.0.1", "-p", std::to_string(port_)},
                              dir_.Path(""), dir_.Path("moto.out"), dir_.Path("moto.log"), &error))
        << error;
    const auto deadline = ChildClock::now() + kMotoStart;
    while (!Answers(port_)) {
      ASSERT_TRUE(server_.Running())
          << "moto_server exited before answering on port " << port_ << ":\n"
          << Log();
      ASSERT_LT(ChildClock::now(), deadline) << "moto_server did not answer on port " << port_
                                             << " within " << kMotoStart.count() << " s:\n"
                                             << Log();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // Runs `aws --endpoint-url ENDPOINT ARGS…` in the test's folder, with the test's environment
  // (SetEnvironment's, or keys the test made); fails the test when it fails.
  Outcome Aws(std::vector<std::string> args) const {
    std::vector<std::string> argv = {aws_, "--endpoint-url", endpoint_};
    argv.insert(argv.end(), args.begin(), args.end());
    Outcome outcome = RunToEnd(argv, dir_);
    EXPECT_EQ(outcome.exit_code, 0) << Describe(argv, outcome);
    return outcome;
  }

  std::string Log() const { return ReadFile(dir_.Path("moto.log")); }
  const std::string& endpoint() const { return endpoint_; }
  int port() const { return port_; }

 private:
  const TempDir& dir_;
  std::string moto_server_;
  std::string aws_;
  int port_ = 0;
  std::string endpoint_;
  Child server_;
};

}  // namespace till::testing
